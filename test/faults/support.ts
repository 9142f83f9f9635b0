// What the fault tests share: the stack of test/support/stack.ts without its in-process worker,
// workers as separate OS processes (killable with SIGKILL), a dev server that can be stopped and
// started again on the same port and database file, submissions sent as the CLI sends them, and
// the checks every fault test ends with: nothing lost, nothing doubled.
import { randomUUID } from 'node:crypto';
import { deliverAnswer } from '../../application/deliver-answer';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { readReportDocx } from '../../infrastructure/docx/read';
import { storeUpload } from '../../infrastructure/uploads';
import { startDevServer } from '../../worker/dev-server';
import type { DevServer } from '../../worker/dev-server';
import { DEFAULT_POLICY } from '../../domain/schedule';
import type { EventRow } from '../../domain/types';
import {
  quarterWorkflowId,
  statusQuery,
  submissionStatusQuery,
  submissionWorkflowId,
  TASK_QUEUE,
} from '../../workflows/api';
import type {
  Channel,
  QuarterInput,
  QuarterStatus,
  SubmissionPayload,
  SubmissionResult,
} from '../../workflows/api';
import type { ReceivedMail } from '../support/mail-sink';
import type { Reliability } from './report';
import { freePort, repoRoot, startStack } from '../support/stack';
import type { CliResult, Stack } from '../support/stack';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../../worker/node-flags';

export const RESULTS_DIR = path.join(repoRoot, 'test-results', 'reliability');
export const LOG_DIR = path.join(RESULTS_DIR, 'logs');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until the check returns a value (not undefined/false); rethrows nothing until the deadline. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 120_000,
  everyMs = 250,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > until)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    await sleep(everyMs);
  }
}

// --- workers as OS processes -----------------------------------------------------------------

export type WorkerProcess = {
  name: string;
  pid: number;
  child: ChildProcess;
  /** Resolves when the process has exited, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** SIGKILL: no shutdown, no goodbye to the server; waits for the exit. */
  kill(): Promise<void>;
  /** SIGTERM: the worker's own graceful shutdown (SIGKILL after 20 s). */
  stop(): Promise<void>;
};

let workerSerial = 0;

/**
 * Loaded into each worker process before worker/main.ts: the worker exits when its stdin (a pipe
 * from this test process) closes, so a test process that dies does not leave workers behind on a
 * machine others share. Unreferenced, it does not keep a stopped worker alive; the workflow threads
 * (which load it too) leave it alone.
 */
const ORPHAN_GUARD =
  'data:text/javascript,' +
  encodeURIComponent(
    "const { isMainThread } = await import('node:worker_threads');" +
      "if (isMainThread) { process.stdin.on('end', () => process.exit(1)); process.stdin.resume(); process.stdin.unref?.(); }",
  );

/**
 * `node bin/run.js worker/main.ts` as docker-compose runs it (WORKER_NODE_FLAGS, WORKER_ENV), with the stack's
 * TEMPORAL_ADDRESS, DATABASE_URL and SMTP_URL.
 */
export async function spawnWorker(env: NodeJS.ProcessEnv, label = 'worker'): Promise<WorkerProcess> {
  mkdirSync(LOG_DIR, { recursive: true });
  const name = `${label}-${process.pid}-${++workerSerial}`;
  const logFile = path.join(LOG_DIR, `${name}.log`);
  writeFileSync(logFile, '');
  const child = spawn(
    process.execPath,
    [...WORKER_NODE_FLAGS, '--import', ORPHAN_GUARD, path.join(repoRoot, 'bin/run.js'), 'worker/main.ts'],
    {
      cwd: repoRoot,
      // INFO: the worker's JSON log says «worker connected» at that level, and the test waits for it.
      env: { ...WORKER_ENV, ...env, SVODKA_LOG_LEVEL: env.SVODKA_LOG_LEVEL ?? 'INFO' },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-20_000);
    appendFileSync(logFile, text);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.includes('worker connected')) resolve();
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) =>
      reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal}):\n${output}`)),
    );
  });
  ready.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} not ready in 180 s:\n${output}`)), 180_000);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    name,
    pid: child.pid!,
    child,
    exited,
    alive,
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!alive()) return;
      // A worker a test froze (SIGSTOP) must run again to act on SIGTERM.
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(force);
    },
  };
}

// --- the stack ---------------------------------------------------------------------------------

export type FaultStack = Stack & {
  client: Client;
  workers: WorkerProcess[];
  /** Starts one more worker process and keeps track of it (stopped with the stack). */
  addWorker(label?: string): Promise<WorkerProcess>;
  /** SIGTERM to the dev server (its --db-filename keeps the state). */
  stopServer(): Promise<void>;
  /** The dev server again, on the same port and database file. */
  startServer(): Promise<void>;
  cliLong(args: string[], timeoutMs?: number): Promise<CliResult>;
};

