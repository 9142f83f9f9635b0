// The schedule that opens quarters by themselves: create (or change), show, pause, resume, «open
// now», delete. Shared by the CLI (`svodka schedule …`) and the portal's page (/schedule).
import { triggerAndWait } from './schedule-run';
import type { Client, ScheduleHandle } from '@temporalio/client';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import { z } from 'zod';
import { appendAudit } from '../infrastructure/audit';
import { workingCalendar } from '../infrastructure/calendar';
import type { Db } from '../infrastructure/db/client';
import { DEFAULT_OPENING_RULE, nextOpening } from '../domain/opening';
import type { OpeningRule } from '../domain/opening';
import { installationPolicy, parsePolicyChoice, PolicyError } from '../domain/policy-options';
import type { PolicyText } from '../domain/policy-options';
import { moscowDate } from '../domain/schedule';
import { openerScheduleId, openerWorkflowId, TASK_QUEUE } from '../workflows/api';
import type { OpenerInput, OpenerResult } from '../workflows/api';
import type { quarterOpener } from '../workflows/quarter-opener';
import { UserError } from './temporal';

/** 09:00 Moscow, which has kept UTC+3 all year since 2014: said in UTC, so no server's tz database matters. */
const FIRE_HOUR_UTC = 6;

const ruleText = z.object({
  openOnWorkingDay: z.coerce
    .number({ message: 'нужно целое число' })
    .int('нужно целое число')
    .min(1, 'не раньше первого рабочего дня после квартала (1)')
    .max(20, 'не позже двадцатого рабочего дня после квартала'),
  deadlineWorkingDays: z.coerce
    .number({ message: 'нужно целое число' })
    .int('нужно целое число')
    .min(1, 'срок — хотя бы один рабочий день')
    .max(60, 'не больше 60 рабочих дней'),
});

const RULE_TITLES: Record<keyof OpeningRule, string> = {
  openOnWorkingDay: 'День открытия (рабочий день после конца квартала)',
  deadlineWorkingDays: 'Срок (рабочих дней после открытия)',
};

