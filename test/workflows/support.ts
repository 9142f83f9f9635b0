// Workflow tests: the real workflow code on Temporal's time-skipping test server (weeks of a
// reminder calendar pass in seconds), driven only through the messages of workflows/api.ts, with
// every activity replaced by a plain function that records what it was asked to do.
import { Context } from '@temporalio/activity';
import { WorkflowClient } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { moscowDate } from '../../domain/schedule';
import { SEARCH_ATTRIBUTES } from '../../workflows/api';
import type {
  AcknowledgedResult,
  MunicipalityEmail,
  MunicipalitySummary,
  RenderRequest,
  RequestRound,
  SubmissionPayload,
} from '../../workflows/api';
import type { RecordSubmissionInput } from '../../activities/submissions';
import { workflowsPath } from '../../worker/workflows-path';
import { testServerPath } from '../../scripts/temporal-test-server';

export const DAY = 86_400_000;
/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (the proto package is not ours to import). */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/** One call of a mocked activity: which workflow asked, when (the server's virtual time), with what. */
export type Call = { name: keyof Activities; workflowId: string; at: number; input: unknown };

/**
 * Every activity the worker registers, one line each: the compiler insists on the whole list of
 * createActivities' names, so an activity added there is added here too before anything compiles.
 */
const ACTIVITY_NAMES = {
  listMunicipalities: true,
  sendMunicipalityEmail: true,
  sendRequestEmails: true,
  recordAndAcknowledge: true,
  recordAudit: true,
  sendAuditAnchor: true,
  renderReport: true,
  distributeReport: true,
  archiveHistories: true,
  sendDailyDigest: true,
  openDueQuarter: true,
} as const satisfies Record<keyof Activities, true>;

/** How the mocked activities answer; each test sets what it needs. */
export type MockBehaviour = {
  /** The registry, for a quarter started without its list of municipalities. */
  municipalities: string[];
  /** Whether an answer is accepted: by default every answer but a file named «broken…». */
  accepts: (payload: SubmissionPayload) => boolean;
  /** Whether the acknowledgement email went out with the recorded answer (false: the relay was down). */
  acknowledges: (input: RecordSubmissionInput) => boolean;
};

export type Mocks = {
  activities: Record<keyof Activities, (input: unknown) => Promise<unknown>>;
  calls: Call[];
  behaviour: MockBehaviour;
};

export function mockActivities(): Mocks {
  const calls: Call[] = [];
  const behaviour: MockBehaviour = {
    municipalities: [],
    accepts: (payload) => !(payload.kind === 'file' && payload.uploadId.startsWith('broken')),
    acknowledges: () => true,
  };
  let reports = 0;
  const answers: { [K in keyof Activities]: (input: never) => unknown } = {
    listMunicipalities: () => behaviour.municipalities,
    sendMunicipalityEmail: (mail: MunicipalityEmail) => ({
      key: `${mail.quarter}/${mail.municipality}/${mail.kind}/${mail.seq}`,
      messageId: `<${mail.kind}.${mail.seq}@test>`,
      sent: true,
    }),
    sendRequestEmails: (round: RequestRound) => ({ sent: round.codes.length }),
    recordAndAcknowledge: (input: RecordSubmissionInput): AcknowledgedResult => {
      const accepted = behaviour.accepts(input.payload);
      return {
        accepted,
        version: input.version,
        submissionId: `${input.quarter}/${input.municipality}/v${input.version}`,
        nil: input.payload.kind === 'nil',
        rowCount: input.payload.kind === 'rows' ? input.payload.rows.length : 0,
        findings: accepted
          ? []
          : [{ severity: 'error', code: 'unreadable', row: null, column: null, message: 'Файл не читается' }],
        acknowledged: behaviour.acknowledges(input),
      };
    },
    recordAudit: () => ({ written: true }),
    sendAuditAnchor: () => null,
    renderReport: (request: RenderRequest) => ({
      reportId: `${request.kind}-${++reports}`,
      sha256: `sha-${reports}`,
      eventCount: request.entries.length,
    }),
    distributeReport: () => [],
    archiveHistories: () => ({ archived: 0 }),
    sendDailyDigest: () => {
      throw ApplicationFailure.nonRetryable('the daily digest is not part of these tests');
    },
    openDueQuarter: () => {
      throw ApplicationFailure.nonRetryable('the opener is not part of these tests');
    },
  };
  const activities = Object.fromEntries(
    (Object.keys(ACTIVITY_NAMES) as (keyof Activities)[]).map((name) => [
      name,
      async (input: unknown) => {
        const info = Context.current().info;
        calls.push({
          name,
          workflowId: info.workflowExecution?.workflowId ?? '',
          at: info.currentAttemptScheduledTimestampMs,
          input,
        });
        return answers[name](input as never);
      },
    ]),
  ) as Mocks['activities'];
  return { activities, calls, behaviour };
}

/** The emails one workflow asked for, in order, as «kind#seq YYYY-MM-DD» (Moscow date, virtual time). */
export function emailsOf(calls: Call[], workflowId: string): string[] {
  return calls
    .filter((c) => c.name === 'sendMunicipalityEmail' && c.workflowId === workflowId)
    .map((c) => {
      const mail = c.input as MunicipalityEmail;
      return `${mail.kind}#${mail.seq} ${moscowDate(c.at)}`;
    });
}

export function callsOf(calls: Call[], name: keyof Activities, workflowId?: string): Call[] {
  return calls.filter((c) => c.name === name && (workflowId === undefined || c.workflowId === workflowId));
}

export type Harness = {
  env: TestWorkflowEnvironment;
  mocks: Mocks;
  taskQueue: string;
  /** The server's virtual time now. */
  now(): Promise<number>;
  /** Lets virtual time run until `at` (the timers due meanwhile fire, the mocked activities run). */
  sleepUntil(at: number): Promise<void>;
  stop(): Promise<void>;
};

/** The time-skipping server, and a worker on it running the real workflows with mocked activities. */
export async function startHarness(taskQueue: string): Promise<Harness> {
  const path = testServerPath();
  if (!path) throw new Error('Нет тестового сервера Temporal: выполните «npm run setup»');
  // Quiet workers: the test's own assertions say what went wrong (one runtime per test file's process).
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  // The workflows set these on themselves; the test server refuses an upsert of an unknown one.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((name) => [name, INDEXED_VALUE_TYPE_KEYWORD])),
  });
  const mocks = mockActivities();
  const workflowBundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({
    workflowsPath,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle,
    activities: mocks.activities,
  });
  const running = worker.run();
  const now = () => env.currentTimeMs();
  return {
    env,
    mocks,
    taskQueue,
    now,
    async sleepUntil(at) {
      const ms = at - (await now());
      if (ms > 0) await env.sleep(ms);
    },
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/**
 * What a run returned, read without letting the server's clock run: the time-skipping client skips
 * time while it waits for a result, which would fire every other test's timers meanwhile.
 */
export async function resultOf<T = MunicipalitySummary>(
  env: TestWorkflowEnvironment,
  handle: WorkflowHandle,
): Promise<T> {
  const client = new WorkflowClient({ connection: env.connection, namespace: env.namespace });
  const { runId } = await handle.describe();
  return client.getHandle(handle.workflowId, runId).result() as Promise<T>;
}

/** Why an Update was refused: its validator's message, which the client wraps in «Workflow Update failed». */
export async function refusal(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause;
    return cause?.message ?? (err as Error).message;
  }
  throw new Error('the Update was not refused');
}
