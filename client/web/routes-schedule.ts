// The coordinator's page of the schedule that opens quarters by themselves (/schedule): the rule,
// the next opening, pause, resume, «open now» and delete — the same use cases as `svodka schedule`.
import type { FastifyInstance } from 'fastify';
import { describePolicy, installationPolicy, parsePolicyChoice } from '../../domain/policy-options';
import type { PolicyChoice, PolicyText } from '../../domain/policy-options';
import { DEFAULT_POLICY } from '../../domain/schedule';
import {
  createSchedule,
  deleteSchedule,
  parseOpeningRule,
  pauseSchedule,
  resumeSchedule,
  showSchedule,
  triggerSchedule,
} from '../schedule';
import type { ScheduleView } from '../schedule';
import { showDailySchedule } from '../notifications';
import { formField } from './context';
import type { PortalContext } from './context';
import { moscowDateTime, russianDate } from './format';
import { html } from './html';
import type { Html } from './html';
import { actionButton, askTemporal, registerActionPost } from './schedule-forms';
import { viewerScheduleRegion } from './region-access';
import { shellUser } from './layout';

const DONE: Record<string, string> = {
  created: 'Расписание создано.',
  updated: 'Правило расписания изменено.',
  paused: 'Расписание приостановлено: кварталы не открываются, пока его не возобновят.',
  resumed: 'Расписание возобновлено.',
  deleted: 'Расписание удалено. Запущенные кварталы продолжаются.',
  'not-due': 'Открывать нечего: день открытия по правилу еще не наступил.',
  'already-started': 'Квартал, который пора открыть, уже запущен — второй не начат.',
  finished: 'Квартал, который пора открыть, уже завершен — повторно не открывается.',
};

/** The installation's default policy; a bad variable must not take the page down (the start says why). */
function defaults(): PolicyChoice {
  try {
    return installationPolicy();
  } catch {
    return DEFAULT_POLICY;
  }
}

function safePolicy(text: PolicyText): PolicyChoice {
  try {
    return parsePolicyChoice(text, defaults());
  } catch {
    return defaults();
  }
}

function ruleForm(csrf: string, view: ScheduleView | null): Html {
  const rule = view?.rule ?? { openOnWorkingDay: 1, deadlineWorkingDays: 10 };
  const policy = view?.policy ?? {};
  return html`<form method="post" action="/schedule">
    <input type="hidden" name="_csrf" value="${csrf}" />
    <input type="hidden" name="action" value="save" />
    <label for="openOn">Открывать на N-й рабочий день после окончания квартала</label>
    <input type="number" id="openOn" name="openOn" value="${String(rule.openOnWorkingDay)}" min="1" max="20" />
    <label for="deadlineDays">Срок — рабочих дней после открытия</label>
    <input
      type="number"
      id="deadlineDays"
      name="deadlineDays"
      value="${String(rule.deadlineWorkingDays)}"
      min="1"
      max="60"
    />
    ${policyFields(policy)}
    <div><button type="submit">${view ? 'Сохранить правило' : 'Создать расписание'}</button></div>
  </form>`;
}

/** The reminder policy's three fields; blank: the installation's default, shown as the placeholder. */
export function policyFields(values: PolicyText): Html {
  const base = defaults();
  return html`<label for="remindBefore">Напоминать за столько дней до срока, через запятую («нет» — не напоминать)</label>
    <input
      type="text"
      id="remindBefore"
      name="remindBefore"
      value="${values.remindBefore}"
      placeholder="${base.beforeDeadlineDays.join(',') || 'нет'}"
      maxlength="40"
    />
    <label for="overdueEvery">После срока напоминать каждые N дней</label>
    <input
      type="number"
      id="overdueEvery"
      name="overdueEvery"
      value="${values.overdueEvery}"
      placeholder="${String(base.overdueEveryDays)}"
      min="1"
      max="30"
    />
    <label for="escalateAfter">Письмо главе МО после N напоминаний о просрочке</label>
    <input
      type="number"
      id="escalateAfter"
      name="escalateAfter"
      value="${values.escalateAfter}"
      placeholder="${String(base.escalateAfterOverdue)}"
      min="0"
      max="20"
    />`;
}

