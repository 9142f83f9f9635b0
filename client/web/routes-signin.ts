// Sign-in and sign-out of coordinators and auditors. The sign-in form's CSRF token is a
// double-submit cookie (there is no session yet); after sign-in, the session's own token.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { appendAudit } from '../../activities/audit';
import { authenticate, createSession, endSession } from './auth';
import { formField, LOGIN_CSRF_COOKIE, SESSION_COOKIE } from './context';
import type { PortalContext } from './context';
import { html } from './html';
import type { Html } from './html';
import { randomToken } from './security';

/** Only a path of this site: no scheme, no host, no «//evil». */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\'))
    return '/quarters';
  if (/[\u0000-\u001f]/.test(next) || next.startsWith('/login') || next.startsWith('/m/')) return '/quarters';
  return next.slice(0, 500);
}

function loginForm(csrf: string, next: string, login: string, message: Html | null): Html {
  return html`<h1>Вход для координатора и аудитора</h1>
    ${message ?? ''}
    <div class="card">
      <form method="post" action="/login">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <input type="hidden" name="next" value="${next}" />
        <label for="login">Имя пользователя</label>
        <input
          type="text"
          id="login"
          name="login"
          value="${login}"
          autocomplete="username"
          required
          autofocus
        />
        <label for="password">Пароль</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required />
        <div><button type="submit">Войти</button></div>
      </form>
    </div>
    <p class="muted">
      Муниципальные образования входят по ссылке из письма с запросом сведений — пароль им не нужен.
    </p>`;
}

export function registerSignInRoutes(app: FastifyInstance, ctx: PortalContext): void {
  const loginCsrf = (reply: FastifyReply, existing: string | undefined): string => {
    if (existing && /^[A-Za-z0-9_-]{32,64}$/.test(existing)) return existing;
    const value = randomToken(24);
    reply.setCookie(LOGIN_CSRF_COOKIE, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secureCookies,
      path: '/login',
    });
    return value;
  };

  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    if (await ctx.viewer(request)) return reply.redirect(safeNext(request.query.next), 303);
    const csrf = loginCsrf(reply, request.cookies[LOGIN_CSRF_COOKIE]);
    return ctx.send(reply, 200, {
      title: 'Вход',
      body: loginForm(csrf, safeNext(request.query.next), '', null),
      narrow: true,
    });
  });

  app.post('/login', async (request, reply) => {
    const cookie = request.cookies[LOGIN_CSRF_COOKIE];
    const next = safeNext(formField(request.body, 'next'));
    const login = formField(request.body, 'login', 100).trim();
    const password = formField(request.body, 'password', 1000);
    if (!cookie || !ctx.csrf.check(cookie, formField(request.body, '_csrf'))) {
      const csrf = loginCsrf(reply, undefined);
      const message = html`<div class="bad">
        Форма входа устарела. Введите имя пользователя и пароль еще раз.
      </div>`;
      return ctx.send(reply, 403, {
        title: 'Вход',
        body: loginForm(csrf, next, login, message),
        narrow: true,
      });
    }
    const user = await authenticate(ctx.db, login, password);
    if (!user) {
      const message = html`<div class="bad">Неверное имя пользователя или пароль.</div>`;
      return ctx.send(reply, 401, {
        title: 'Вход',
        body: loginForm(cookie, next, login, message),
        narrow: true,
      });
    }
    const session = await createSession(ctx.db, user.id, ctx.config.sessionTtlMs);
    reply.setCookie(SESSION_COOKIE, session.cookie, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secureCookies,
      path: '/',
      expires: session.expiresAt,
    });
    reply.clearCookie(LOGIN_CSRF_COOKIE, { path: '/login' });
    await appendAudit(ctx.db, {
      quarter: null,
      municipality: null,
      action: 'web.login',
      actor: user.login,
      origin: ctx.origin(request),
    });
    return reply.redirect(next, 303);
  });

  app.post('/logout', async (request, reply) => {
    const viewer = await ctx.viewer(request);
    if (viewer) {
      ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
      await endSession(ctx.db, request.cookies[SESSION_COOKIE]);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });
}