/**
 * startStack({ worker: false }) plus a Temporal client, worker processes and a restartable server.
 * workers: how many worker processes to start now (0: the caller starts its own, in-process or not).
 */
export async function startFaultStack(options: {
  database: 'sqlite' | 'postgresql';
  workers?: number;
  inProcessWorker?: boolean;
}): Promise<FaultStack> {
  const stack = await startStack({ database: options.database, worker: options.inProcessWorker ?? false });
  const port = Number(stack.temporalAddress.split(':').pop());
  const dbFile = path.join(stack.dir, 'temporal.db');
  const original = stack.server;
  let current: DevServer | null = stack.server;
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection, namespace: 'default' });
  const workers: WorkerProcess[] = [];
  const baseStop = stack.stop.bind(stack);

  const fault: FaultStack = Object.assign(stack, {
    client,
    workers,
    async addWorker(label?: string) {
      const w = await spawnWorker(stack.env, label);
      workers.push(w);
      return w;
    },
    async stopServer() {
      await current?.stop();
      current = null;
    },
    async startServer() {
      if (current) return;
      current = await startDevServer({ port, uiPort: await freePort(), dbFile, ui: false });
      stack.server = current;
    },
    cliLong(args: string[], timeoutMs = 300_000) {
      return runCli(stack.env, args, timeoutMs);
    },
    async stop() {
      await Promise.all(workers.map((w) => w.stop().catch(() => {})));
      await connection.close().catch(() => {});
      // startStack's stop() stops the first server; a restarted one is ours to stop.
      if (current && current !== original) await current.stop().catch(() => {});
      await baseStop();
    },
  });
  try {
    for (let i = 0; i < (options.workers ?? 0); i++) await fault.addWorker();
  } catch (err) {
    // The caller never gets the stack to stop: stop it here, server and all.
    await fault.stop().catch(() => {});
    throw err;
  }
  return fault;
}

