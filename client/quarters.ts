// Launching a quarter's collection: shared by the CLI (`svodka quarter start`) and the portal.
// Starting twice is harmless: the workflow id is the quarter's, and a duplicate is refused.
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { appendAudit } from '../infrastructure/audit';
import { calendarForQuarter, workingCalendar } from '../infrastructure/calendar';
import type { Db } from '../infrastructure/db/client';
import { snapshotRegistry } from '../infrastructure/registry/snapshot';
import { quarterFinished } from '../activities/history-archive';
import { formatQuarter, parseQuarter, quarterBounds } from '../domain/quarter';
import { installationPolicy, parsePolicyChoice, PolicyError } from '../domain/policy-options';
import type { PolicyChoice, PolicyText } from '../domain/policy-options';
import { DEFAULT_POLICY, defaultDeadline, parseIsoDate } from '../domain/schedule';
import {
  DEFAULT_GROUP_SIZE,
  PARENT_WORKFLOW_TASK_TIMEOUT,
  QuarterAttribute,
  quarterWorkflowId,
  TASK_QUEUE,
} from '../workflows/api';
import type { QuarterInput } from '../workflows/api';
import type { quarterlyReport } from '../workflows/quarterly-report';
import { UserError } from './temporal';

export type StartQuarterInput = {
  /** "2023-Q2" (case-insensitive). */
  quarter: string;
  /** ISO date YYYY-MM-DD; default: the 10th of the month after the quarter (see defaultDeadline). */
  deadline?: string | null;
  /** Every duration of the policy is divided by it; default 1. */
  timeScale?: number | null;
  actor: string;
  origin: string;
  now?: number;
  /** Municipalities per group of a tree-run region; the workflow's default when absent. */
  groupSize?: number;
  /** The reminder policy as typed (CLI flags, the portal's form); blank fields: the installation's default. */
  policy?: PolicyText;
};

export type StartQuarterResult = {
  quarter: string;
  workflowId: string;
  /** false: the quarter was already running (or finished); nothing new was started. */
  started: boolean;
  deadline: string;
  timeScale: number;
  municipalities: number;
  /** The reminder policy the quarter runs with. */
  policy: PolicyChoice;
  /** Said once, at start: the quarter reaches into a year the production calendar does not cover. */
  calendarWarning: string | null;
};

/** Throws UserError (exit code 2: bad usage) for a bad quarter, deadline or time scale. */
export async function startQuarter(
  client: Client,
  db: Db,
  input: StartQuarterInput,
): Promise<StartQuarterResult> {
  let quarter: string;
  try {
    quarter = formatQuarter(parseQuarter(input.quarter.trim()));
  } catch (err) {
    throw new UserError((err as Error).message, 2);
  }
  let policy: PolicyChoice;
  try {
    policy = parsePolicyChoice(input.policy ?? {}, installationPolicy());
  } catch (err) {
    if (err instanceof PolicyError) throw new UserError(err.message, 2);
    throw err;
  }
  const now = input.now ?? Date.now();
  const calendar = await workingCalendar(db);
  let deadline: string;
  if (input.deadline) {
    try {
      parseIsoDate(input.deadline);
    } catch (err) {
      throw new UserError(`Срок: ${(err as Error).message}`, 2);
    }
    deadline = input.deadline;
  } else {
    deadline = defaultDeadline(quarterBounds(parseQuarter(quarter)).end, now, calendar);
  }
  // The workflow cannot read the calendar: its policy carries the years around the deadline.
  const { calendar: quarterCalendar, warning: calendarWarning } = await calendarForQuarter(db, deadline);
  const timeScale = input.timeScale ?? 1;
  if (!Number.isFinite(timeScale) || timeScale <= 0)
    throw new UserError('Ускорение времени должно быть положительным числом.', 2);

  // Temporal forgets a finished quarter after its retention; the database does not. A second start
  // would run the collection again and sign a second report for the same quarter.
  if (await quarterFinished(db, quarter))
    throw new UserError(
      `Сбор сведений за ${quarter} уже завершен: итоговый отчет подписан, повторный запуск невозможен.`,
    );

  // The registry as it stands at launch is the quarter's: snapshotted here (names, order, region),
  // it saves the workflow a round trip to the database before its first request goes out.
  const codes = await snapshotRegistry(db, quarter);
  const municipalities = codes.length;
  if (municipalities === 0)
    throw new UserError('Реестр муниципальных образований пуст: выполните «npx svodka db setup».');

  const args: QuarterInput = {
    quarter,
    deadline,
    policy: { ...DEFAULT_POLICY, ...policy, calendar: quarterCalendar },
    timeScale,
    startedAt: new Date(now).toISOString(),
    municipalities: codes,
    // Stated, so a later change of the default never reshapes a running quarter's tree.
    groupSize: input.groupSize ?? DEFAULT_GROUP_SIZE,
  };
  let started = true;
  try {
    await client.workflow.start<typeof quarterlyReport>('quarterlyReport', {
      taskQueue: TASK_QUEUE,
      workflowId: quarterWorkflowId(quarter),
      args: [args],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      workflowTaskTimeout: PARENT_WORKFLOW_TASK_TIMEOUT,
      typedSearchAttributes: [{ key: QuarterAttribute, value: quarter }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    started = false;
  }
  if (started) {
    await appendAudit(db, {
      quarter,
      municipality: null,
      action: 'quarter.start',
      actor: input.actor,
      origin: input.origin,
      detail: { deadline, timeScale, policy, calendarYears: quarterCalendar.years, calendarWarning },
    });
  }
  return {
    quarter,
    workflowId: quarterWorkflowId(quarter),
    started,
    deadline,
    timeScale,
    municipalities,
    policy,
    calendarWarning,
  };
}
