// The coordinator's notifications: the switches and recipients (database), and the daily schedule
// that sends the digest and the auditors' anchor (Temporal Schedule). Shared by the CLI
// (`svodka notify …`) and the portal's page (/notifications).
import { triggerAndWait } from './schedule-run';
import type { Client, ScheduleHandle } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { z } from 'zod';
import { auditorEmail } from '../activities/audit-anchor';
import { appendAudit } from '../infrastructure/audit';
import type { Db } from '../infrastructure/db/client';
import {
  readNotificationSettings,
  splitAddresses,
  writeNotificationSettings,
} from '../infrastructure/notification-settings';
import type { NotificationChange, NotificationSettings } from '../infrastructure/notification-settings';
import { DAILY_SCHEDULE_ID, DAILY_WORKFLOW_ID, TASK_QUEUE } from '../workflows/api';
import type { DailyResult } from '../workflows/api';
import type { dailyNotifications } from '../workflows/daily-notifications';
import { UserError } from './temporal';

/** 08:30 Moscow (UTC+3 all year): before the working day, after the night's reminders. */
const FIRE = { hour: 5, minute: 30 };

type Who = { actor: string; origin: string };

const address = z.email({ message: 'не похоже на адрес электронной почты' }).max(254);

/** «on»/«off» as typed in the CLI; the portal's checkboxes come as booleans. */
export function parseSwitch(name: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['on', 'вкл', 'да', 'yes', 'true', '1'].includes(v)) return true;
  if (['off', 'выкл', 'нет', 'no', 'false', '0'].includes(v)) return false;
  throw new UserError(`${name}: ожидается on или off, получено «${value}».`, 2);
}

/** The recipients as typed: addresses separated by commas; blank: the coordinator's (SVODKA_COORDINATOR_EMAIL). */
export function parseRecipients(text: string): string[] {
  const list = splitAddresses(text);
  if (list.length > 20) throw new UserError('Получателей не больше 20.', 2);
  for (const a of list) {
    // A line break in an address would be a header of its own (Bcc: …) in the email.
    if (!address.safeParse(a).success)
      throw new UserError(`Получатели: «${a.slice(0, 80)}» не похоже на адрес электронной почты.`, 2);
  }
  return [...new Set(list)];
}

export async function setNotifications(
  db: Db,
  change: NotificationChange,
  who: Who,
): Promise<NotificationSettings> {
  const settings = await writeNotificationSettings(db, change, who.actor);
  await appendAudit(db, {
    quarter: null,
    municipality: null,
    action: 'notifications.set',
    ...who,
    detail: { ...change },
  });
  return settings;
}

export type DailyScheduleView = {
  paused: boolean;
  nextRun: string | null;
  recent: { at: string; workflowId: string; runId: string }[];
};

export type NotificationsView = {
  settings: NotificationSettings;
  /** Whom they go to now (the coordinator's address when none is set). */
  recipients: string[];
  auditorEmail: string | null;
  /** The daily schedule; null: none is created; absent: Temporal was not asked (or did not answer). */
  schedule?: DailyScheduleView | null;
};

/** How long `notify show` waits for Temporal's answer about the schedule. */
export const SHOW_DEADLINE_MS = 10_000;

const handleOf = (client: Client): ScheduleHandle => client.schedule.getHandle(DAILY_SCHEDULE_ID);

