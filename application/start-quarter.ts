// Launching a quarter's collection: the CLI (`svodka quarter start`), the portal and the schedule's
// opener (activities/opener.ts) all come here. Starting twice is harmless: the workflow id is the
// quarter's, and a duplicate is refused.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { z } from 'zod';
import { appendAudit } from '../infrastructure/audit';
import { calendarForQuarter, workingCalendar } from '../infrastructure/calendar';
import { quarterFinished } from '../infrastructure/quarter-archive';
import { snapshotRegistry } from '../infrastructure/registry/snapshot';
import { canonicalQuarterKey, RegionNotFoundError } from '../infrastructure/registry/region';
import { parseQuarter, quarterBounds } from '../domain/quarter';
import { installationPolicy, parsePolicyChoice, PolicyError } from '../domain/policy-options';
import type { PolicyChoice } from '../domain/policy-options';
import { DEFAULT_POLICY, defaultDeadline } from '../domain/schedule';
import {
  DEFAULT_GROUP_SIZE,
  PARENT_WORKFLOW_TASK_TIMEOUT,
  QuarterAttribute,
  quarterWorkflowId,
  TASK_QUEUE,
} from '../workflows/api';
import type { QuarterInput } from '../workflows/api';
import type { quarterlyReport } from '../workflows/quarterly-report';
import { dateField, quarterField, requestIdField } from './fields';
import { defineUseCase, InvalidInputError, RefusedError } from './use-case';

const policyText = z.string().max(100, 'Слишком длинное значение политики напоминаний.').nullish();

export const startQuarterInput = z.object({
  quarter: quarterField,
  /** A region's code: qualifies a bare period ("2024-Q2" + kaluga → "2024-Q2.kaluga"). */
  region: z.string().trim().max(32).nullish(),
  /** ISO date; blank: the 10th working day rule of defaultDeadline. */
  deadline: z.union([z.literal('').transform(() => null), dateField('Срок')]).nullish(),
  /** Every duration of the policy is divided by it; default 1. */
  timeScale: z
    .number({ error: 'Ускорение времени должно быть положительным числом.' })
    .refine((n) => Number.isFinite(n) && n > 0, 'Ускорение времени должно быть положительным числом.')
    .nullish(),
  /** Municipalities per group of a tree-run region; the workflow's default when absent. */
  groupSize: z
    .number()
    .int('Размер группы — целое число.')
    .positive('Размер группы должен быть положительным.')
    .optional(),
  /** The reminder policy as typed (CLI flags, the portal's form); blank fields: the installation's default. */
  policy: z
    .object({ remindBefore: policyText, overdueEvery: policyText, escalateAfter: policyText })
    .optional(),
  /** Optional: the workflow id already makes a start idempotent; given, it keys the audit entry. */
  requestId: requestIdField.optional(),
});

export type StartQuarterInput = z.input<typeof startQuarterInput>;

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

export const startQuarter = defineUseCase({
  name: 'startQuarter',
  input: startQuarterInput,
  async run(ctx, input): Promise<StartQuarterResult> {
    const { db } = ctx;
    // One key per quarter: "2024-Q2.<home code>" is "2024-Q2", so no quarter starts twice by two names.
    const quarter = await canonicalQuarterKey(db, input.quarter, input.region).catch((err: unknown) => {
      if (err instanceof RegionNotFoundError) throw new RefusedError(err.message);
      throw err;
    });
    let policy: PolicyChoice;
    try {
      policy = parsePolicyChoice(input.policy ?? {}, installationPolicy());
    } catch (err) {
      if (err instanceof PolicyError) throw new InvalidInputError(err.message, []);
      throw err;
    }
    const now = ctx.clock().getTime();
    const deadline =
      input.deadline ??
      defaultDeadline(quarterBounds(parseQuarter(quarter)).end, now, await workingCalendar(db));
    // The workflow cannot read the calendar: its policy carries the years around the deadline.
    const { calendar: quarterCalendar, warning: calendarWarning } = await calendarForQuarter(db, deadline);
    const timeScale = input.timeScale ?? 1;

    // Temporal forgets a finished quarter after its retention; the database does not. A second start
    // would run the collection again and sign a second report for the same quarter.
    if (await quarterFinished(db, quarter))
      throw new RefusedError(
        `Сбор сведений за ${quarter} уже завершен: итоговый отчет подписан, повторный запуск невозможен.`,
      );

    // The registry as it stands at launch is the quarter's: snapshotted here (names, order, region),
    // it saves the workflow a round trip to the database before its first request goes out.
    const codes = await snapshotRegistry(db, quarter);
    const municipalities = codes.length;
    if (municipalities === 0)
      throw new RefusedError('Реестр муниципальных образований пуст: выполните «npx svodka db setup».');

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
      const client = await ctx.temporal();
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
        actor: ctx.actor.name,
        origin: ctx.actor.origin,
        detail: { deadline, timeScale, policy, calendarYears: quarterCalendar.years, calendarWarning },
        ...(input.requestId ? { actionId: input.requestId } : {}),
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
  },
});
