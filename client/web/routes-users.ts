// The coordinator's view of the portal's accounts: who is locked out after failed sign-ins or
// disabled, and a button that lifts a lockout (as `svodka user unlock` does). Disabling, password
// changes and ending sessions stay on the command line, next to `svodka user add`.
import type { FastifyInstance } from 'fastify';
import { appendAudit } from '../../infrastructure/audit';
import { unlockUser } from './auth';
import { formField } from './context';
import type { PortalContext } from './context';
import { notFound } from './errors';
import { moscowDateTime } from './format';
import { html } from './html';
import { shellUser } from './layout';

export function registerUserRoutes(app: FastifyInstance, ctx: PortalContext): void {
  app.get<{ Querystring: { done?: string } }>('/users', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    const now = Date.now();
    const users = await ctx.db.user.findMany({ orderBy: { login: 'asc' }, take: 1000 });
    const rows = users.map((u) => {
      const locked = u.lockedUntil && u.lockedUntil.getTime() > now;
      const state = u.disabledAt
        ? 'отключена'
        : locked
          ? `вход закрыт до ${moscowDateTime(u.lockedUntil)}`
          : u.failedLogins > 0
            ? `неудачных попыток подряд: ${u.failedLogins}`
            : 'действует';
      return html`<tr>
        <td>${u.login}</td>
        <td>${u.name}</td>
        <td>${u.role === 'coordinator' ? 'координатор' : 'аудитор'}</td>
        <td>${state}</td>
        <td>
          ${
            locked || u.failedLogins > 0
              ? html`<form method="post" action="/users/${u.login}/unlock">
                <input type="hidden" name="_csrf" value="${viewer.csrf}" />
                <button type="submit" class="secondary">Открыть вход</button>
              </form>`
              : ''
          }
        </td>
      </tr>`;
    });
    const body = html`<h1>Учетные записи</h1>
      ${request.query.done === 'unlock' ? html`<div class="ok">Вход снова открыт.</div>` : ''}
      <table>
        <thead>
          <tr>
            <th>Имя для входа</th>
            <th>Имя</th>
            <th>Роль</th>
            <th>Состояние</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${rows}
        </tbody>
      </table>
      <p class="muted">
        Отключить учетную запись, сменить пароль или завершить сеансы: svodka user disable | passwd | logout.
      </p>`;
    return ctx.send(reply, 200, {
      title: 'Учетные записи',
      body,
      user: shellUser(viewer),
    });
  });

  app.post<{ Params: { login: string } }>('/users/:login/unlock', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    const login = request.params.login;
    if (!(await ctx.db.user.findUnique({ where: { login } }))) throw notFound('Такой учетной записи нет.');
    await unlockUser(ctx.db, login);
    await appendAudit(ctx.db, {
      quarter: null,
      municipality: null,
      action: 'user.unlock',
      actor: viewer.user.login,
      origin: ctx.origin(request),
      detail: { login },
    });
    return reply.redirect('/users?done=unlock', 303);
  });
}