export async function showDailySchedule(client: Client): Promise<DailyScheduleView | null> {
  try {
    const d = await handleOf(client).describe();
    return {
      paused: d.state.paused,
      nextRun: d.info.nextActionTimes[0]?.toISOString() ?? null,
      recent: d.info.recentActions.map((a) => ({
        at: a.takenAt.toISOString(),
        workflowId: a.action.workflow.workflowId,
        runId: a.action.workflow.firstExecutionRunId,
      })),
    };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

/** The settings, from the database; and, given a client, the daily schedule (Temporal's errors thrown). */
export async function showNotifications(
  client: Client | null,
  db: Db,
  coordinatorEmail: string,
): Promise<NotificationsView> {
  const settings = await readNotificationSettings(db);
  const view: NotificationsView = {
    settings,
    recipients: settings.recipients.length > 0 ? settings.recipients : [coordinatorEmail],
    auditorEmail: auditorEmail(),
  };
  if (client) view.schedule = await showDailySchedule(client);
  return view;
}

/**
 * What `notify show` tells: the settings whatever Temporal's state (they live in the database), the
 * daily schedule only when Temporal answers in time; otherwise why it did not (`unreachable`).
 */
export async function showNotificationsAnyway(
  connect: () => Promise<Client>,
  db: Db,
  coordinatorEmail: string,
  deadlineMs = SHOW_DEADLINE_MS,
): Promise<NotificationsView & { unreachable?: string }> {
  const view = await showNotifications(null, db, coordinatorEmail);
  try {
    const client = await connect();
    const schedule = await client.withDeadline(Date.now() + deadlineMs, () => showDailySchedule(client));
    return { ...view, schedule };
  } catch (err) {
    return { ...view, unreachable: (err as Error).message ?? String(err) };
  }
}

/** Creates the daily schedule (08:30 Moscow); it exists already: nothing changes. Returns whether it was new. */
export async function createDailySchedule(client: Client, db: Db, who: Who): Promise<{ created: boolean }> {
  try {
    await client.schedule.create<typeof dailyNotifications>({
      scheduleId: DAILY_SCHEDULE_ID,
      spec: { calendars: [FIRE] },
      action: {
        type: 'startWorkflow',
        workflowType: 'dailyNotifications',
        workflowId: DAILY_WORKFLOW_ID,
        taskQueue: TASK_QUEUE,
        args: [],
      },
      // A day the server was down is made up once it is back; two runs never overlap.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return { created: false };
    throw err;
  }
  await appendAudit(db, {
    quarter: null,
    municipality: null,
    action: 'notifications.schedule.create',
    ...who,
    detail: {},
  });
  return { created: true };
}

function notCreated(): UserError {
  return new UserError('Ежедневная рассылка не настроена: npx svodka notify schedule', 1);
}

export async function deleteDailySchedule(client: Client, db: Db, who: Who): Promise<void> {
  try {
    await handleOf(client).delete();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw notCreated();
    throw err;
  }
  await appendAudit(db, {
    quarter: null,
    municipality: null,
    action: 'notifications.schedule.delete',
    ...who,
    detail: {},
  });
}

/** «Send now»: the schedule's own action, taken at once, and its outcome waited for. */
export async function triggerDailySchedule(
  client: Client,
  db: Db,
  who: Who,
  timeoutMs = 60_000,
): Promise<DailyResult> {
  const handle = handleOf(client);
  let before;
  try {
    before = await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw notCreated();
    throw err;
  }
  // Recorded before the run is waited for: the coordinator asked, whatever comes of it.
  await appendAudit(db, {
    quarter: null,
    municipality: null,
    action: 'notifications.schedule.trigger',
    ...who,
    detail: {},
  });
  return triggerAndWait<DailyResult>(
    client,
    handle,
    before,
    {
      notStarted: 'Расписание не запустило рассылку за минуту; проверьте, что worker запущен (npm start).',
      notAnswered:
        'Рассылка запущена, но worker не ответил за минуту: проверьте, что он работает (npm start).',
      failed: 'Рассылка не удалась',
    },
    timeoutMs,
  );
}

/** The run's outcome in the coordinator's words. */
export function describeDaily(result: DailyResult): string[] {
  const digest = {
    sent: 'сводка координатору отправлена',
    'already-sent': 'сводка за этот день уже была отправлена — второй раз не отправляется',
    nothing: 'сводка не нужна: ни просрочек, ни отклоненных ответов, ни писем, ждущих решения',
    'day-off': 'сегодня нерабочий день по производственному календарю — сводка не отправляется',
    off: 'сводка отключена (npx svodka notify set --digest on)',
  }[result.digest.outcome];
  return [
    `${result.digest.day}: ${digest}.`,
    result.anchor
      ? `Якорь журнала аудита отправлен аудиторам: ${result.anchor}.`
      : 'Якорь журнала аудита не отправлен: SVODKA_AUDITOR_EMAIL не задан.',
  ];
}