/** The CLI as a separate process, as a user runs it (with a longer timeout than Stack.cli). */
export function runCli(env: NodeJS.ProcessEnv, args: string[], timeoutMs = 300_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'bin/svodka.js'), ...args],
      { cwd: repoRoot, env, maxBuffer: 20 * 1024 * 1024, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

// --- quarters and submissions ------------------------------------------------------------------

/** Starts a quarter for some municipalities, with a deadline far away (no reminders while we test). */
export async function startQuarter(client: Client, quarter: string, municipalities: string[]): Promise<void> {
  const input: QuarterInput = {
    quarter,
    deadline: '2099-07-10',
    policy: DEFAULT_POLICY,
    timeScale: 1,
    startedAt: new Date().toISOString(),
    municipalities,
  };
  await client.workflow.start('quarterlyReport', {
    taskQueue: TASK_QUEUE,
    workflowId: quarterWorkflowId(quarter),
    args: [input],
  });
}

/** The quarter's status (statusQuery). */
export async function quarterStatus(client: Client, quarter: string): Promise<QuarterStatus> {
  return client.workflow.getHandle(quarterWorkflowId(quarter)).query(statusQuery);
}

export async function waitForPhase(
  client: Client,
  quarter: string,
  phase: QuarterStatus['phase'],
  timeoutMs = 240_000,
): Promise<QuarterStatus> {
  let last: QuarterStatus | null = null;
  try {
    return await waitUntil(
      `${quarter} to reach ${phase}`,
      async () => {
        last = await quarterStatus(client, quarter);
        return last.phase === phase ? last : undefined;
      },
      timeoutMs,
      500,
    );
  } catch (err) {
    const states = (last as QuarterStatus | null)?.municipalities
      .map((m) => `${m.code}:${m.state}`)
      .join(' ');
    throw new Error(`${(err as Error).message}; last: ${states ?? 'none'}`);
  }
}

/** What `svodka submit` does: the file to the blob store, then the Update, waiting for its result. */
export async function submit(
  stack: Stack,
  client: Client,
  quarter: string,
  code: string,
  answer: { file: Uint8Array; fileName?: string } | { nil: true } | { rows: EventRow[] },
  channel: Channel = 'cli',
): Promise<SubmissionResult> {
  let payload: SubmissionPayload;
  if ('file' in answer) {
    const uploadId = await storeUpload(stack.db, createDbBlobStore(stack.db), {
      quarter,
      municipality: code,
      fileName: answer.fileName ?? `${code}.docx`,
      bytes: answer.file,
      channel,
      actor: 'fault-test',
      origin: 'test',
    });
    payload = { kind: 'file', uploadId, channel, actor: 'fault-test' };
  } else if ('nil' in answer) {
    payload = { kind: 'nil', channel, actor: 'fault-test' };
  } else {
    payload = { kind: 'rows', rows: answer.rows, channel, actor: 'fault-test' };
  }
  // As the surfaces deliver it: a correction after acceptance goes to a new run the quarter starts.
  return deliverAnswer(
    { client, db: stack.db },
    { quarter, municipality: code, requestId: randomUUID() },
    payload,
  );
}

// --- the checks --------------------------------------------------------------------------------

export type Expected = {
  quarter: string;
  /** Per municipality: how many submissions were sent, and the rows of the one that must be in force. */
  municipalities: Map<string, { sent: number; accepted: number; finalRows: number; nil: boolean }>;
};

export type DbCheck = { submissions: number; lost: number; doubled: number; problems: string[] };

/** Every submission sent is one Submission row (versions 1..n), its rows stored once. */
export async function checkSubmissions(stack: Stack, expected: Expected): Promise<DbCheck> {
  const problems: string[] = [];
  let submissions = 0;
  let lost = 0;
  let doubled = 0;
  for (const [code, want] of expected.municipalities) {
    const rows = await stack.db.submission.findMany({
      where: { quarter: expected.quarter, municipality: code },
      orderBy: { version: 'asc' },
      include: { _count: { select: { rows: true } } },
    });
    submissions += rows.length;
    if (rows.length < want.sent) {
      lost += want.sent - rows.length;
      problems.push(`${code}: ${rows.length} versions stored, ${want.sent} sent`);
    }
    if (rows.length > want.sent) {
      doubled += rows.length - want.sent;
      problems.push(`${code}: ${rows.length} versions stored, only ${want.sent} sent`);
    }
    const versions = rows.map((r) => r.version);
    if (versions.join() !== versions.map((_, i) => i + 1).join())
      problems.push(`${code}: versions ${versions.join(',')} are not 1..n`);
    for (const r of rows) {
      if (r._count.rows !== r.rowCount) {
        problems.push(`${r.id}: ${r._count.rows} rows stored, rowCount ${r.rowCount}`);
        doubled += Math.max(0, r._count.rows - r.rowCount);
        lost += Math.max(0, r.rowCount - r._count.rows);
      }
    }
    const accepted = rows.filter((r) => r.status === 'accepted');
    if (accepted.length !== want.accepted)
      problems.push(`${code}: ${accepted.length} accepted versions, expected ${want.accepted}`);
    const last = accepted[accepted.length - 1];
    if (want.accepted > 0 && last && (last.rowCount !== want.finalRows || (last.kind === 'nil') !== want.nil))
      problems.push(
        `${code}: accepted version has ${last.rowCount} rows (${last.kind}), expected ${want.finalRows}`,
      );
  }
  return { submissions, lost, doubled, problems };
}

export type MailCheck = {
  /** Distinct emails (by Message-ID): what a receiver that drops repeated Message-IDs shows. */
  messages: number;
  /** Logical duplicates: the same (recipient, subject, X-Svodka-*, text) under different Message-IDs. */
  duplicated: number;
  /** Extra SMTP deliveries of a Message-ID already delivered, and the outbox's attempts for each. */
  redelivered: number;
  redeliveries: { messageId: string; times: number; attempts: number }[];
  /** Everything wrong except redeliveries: duplicates, outbox rows not sent or never received. */
  problems: string[];
};

function header(m: ReceivedMail, name: string): string {
  const v = m.headers.get(name);
  return typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);
}

/**
 * No email twice: one Message-ID per (recipient, subject, X-Svodka-*, text), every outbox row sent and
 * received. A Message-ID delivered again is reported apart: the outbox marks an email sent after
 * the relay took it, so a worker killed between the two sends it again, under the same Message-ID
 * (infrastructure/email/send.ts) — the receiver's to drop.
 */