/** The rule as typed; blank fields take the default (first working day, ten working days). */
export function parseOpeningRule(text: {
  openOnWorkingDay?: string | null;
  deadlineWorkingDays?: string | null;
}): OpeningRule {
  const parsed = ruleText.safeParse({
    openOnWorkingDay: text.openOnWorkingDay?.trim() || DEFAULT_OPENING_RULE.openOnWorkingDay,
    deadlineWorkingDays: text.deadlineWorkingDays?.trim() || DEFAULT_OPENING_RULE.deadlineWorkingDays,
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new UserError(`${RULE_TITLES[issue.path[0] as keyof OpeningRule]}: ${issue.message}.`, 2);
}

export type ScheduleView = {
  paused: boolean;
  note: string | null;
  rule: OpeningRule;
  policy: PolicyText;
  /** The next quarter the rule opens, and when. */
  next: { quarter: string; openingDay: string };
  nextRun: string | null;
  recent: { at: string; workflowId: string; runId: string }[];
};

/** region: the code of a region other than the home one (keyRegionCode), whose opener this is. */
type Who = { actor: string; origin: string; region?: string | null };

const handleOf = (client: Client, region?: string | null): ScheduleHandle =>
  client.schedule.getHandle(openerScheduleId(region));

function notCreated(): UserError {
  return new UserError('Расписание открытия кварталов не создано: npx svodka schedule create', 1);
}

async function audit(
  db: Db,
  action: string,
  who: Who,
  detail: Record<string, unknown> = {},
) {
  const { region, ...by } = who;
  await appendAudit(db, {
    quarter: null,
    municipality: null,
    action,
    ...by,
    detail: region ? { ...detail, region } : detail,
  });
}

/** Creates the schedule, or changes its rule and policy when it exists. Returns whether it was new. */
export async function createSchedule(
  client: Client,
  db: Db,
  input: { rule: OpeningRule; policy?: PolicyText } & Who,
): Promise<{ created: boolean }> {
  const policy: NonNullable<OpenerInput['policy']> = {};
  for (const [k, v] of Object.entries(input.policy ?? {}))
    if (v?.trim()) policy[k as keyof PolicyText] = v.trim();
  try {
    // Checked now, so a typo is said to the coordinator today rather than by a failed run next quarter.
    parsePolicyChoice(policy, installationPolicy());
  } catch (err) {
    if (err instanceof PolicyError) throw new UserError(err.message, 2);
    throw err;
  }
  const args: [OpenerInput] = [
    { rule: input.rule, policy, actor: input.actor, ...(input.region ? { region: input.region } : {}) },
  ];
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'quarterOpener',
    workflowId: openerWorkflowId(input.region),
    taskQueue: TASK_QUEUE,
    args,
  };
  let created = true;
  try {
    await client.schedule.create<typeof quarterOpener>({
      scheduleId: openerScheduleId(input.region),
      spec: { calendars: [{ hour: FIRE_HOUR_UTC, minute: 0 }] },
      action,
      // A day the server was down is made up once it is back; two runs never overlap.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    created = false;
    await handleOf(client, input.region).update((previous) => ({ ...previous, action: { ...previous.action, ...action } }));
  }
  await audit(
    db,
    created ? 'schedule.create' : 'schedule.update',
    { actor: input.actor, origin: input.origin, region: input.region },
    { rule: input.rule, policy },
  );
  return { created };
}

export async function showSchedule(
  client: Client,
  db: Db,
  now = Date.now(),
  region: string | null = null,
): Promise<ScheduleView | null> {
  let description;
  try {
    description = await handleOf(client, region).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
  const action = description.action as { args?: unknown[] };
  const input = (action.args?.[0] ?? {}) as Partial<OpenerInput>;
  const rule = input.rule ?? DEFAULT_OPENING_RULE;
  return {
    paused: description.state.paused,
    note: description.state.note ?? null,
    rule,
    policy: input.policy ?? {},
    next: nextOpening(moscowDate(now), rule, await workingCalendar(db)),
    nextRun: description.info.nextActionTimes[0]?.toISOString() ?? null,
    recent: description.info.recentActions.map((a) => ({
      at: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
      runId: a.action.workflow.firstExecutionRunId,
    })),
  };
}

async function withSchedule<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw notCreated();
    throw err;
  }
}

export async function pauseSchedule(
  client: Client,
  db: Db,
  who: Who,
  note?: string,
) {
  await withSchedule(() => handleOf(client, who.region).pause(note || `Приостановлено: ${who.actor}`));
  await audit(db, 'schedule.pause', who, { note: note ?? null });
}

export async function resumeSchedule(client: Client, db: Db, who: Who) {
  await withSchedule(() => handleOf(client, who.region).unpause(`Возобновлено: ${who.actor}`));
  await audit(db, 'schedule.resume', who);
}

export async function deleteSchedule(client: Client, db: Db, who: Who) {
  await withSchedule(() => handleOf(client, who.region).delete());
  await audit(db, 'schedule.delete', who);
}

/**
 * «Open now»: the schedule's own action, taken at once (even while paused), and its outcome waited
 * for. It opens the quarter the rule makes due today, and refuses one already started.
 */
export async function triggerSchedule(
  client: Client,
  db: Db,
  who: Who,
  timeoutMs = 60_000,
): Promise<OpenerResult> {
  const handle = handleOf(client, who.region);
  const before = await withSchedule(() => handle.describe());
  await audit(db, 'schedule.trigger', who);
  return triggerAndWait<OpenerResult>(
    client,
    handle,
    before,
    {
      notStarted: 'Расписание не запустило открытие за минуту; проверьте, что worker запущен (npm start).',
      notAnswered:
        'Открытие запущено, но worker не ответил за минуту: проверьте, что он работает (npm start). ' +
        'Квартал откроется, как только worker вернется.',
      failed: 'Квартал не открыт',
    },
    timeoutMs,
  );
}
