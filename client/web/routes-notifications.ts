// The coordinator's page of notifications (/notifications): which are on (the daily digest,
// «черновик готов», «отчет подписан»), whom they go to, and the daily schedule that sends the digest
// and the auditors' anchor — the same functions as `svodka notify`.
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../infrastructure/config';
import type { NotificationChange } from '../../infrastructure/notification-settings';
import {
  createDailySchedule,
  deleteDailySchedule,
  parseRecipients,
  setNotifications,
  showNotifications,
  triggerDailySchedule,
} from '../notifications';
import type { NotificationsView } from '../notifications';
import { formField } from './context';
import type { PortalContext } from './context';
import { moscowDateTime } from './format';
import { html } from './html';
import type { Html } from './html';
import { actionButton, askTemporal, registerActionPost } from './schedule-forms';
import { shellUser } from './layout';

const DONE: Record<string, string> = {
  saved: 'Настройки уведомлений сохранены.',
  created: 'Ежедневная рассылка создана: каждый день в 08:30 МСК.',
  exists: 'Ежедневная рассылка уже создана.',
  deleted: 'Ежедневная рассылка удалена.',
};

/** What «send now» did; only these words are shown, never text from the address bar. */
const RAN: Record<string, string> = {
  sent: 'Сводка координатору отправлена.',
  'already-sent': 'Сводка за сегодня уже была отправлена — второй раз не отправляется.',
  nothing: 'Сводка не нужна: ни просрочек, ни отклоненных ответов, ни писем, ждущих решения.',
  'day-off': 'Сегодня нерабочий день по производственному календарю — сводка не отправляется.',
  off: 'Сводка отключена.',
};

function checkbox(name: string, checked: boolean, label: string): Html {
  return checked
    ? html`<label><input type="checkbox" name="${name}" value="on" checked /> ${label}</label>`
    : html`<label><input type="checkbox" name="${name}" value="on" /> ${label}</label>`;
}

function settingsForm(csrf: string, view: NotificationsView): Html {
  return html`<form method="post" action="/notifications">
    <input type="hidden" name="_csrf" value="${csrf}" />
    <input type="hidden" name="action" value="save" />
    ${checkbox('digest', view.settings.digest, 'Ежедневная сводка по рабочим дням: просрочки, отклоненные ответы, письма, ждущие решения, и неотправленные письма')}
    ${checkbox('draftReady', view.settings.draftReady, '«Черновик готов» — когда черновик сводного отчета сформирован')}
    ${checkbox('signedOff', view.settings.signedOff, '«Отчет подписан» — когда итоговый отчет подписан')}
    <label for="recipients">Получатели (адреса через запятую; пусто — адрес координатора из настроек установки)</label>
    <input
      type="text"
      id="recipients"
      name="recipients"
      value="${view.settings.recipients.join(', ')}"
      placeholder="${view.recipients.join(', ')}"
      maxlength="2000"
    />
    <div><button type="submit">Сохранить</button></div>
  </form>`;
}

export function registerNotificationRoutes(app: FastifyInstance, ctx: PortalContext): void {
  const coordinatorEmail = () => loadConfig().coordinatorEmail;

  app.get<{ Querystring: { done?: string; ran?: string } }>('/notifications', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    const view = await askTemporal(ctx, () => showNotifications(ctx.temporal, ctx.db, coordinatorEmail()));
    const done = request.query.done && DONE[request.query.done];
    const ran = request.query.ran ? RAN[request.query.ran] : undefined;
    const button = (action: string, label: string) =>
      actionButton('/notifications', viewer.csrf, action, label);
    const schedule = view.schedule;
    const body = html`<h1>Уведомления координатору</h1>
      ${done ? html`<div class="ok">${done}</div>` : ''} ${ran ? html`<div class="ok">${ran}</div>` : ''}
      <div class="card">${settingsForm(viewer.csrf, view)}</div>
      <h2>Ежедневная рассылка</h2>
      <div class="card">
        ${
          schedule
            ? html`<p>
                  <strong>${schedule.paused ? 'Приостановлена' : 'Действует'}</strong>: каждый день в 08:30 МСК —
                  сводка координатору (в рабочие дни по производственному календарю) и якорь журнала аудита аудиторам.
                </p>
                ${schedule.nextRun ? html`<p>Следующий запуск: ${moscowDateTime(schedule.nextRun)}.</p>` : ''}
                ${
                  schedule.recent.length
                    ? html`<p class="muted">
                        Последние запуски: ${schedule.recent
                          .slice(-5)
                          .map((r) => moscowDateTime(r.at))
                          .join(', ')}
                      </p>`
                    : ''
                }
                <p>${button('run', 'Отправить сейчас')} ${button('unschedule', 'Удалить рассылку')}</p>`
            : html`<p class="muted">Рассылки нет: сводка и якорь аудита не отправляются.</p>
                <p>${button('schedule', 'Создать ежедневную рассылку')}</p>`
        }
        <p>
          Якорь журнала аудита:
          ${view.auditorEmail ?? html`<span class="muted">не отправляется — адрес аудиторов (SVODKA_AUDITOR_EMAIL) не задан</span>`}
        </p>
      </div>
      <p><a href="/schedule">Расписание открытия кварталов</a> · <a href="/quarters">← Кварталы</a></p>`;
    return ctx.send(reply, 200, {
      title: 'Уведомления',
      body,
      user: shellUser(viewer),
    });
  });

  registerActionPost(app, ctx, '/notifications', {
    async save(request, who) {
      const change: NotificationChange = {
        // An unticked checkbox is absent from the form: off.
        digest: formField(request.body, 'digest', 5) === 'on',
        draftReady: formField(request.body, 'draftReady', 5) === 'on',
        signedOff: formField(request.body, 'signedOff', 5) === 'on',
        recipients: parseRecipients(formField(request.body, 'recipients', 2000)),
      };
      await setNotifications(ctx.db, change, who);
      return '/notifications?done=saved';
    },
    async schedule(_request, who) {
      const { created } = await createDailySchedule(ctx.temporal, ctx.db, who);
      return `/notifications?done=${created ? 'created' : 'exists'}`;
    },
    async unschedule(_request, who) {
      await deleteDailySchedule(ctx.temporal, ctx.db, who);
      return '/notifications?done=deleted';
    },
    async run(_request, who) {
      const result = await triggerDailySchedule(ctx.temporal, ctx.db, who);
      return `/notifications?ran=${result.digest.outcome}`;
    },
  });
}