export async function checkMail(stack: Stack, quarters: string[]): Promise<MailCheck> {
  const problems: string[] = [];
  const messages = stack.mail.messages.filter(
    (m) =>
      quarters.includes(header(m, 'x-svodka-quarter')) ||
      quarters.some((q) => m.messageId.startsWith(`<${q.toLowerCase()}.`)),
  );
  const outbox = await stack.db.emailOutbox.findMany({ where: { quarter: { in: quarters } } });
  const byId = new Map<string, number>();
  for (const m of messages) byId.set(m.messageId, (byId.get(m.messageId) ?? 0) + 1);
  const redeliveries = [...byId]
    .filter(([, n]) => n > 1)
    .map(([messageId, times]) => ({
      messageId,
      times,
      attempts: outbox.find((o) => o.messageId === messageId)?.attempts ?? 0,
    }));
  const byKey = new Map<string, Set<string>>();
  for (const m of messages) {
    // The text too: a second rejection has the subject of the first, not its version. Links carry
    // a token minted per attempt, so they are left out.
    const text = m.text.replace(/\/m\/[A-Za-z0-9_-]{43}/g, '/m/…');
    const key = [
      m.to,
      m.cc,
      m.subject,
      header(m, 'x-svodka-quarter'),
      header(m, 'x-svodka-municipality'),
      text,
    ].join('|');
    const ids = byKey.get(key) ?? new Set<string>();
    ids.add(m.messageId);
    byKey.set(key, ids);
  }
  let duplicated = 0;
  for (const [key, ids] of byKey)
    if (ids.size > 1) {
      duplicated += ids.size - 1;
      problems.push(`${ids.size} different Message-IDs for one email: ${key}`);
    }
  for (const o of outbox.filter((o) => o.status !== 'sent'))
    problems.push(`outbox ${o.key}: ${o.status} (${o.lastError ?? ''})`);
  for (const o of outbox)
    if (!byId.has(o.messageId)) problems.push(`outbox ${o.key} marked ${o.status}, never received`);
  if (byId.size !== outbox.length)
    problems.push(`${byId.size} distinct Message-IDs received, ${outbox.length} outbox rows`);
  return {
    messages: byId.size,
    duplicated,
    redelivered: redeliveries.reduce((n, r) => n + r.times - 1, 0),
    redeliveries,
    problems,
  };
}

/**
 * Every fault test's closing count: the submissions stored against those sent, the emails received
 * against the outbox, added to the reliability report. The test then says what it tolerates.
 */
export async function checkDelivered(
  stack: Stack,
  expected: Expected,
  report: Reliability,
): Promise<{ db: DbCheck; mail: MailCheck }> {
  const db = await checkSubmissions(stack, expected);
  const mail = await checkMail(stack, [expected.quarter]);
  report.add({
    submissionsSent: db.submissions,
    submissionsLost: db.lost,
    submissionsDoubled: db.doubled,
    emailsReceived: mail.messages,
    emailsDuplicated: mail.duplicated,
    emailsRedelivered: mail.redelivered,
  });
  return { db, mail };
}

/** Approves through the CLI and reads the final report back: its event rows, section by section. */
export async function approveAndRead(
  stack: FaultStack,
  quarter: string,
): Promise<{ code: number; output: string; events: number; sections: Map<string, number> }> {
  const out = path.join(stack.dir, `final-${quarter}.docx`);
  const r = await stack.cliLong(['report', 'approve', quarter, '--signer', 'И. И. Иванов', '--out', out]);
  if (r.code !== 0) return { code: r.code, output: r.stdout + r.stderr, events: 0, sections: new Map() };
  const report = readReportDocx(readFileSync(out));
  const sections = new Map(report.sections.map((s) => [s.title, s.rows.length]));
  const events = report.sections.reduce((n, s) => n + s.rows.length, 0);
  return { code: 0, output: r.stdout, events, sections };
}

export type HistoryStats = {
  /** Activities that ran more than once, and how many extra attempts they took. */
  activitiesRetried: number;
  extraAttempts: number;
  /** Of those, the ones whose last failure was a timeout (a worker gone with the task). */
  retriedAfterTimeout: number;
  workflowTaskTimeouts: number;
  workflowTaskFailures: number;
};

/**
 * What the server saw of the faults, from the quarter's histories. A retried activity leaves no
 * event per attempt: its ActivityTaskStarted carries the attempt number and the last failure.
 */
export async function historyStats(client: Client, quarter: string, codes: string[]): Promise<HistoryStats> {
  const stats: HistoryStats = {
    activitiesRetried: 0,
    extraAttempts: 0,
    retriedAfterTimeout: 0,
    workflowTaskTimeouts: 0,
    workflowTaskFailures: 0,
  };
  for (const id of [quarterWorkflowId(quarter), ...codes.map((c) => submissionWorkflowId(quarter, c))]) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const e of history.events ?? []) {
      const started = e.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1) {
        stats.activitiesRetried++;
        stats.extraAttempts += (started.attempt ?? 1) - 1;
        if (started.lastFailure?.timeoutFailureInfo) stats.retriedAfterTimeout++;
      }
      if (e.workflowTaskTimedOutEventAttributes) stats.workflowTaskTimeouts++;
      if (e.workflowTaskFailedEventAttributes) stats.workflowTaskFailures++;
    }
  }
  return stats;
}

/** Until every municipality's workflow of the quarter answers its status query. */
export async function waitForChildren(
  client: Client,
  quarter: string,
  codes: string[],
  timeoutMs = 120_000,
): Promise<void> {
  for (const code of codes)
    await waitUntil(
      `${submissionWorkflowId(quarter, code)} to start`,
      async () =>
        (await client.workflow
          .getHandle(submissionWorkflowId(quarter, code))
          .query(submissionStatusQuery)) !== null,
      timeoutMs,
    );
}