export function registerScheduleRoutes(app: FastifyInstance, ctx: PortalContext): void {
  app.get<{ Querystring: { done?: string } }>('/schedule', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    const region = await viewerScheduleRegion(ctx, viewer);
    const [view, daily] = await askTemporal(ctx, () =>
      Promise.all([showSchedule(ctx.temporal, ctx.db, Date.now(), region), showDailySchedule(ctx.temporal)]),
    );
    const done = request.query.done && DONE[request.query.done];
    const button = (action: string, label: string) => actionButton('/schedule', viewer.csrf, action, label);
    const body = html`<h1>Расписание открытия кварталов</h1>
      ${done ? html`<div class="ok">${done}</div>` : ''}
      ${
        view
          ? html`<div class="card">
            <p>
              <strong>${view.paused ? 'Приостановлено' : 'Действует'}</strong>${
                view.paused && view.note ? html` — ${view.note}` : ''
              }
            </p>
            <p>
              Квартал открывается на ${String(view.rule.openOnWorkingDay)}-й рабочий день после своего окончания
              (по производственному календарю), срок — ${String(view.rule.deadlineWorkingDays)} рабочих дней после
              открытия.
            </p>
            <p>Напоминания: ${describePolicy(safePolicy(view.policy))}.</p>
            <p>Следующий: ${view.next.quarter} откроется ${russianDate(view.next.openingDay)}.</p>
            ${
              view.recent.length
                ? html`<p class="muted">
                  Последние запуски: ${view.recent
                    .slice(-5)
                    .map((r) => moscowDateTime(r.at))
                    .join(', ')}
                </p>`
                : ''
            }
            <p>
              ${button('trigger', 'Открыть сейчас')}
              ${view.paused ? button('resume', 'Возобновить') : button('pause', 'Приостановить')}
              ${button('delete', 'Удалить расписание')}
            </p>
          </div>
          <h2>Изменить правило</h2>`
          : html`<p class="muted">
              Расписания нет: кварталы запускаются только вручную. Создайте его — и каждый квартал будет открываться
              сам, с письмом координатору.
            </p>
            <h2>Создать расписание</h2>`
      }
      <div class="card">${ruleForm(viewer.csrf, view)}</div>
      <h2>Ежедневная рассылка</h2>
      <p>
        ${
          daily
            ? html`${daily.paused ? 'Приостановлена' : 'Действует'}: каждый день в 08:30 МСК — сводка координатору по
              рабочим дням и якорь журнала аудита аудиторам${
                daily.nextRun ? html`; следующий запуск ${moscowDateTime(daily.nextRun)}` : ''
              }.`
            : 'Не создана: сводка координатору и якорь журнала аудита не отправляются.'
        }
        <a href="/notifications">Настроить уведомления</a>
      </p>
      <p><a href="/quarters">← Кварталы</a></p>`;
    return ctx.send(reply, 200, {
      title: 'Расписание',
      body,
      user: shellUser(viewer),
    });
  });

  // An account of one region sets up that region's opener; the administrator, the home region's.
  registerActionPost(app, ctx, '/schedule', {
    async save(request, by, viewer) {
      const who = { ...by, region: await viewerScheduleRegion(ctx, viewer) };
      const rule = parseOpeningRule({
        openOnWorkingDay: formField(request.body, 'openOn', 10),
        deadlineWorkingDays: formField(request.body, 'deadlineDays', 10),
      });
      const { created } = await createSchedule(ctx.temporal, ctx.db, {
        rule,
        policy: {
          remindBefore: formField(request.body, 'remindBefore', 40),
          overdueEvery: formField(request.body, 'overdueEvery', 10),
          escalateAfter: formField(request.body, 'escalateAfter', 10),
        },
        ...who,
      });
      return `/schedule?done=${created ? 'created' : 'updated'}`;
    },
    async pause(request, by, viewer) {
      const who = { ...by, region: await viewerScheduleRegion(ctx, viewer) };
      await pauseSchedule(ctx.temporal, ctx.db, who, formField(request.body, 'note', 200));
      return '/schedule?done=paused';
    },
    async resume(_request, by, viewer) {
      const who = { ...by, region: await viewerScheduleRegion(ctx, viewer) };
      await resumeSchedule(ctx.temporal, ctx.db, who);
      return '/schedule?done=resumed';
    },
    async delete(_request, by, viewer) {
      const who = { ...by, region: await viewerScheduleRegion(ctx, viewer) };
      await deleteSchedule(ctx.temporal, ctx.db, who);
      return '/schedule?done=deleted';
    },
    async trigger(_request, by, viewer) {
      const who = { ...by, region: await viewerScheduleRegion(ctx, viewer) };
      const result = await triggerSchedule(ctx.temporal, ctx.db, who);
      return result.opened ? `/quarters/${result.quarter}?done=started` : `/schedule?done=${result.reason}`;
    },
  });
}
