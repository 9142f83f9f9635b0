// The queue of email replies Svodka could not take by itself, for coordinators (auditors read it):
// who wrote, the subject, when, why it waits; «Назначить муниципальному образованию» sends the
// attached template in as that municipality's emailed answer, «Отклонить» takes it off the queue.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { assignMail } from '../../application/assign-mail';
import { discardMail } from '../../application/discard-mail';
import { listMailQueue } from '../../application/mail-queue';
import type { QueuedMail } from '../../application/mail-queue';
import type { Viewer } from './auth';
import { formField } from './context';
import type { PortalContext } from './context';
import { moscowDateTime, plural } from './format';
import { html } from './html';
import type { Html } from './html';
import { portalUseCaseContext, runForPage } from './actions';
import { execute } from '../../application/use-case';
import { reviewStylesheet } from './review-views';
import { shellUser } from './layout';

const STATUS_LABELS: Record<QueuedMail['status'], string> = {
  held: 'Задержано',
  unmatched: 'Не сопоставлено',
  unreadable: 'Нет шаблона',
};

/** A registry this large is not a drop-down: the code is typed (and checked) instead. */
const MAX_SELECT = 300;

type Registry = { code: string; name: string }[];

function assignForm(mail: QueuedMail, viewer: Viewer, registry: Registry, quarter: string): Html {
  if (!mail.attachmentName) return html`<p class="muted">Вложения с шаблоном нет — назначать нечего.</p>`;
  const id = `assign-${mail.id}`;
  return html`<form method="post" action="/mail/${mail.id}/assign">
    <input type="hidden" name="_csrf" value="${viewer.csrf}" />
    <input type="hidden" name="requestId" value="${randomUUID()}" />
    <label for="${id}-m">Муниципальное образование</label>
    ${
      registry.length <= MAX_SELECT
        ? html`<select id="${id}-m" name="municipality" required>
            <option value="">— выберите —</option>
            ${registry.map(
              (m) =>
                html`<option value="${m.code}" ${m.code === mail.municipality ? html`selected` : ''}>${m.name}</option>`,
            )}
          </select>`
        : html`<input type="text" id="${id}-m" name="municipality" required value="${mail.municipality ?? ''}" placeholder="код, например smolensk" />`
    }
    <label for="${id}-q">Квартал</label>
    <input type="text" id="${id}-q" name="quarter" required value="${mail.quarter ?? quarter}" pattern="[0-9]{4}-[Qq][1-4]" />
    <div><button type="submit" class="small">Назначить муниципальному образованию</button></div>
  </form>`;
}

function discardForm(mail: QueuedMail, viewer: Viewer): Html {
  return html`<form method="post" action="/mail/${mail.id}/discard">
    <input type="hidden" name="_csrf" value="${viewer.csrf}" />
    <input type="hidden" name="requestId" value="${randomUUID()}" />
    <button type="submit" class="small secondary">Отклонить</button>
  </form>`;
}

const DONE: Record<string, string> = {
  assigned: 'Письмо назначено: вложение принято в работу как ответ муниципального образования по почте.',
  discarded: 'Письмо отклонено и убрано из очереди.',
};

export function registerMailQueueRoutes(app: FastifyInstance, ctx: PortalContext): void {
  app.get<{ Querystring: { done?: string; id?: string } }>('/mail', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply);
    if (!viewer) return reply;
    const coordinator = viewer.user.role === 'coordinator';
    const { mails, total } = await execute(
      listMailQueue,
      portalUseCaseContext(ctx, request, viewer.user.login),
      {},
    );
    const registry = coordinator
      ? await ctx.db.municipality.findMany({
          orderBy: { position: 'asc' },
          select: { code: true, name: true },
        })
      : [];
    // The quarter a stray reply most likely belongs to: the one started last.
    const lastStart = await ctx.db.auditEntry.findFirst({
      where: { action: 'quarter.start' },
      orderBy: { id: 'desc' },
      select: { quarter: true },
    });
    const done = request.query.done && DONE[request.query.done];
    const decided =
      request.query.done === 'assigned' && request.query.id && /^[0-9a-f-]{36}$/.test(request.query.id)
        ? await ctx.db.inboundMail.findUnique({ where: { id: request.query.id } })
        : null;
    const body = html`${reviewStylesheet()}
      <h1>Входящая почта: письма на разбор</h1>
      ${done ? html`<div class="ok">${done}${decided ? html`<br />${decided.detail.split('\n').at(-1)}` : ''}</div>` : ''}
      <p class="muted">
        Ответы, которые Svodka не приняла сама: отправитель не из реестра или не прошел проверку подлинности,
        в адресе нет ключа доступа, нет заполненного шаблона. Письма остаются в почтовом ящике.
      </p>
      ${
        mails.length === 0
          ? html`<p>Писем на разбор нет.</p>`
          : html`<p>${total} ${plural(total, 'письмо ждет', 'письма ждут', 'писем ждут')} решения.</p>
              <table class="mail-queue">
                <thead>
                  <tr>
                    <th>Получено</th>
                    <th>Отправитель</th>
                    <th>Тема</th>
                    <th>Причина</th>
                    ${coordinator ? html`<th>Решение</th>` : ''}
                  </tr>
                </thead>
                <tbody>
                  ${mails.map(
                    (m) =>
                      html`<tr data-mail="${m.id}">
                        <td class="nowrap">${moscowDateTime(m.receivedAt)}</td>
                        <td>${m.from || '(не указан)'}</td>
                        <td>
                          ${m.subject || '(без темы)'}
                          ${m.attachmentName ? html`<div class="muted">Вложение: ${m.attachmentName}</div>` : ''}
                        </td>
                        <td><strong>${STATUS_LABELS[m.status] ?? m.status}.</strong> ${m.reason}</td>
                        ${
                          coordinator
                            ? html`<td>
                                ${assignForm(m, viewer, registry, lastStart?.quarter ?? '')}
                                ${discardForm(m, viewer)}
                              </td>`
                            : ''
                        }
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }`;
    return ctx.send(reply, 200, { title: 'Входящая почта', body, user: shellUser(viewer) });
  });

  app.post<{ Params: { id: string } }>('/mail/:id/assign', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    request.svodkaBack = '/mail';
    await runForPage(ctx, request, viewer.user.login, assignMail, {
      mailId: request.params.id,
      quarter: formField(request.body, 'quarter', 20),
      municipality: formField(request.body, 'municipality', 100),
      requestId: formField(request.body, 'requestId', 100),
    });
    return reply.redirect(`/mail?done=assigned&id=${encodeURIComponent(request.params.id)}`, 303);
  });

  app.post<{ Params: { id: string } }>('/mail/:id/discard', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    request.svodkaBack = '/mail';
    await runForPage(ctx, request, viewer.user.login, discardMail, {
      mailId: request.params.id,
      requestId: formField(request.body, 'requestId', 100),
    });
    return reply.redirect('/mail?done=discarded', 303);
  });
}
