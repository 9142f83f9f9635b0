// Sign-in and sign-out of coordinators and auditors. The sign-in form's CSRF token is derived from a
// signed cookie (there is no session yet); after sign-in, the session's own token. Failed sign-ins
// are written to the audit log and lock the account after a few in a row.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appendAudit } from '../../infrastructure/audit';
import { createSession, DEFAULT_LOCKOUT, endSession, signInCheck } from './auth';
import { formField } from './context';
import type { PortalContext } from './context';
import { html } from './html';
import type { Html } from './html';
import { moscowDateTime } from './format';
import { randomToken } from './security';
import { registerUserRoutes } from './routes-users';

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
  registerUserRoutes(app, ctx);
  /** The nonce of a valid signed login cookie, or null (absent, forged, or tampered with). */
  const loginNonce = (request: FastifyRequest): string | null => {
    const raw = request.cookies[ctx.loginCookie];
    if (!raw) return null;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid && unsigned.value && /^[A-Za-z0-9_-]{32}$/.test(unsigned.value)
      ? unsigned.value
      : null;
  };
  /** The form's token for this browser's login cookie, setting a fresh cookie when needed. */
  const loginCsrf = (request: FastifyRequest, reply: FastifyReply, fresh = false): string => {
    let nonce = fresh ? null : loginNonce(request);
    if (!nonce) {
      nonce = randomToken(24);
      // Signed: a cookie planted by a sibling site or a network attacker (login CSRF) does not verify.
      reply.setCookie(ctx.loginCookie, nonce, {
        httpOnly: true,
        sameSite: 'lax',
        secure: ctx.secureCookies,
        path: '/',
        signed: true,
      });
    }
    return ctx.csrf.forLogin(nonce);
  };
  const lockout = ctx.config.lockout ?? DEFAULT_LOCKOUT;

  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    if (await ctx.viewer(request)) return reply.redirect(safeNext(request.query.next), 303);
    const csrf = loginCsrf(request, reply);
    return ctx.send(reply, 200, {
      title: 'Вход',
      body: loginForm(csrf, safeNext(request.query.next), '', null),
      narrow: true,
    });
  });

  app.post('/login', ctx.limits.login, async (request, reply) => {
    const nonce = loginNonce(request);
    const next = safeNext(formField(request.body, 'next'));
    const login = formField(request.body, 'login', 100).trim();
    const password = formField(request.body, 'password', 1000);
    if (!nonce || !ctx.csrf.check(ctx.csrf.forLogin(nonce), formField(request.body, '_csrf'))) {
      const csrf = loginCsrf(request, reply, true);
      const message = html`<div class="bad">
        Форма входа устарела. Введите имя пользователя и пароль еще раз.
      </div>`;
      return ctx.send(reply, 403, {
        title: 'Вход',
        body: loginForm(csrf, next, login, message),
        narrow: true,
      });
    }
    const outcome = await signInCheck(ctx.db, login, password, lockout);
    if (!outcome.ok) {
      await appendAudit(ctx.db, {
        quarter: null,
        municipality: null,
        action: outcome.justLocked ? 'web.login.locked' : 'web.login.failed',
        actor: login.slice(0, 64) || '—',
        origin: ctx.origin(request),
        detail: { reason: outcome.reason },
      });
      // While locked, every attempt gets the same answer, the right password included: a guesser
      // cannot tell when he hit it. A disabled account reads like a wrong password.
      const text =
        outcome.reason !== 'locked'
          ? 'Неверное имя пользователя или пароль.'
          : `Слишком много неудачных попыток входа: вход для этой учетной записи закрыт до ${moscowDateTime(outcome.lockedUntil!)}. Координатор может открыть его раньше командой «svodka user unlock».`;
      const message = html`<div class="bad">${text}</div>`;
      return ctx.send(reply, outcome.reason === 'locked' ? 429 : 401, {
        title: 'Вход',
        body: loginForm(ctx.csrf.forLogin(nonce), next, login, message),
        narrow: true,
      });
    }
    const user = outcome.user;
    const session = await createSession(ctx.db, user.id, ctx.config.sessionTtlMs);
    reply.setCookie(ctx.sessionCookie, session.cookie, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secureCookies,
      path: '/',
      expires: session.expiresAt,
    });
    reply.clearCookie(ctx.loginCookie, { path: '/' });
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
      await endSession(ctx.db, request.cookies[ctx.sessionCookie]);
    }
    reply.clearCookie(ctx.sessionCookie, { path: '/' });
    return reply.redirect('/login', 303);
  });
}
