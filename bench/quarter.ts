// Sections 1 and 2: a whole quarter on the embedded dev server, against the floor of as many empty
// child workflows under an empty parent (bench/floor-workflows.ts) on the same server.
//
//   node bin/run.js bench/quarter.ts region     27 municipalities of Smolensk oblast, BENCH_REPS runs
//   node bin/run.js bench/quarter.ts national   BENCH_NATIONAL synthetic municipalities, one run
//
// A quarter runs as a user runs it: startQuarter (the CLI's code) launches it; each municipality
// answers the moment its request email reaches the SMTP sink (a file upload stored as the CLI does,
// then the submitUpdate; or a nil report); the coordinator signs off as soon as the draft is in the
// database. Measured: quarter start → final DOCX (approveUpdate returns), and → the quarter
// workflow completes (children locked and finished, report distributed).
import type { Client } from '@temporalio/client';
import {
  Client as TemporalClient,
  Connection,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { createDbBlobStore } from '../infrastructure/blobs';
import { createDb } from '../infrastructure/db/client';
import type { Db } from '../infrastructure/db/client';
import { migrate, seedRegistry } from '../infrastructure/db/setup';
import { storeUpload } from '../infrastructure/uploads';
import { useCaseContext } from '../application/context';
import { startQuarter } from '../application/start-quarter';
import { execute } from '../application/use-case';
import { generateRegistry } from '../domain/registry/synthetic';
import { readSeed } from '../infrastructure/registry/seed';
import {
  approveUpdate,
  groupWorkflowId,
  quarterWorkflowId,
  statusQuery,
  submissionWorkflowId,
  submitUpdate,
} from '../workflows/api';
import type { SubmissionPayload } from '../workflows/api';
import { libreOfficeSubmission, wordSubmission } from '../test/fixtures/docx-builders';
import { loadReference } from '../test/fixtures/reference';
import {
  childMain,
  envInt,
  FLOOR_TASK_QUEUE,
  log,
  median,
  NATIONAL_BOUND_S,
  processCpuMs,
  sleep,
  spawnWorker,
  startCountingSink,
  startPostgresTemporal,
  startTemporal,
  tempDir,
} from './lib';
import { smallSubmission } from './submissions';
import { temporalTls } from '../client/temporal-tls';
import type { BenchServer, CoreCounters, Row, WorkerStats } from './lib';
import type { FloorInput } from './floor-workflows';
import { DEFAULT_GROUP_SIZE } from '../workflows/api';

/** The floor's tree is Svodka's: groups of as many children as the quarter puts in a group. */
const GROUP_SIZE = envInt('BENCH_GROUP_SIZE', DEFAULT_GROUP_SIZE);
/**
 * `postgres-region` / `postgres-national`: the same measurements on the production engine (the
 * Go-built Temporal server on PostgreSQL, mTLS; scripts/topology) instead of the dev server. The
 * application's database stays SQLite, so the figures show what Temporal's storage changes.
 */
const ON_POSTGRES = process.argv[2]?.startsWith('postgres-') ?? false;

type CycleResult = {
  ok: boolean;
  error: string | null;
  count: number;
  answered: number;
  /** ms from the quarter's start */
  allAnsweredMs: number | null;
  /** ms from the quarter's start to the first and the last request email at the sink */
  firstRequestMs: number | null;
  allRequestsMs: number | null;
  draftMs: number | null;
  finalMs: number | null;
  completeMs: number | null;
  eventCount: number | null;
};

type HistoryStats = { workflowId: string; events: number; bytes: number };

function quarterOf(i: number): string {
  // 2023-Q2 first (the reference's own quarter), then the quarters after it.
  const n = 2023 * 4 + 1 + i;
  return `${Math.floor(n / 4)}-Q${(n % 4) + 1}`;
}

const REQUEST_ID = /^Message-ID:\s*<([^.>]+)\.([^.>]+)\.request\.\d+@/im;

/** The municipality's answer, ready to send: file bytes (stored as an upload first) or nil. */
type Answer = { kind: 'file'; bytes: Uint8Array; fileName: string } | { kind: 'nil' };

async function regionAnswers(): Promise<Map<string, Answer>> {
  const reference = loadReference();
  const answers = new Map<string, Answer>();
  for (const [i, section] of reference.sections.entries()) {
    const rows = section.rows.map((r) => r.row);
    const bytes =
      i % 2 === 0
        ? await wordSubmission({ rows, numberColumn: i % 4 === 0 })
        : libreOfficeSubmission({ rows, numberColumn: i % 3 !== 0 });
    answers.set(section.code, { kind: 'file', bytes, fileName: `${section.code}.docx` });
  }
  for (const m of readSeed().rows) if (!answers.has(m.code)) answers.set(m.code, { kind: 'nil' });
  return answers;
}

class Limiter {
  private active = 0;
  private queue: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

function errorText(err: unknown): string {
  const e = err as Error & { cause?: Error };
  const cause = e?.cause?.message ? ` (${e.cause.message})` : '';
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${cause}`.slice(0, 400);
}

async function runFloor(client: Client, prefix: string, count: number, timeoutMs: number) {
  const started = performance.now();
  const handle = await client.workflow.start('floorParent', {
    taskQueue: FLOOR_TASK_QUEUE,
    workflowId: prefix,
    args: [{ prefix, count, groupSize: GROUP_SIZE } satisfies FloorInput],
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      handle.result(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`floor not done in ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return { ms: performance.now() - started, error: null as string | null };
  } catch (err) {
    await handle.terminate('bench timeout').catch(() => {});
    return { ms: null, error: errorText(err) };
  } finally {
    clearTimeout(timer);
  }
}

type Cycle = {
  onRequest(quarter: string, code: string): void;
};

async function runCycle(options: {
  client: Client;
  db: Db;
  quarter: string;
  codes: string[];
  answers: (code: string) => Answer;
  concurrency: number;
  timeoutMs: number;
  pollMs: number;
  register: (cycle: Cycle | null) => void;
}): Promise<CycleResult> {
  const { client, db, quarter, codes } = options;
  const files = createDbBlobStore(db);
  const limiter = new Limiter(options.concurrency);
  const deadline = Date.now() + options.timeoutMs;
  const result: CycleResult = {
    ok: false,
    error: null,
    count: codes.length,
    answered: 0,
    allAnsweredMs: null,
    firstRequestMs: null,
    allRequestsMs: null,
    draftMs: null,
    finalMs: null,
    completeMs: null,
    eventCount: null,
  };
  const answerErrors: string[] = [];
  let allAnswered!: () => void;
  const allAnsweredP = new Promise<void>((r) => (allAnswered = r));
  const seen = new Set<string>();
  const inflight = new Set<Promise<unknown>>();
  let stopped = false;
  let t0 = 0;

  const answer = async (code: string) => {
    const a = options.answers(code);
    let payload: SubmissionPayload;
    if (a.kind === 'file') {
      const uploadId = await storeUpload(db, files, {
        quarter,
        municipality: code,
        fileName: a.fileName,
        bytes: a.bytes,
        channel: 'web',
        actor: code,
        origin: 'bench',
      });
      payload = { kind: 'file', uploadId, channel: 'web', actor: code };
    } else {
      payload = { kind: 'nil', channel: 'web', actor: code };
    }
    const r = await client.workflow
      .getHandle(submissionWorkflowId(quarter, code))
      .executeUpdate(submitUpdate, { args: [payload] });
    if (!r.accepted) throw new Error(`${code}: not accepted: ${JSON.stringify(r.findings).slice(0, 200)}`);
  };

  options.register({
    onRequest(q, code) {
      if (q !== quarter || seen.has(code)) return;
      seen.add(code);
      if (seen.size === 1) result.firstRequestMs = performance.now() - t0;
      if (seen.size === codes.length) result.allRequestsMs = performance.now() - t0;
      const p = limiter
        .run(() => (stopped ? Promise.reject(new Error('stopped')) : answer(code)))
        .then(
          () => {
            result.answered++;
            if (result.answered === codes.length) {
              result.allAnsweredMs = performance.now() - t0;
              allAnswered();
            }
          },
          (err: unknown) => {
            if (!stopped) answerErrors.push(errorText(err));
          },
        );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
    },
  });

  const progress = setInterval(() => {
    if (codes.length >= 1000)
      log(
        `  ${quarter}: ${((performance.now() - t0) / 1000).toFixed(0)} s, requests ${seen.size}/${codes.length}, answered ${result.answered}` +
          (answerErrors.length ? `, answer errors ${answerErrors.length} (${answerErrors[0]})` : ''),
      );
  }, 15_000);

  const timeLeft = () => deadline - Date.now();
  const bounded = async <T>(what: string, p: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `timed out (${Math.round(options.timeoutMs / 1000)} s) ${what}; requests ${seen.size}/${codes.length}, ` +
                    `answered ${result.answered}${answerErrors.length ? `, ${answerErrors.length} answer errors: ${answerErrors[0]}` : ''}`,
                ),
              ),
            Math.max(1, timeLeft()),
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const handle = client.workflow.getHandle(quarterWorkflowId(quarter));
  try {
    t0 = performance.now();
    await execute(
      startQuarter,
      useCaseContext({ db, temporal: client, actor: { name: 'bench', channel: 'cli', origin: 'bench' } }),
      { quarter, deadline: '2099-07-10', groupSize: GROUP_SIZE },
    );
    await bounded('waiting for every answer', allAnsweredP);

    // The draft is in the database as soon as the quarter renders it.
    await bounded(
      'waiting for the draft',
      (async () => {
        for (;;) {
          const draft = await db.report.findFirst({ where: { quarter, kind: 'draft' } });
          if (draft) return draft;
          await sleep(options.pollMs);
        }
      })(),
    );
    result.draftMs = performance.now() - t0;

    // Sign-off: the validator refuses until the quarter has taken the draft in; ask again until it does.
    const approved = await bounded(
      'signing off',
      (async () => {
        for (;;) {
          // Ask the quarter first: each refused Update costs the workflow an error and its stack.
          const phase = (await handle.query(statusQuery)).phase;
          if (phase !== 'awaiting_approval') {
            await sleep(Math.min(options.pollMs, 50));
            continue;
          }
          try {
            return await handle.executeUpdate(approveUpdate, {
              args: [{ signer: 'И. И. Иванов', position: 'Начальник департамента', actor: 'bench' }],
            });
          } catch (err) {
            // A validator's refusal (not ready yet) is an update failure; anything else is real.
            if (!(err instanceof WorkflowUpdateFailedError) || /уже подписан/.test(errorText(err))) throw err;
            await sleep(Math.min(options.pollMs, 50));
          }
        }
      })(),
    );
    result.finalMs = performance.now() - t0;
    result.eventCount = approved.eventCount;
    await bounded('waiting for the quarter to complete', handle.result());
    result.completeMs = performance.now() - t0;
    result.ok = true;
  } catch (err) {
    result.error = errorText(err);
    if (answerErrors.length && !result.error.includes('answer errors'))
      result.error += `; ${answerErrors.length} answer errors: ${answerErrors[0]}`;
    // What the quarter itself said, if it failed a workflow task or was terminated.
    result.error += await lastFailure(client, quarterWorkflowId(quarter));
    await handle.terminate('bench: stopped').catch(() => {});
  } finally {
    clearInterval(progress);
    options.register(null);
    // Answers still queued are dropped; those in flight are given a little while to settle, so no
    // call outlives the connection.
    stopped = true;
    await Promise.race([Promise.allSettled([...inflight]), sleep(30_000)]);
  }
  return result;
}

/** The last workflow-task failure or termination in a workflow's history, as text. */
async function lastFailure(client: Client, workflowId: string): Promise<string> {
  // An activity retrying forever leaves nothing in the history: ask for the pending ones.
  let pending = '';
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    for (const a of d.raw.pendingActivities ?? []) {
      const message = a.lastFailure?.message?.replace(/\s+/g, ' ').trim();
      if (message)
        pending += `; ${workflowId}: activity ${a.activityType?.name} failing (attempt ${a.attempt}): ${message.slice(0, 300)}`;
    }
  } catch {
    // described below or gone
  }
  return pending + (await lastHistoryFailure(client, workflowId));
}

async function lastHistoryFailure(client: Client, workflowId: string): Promise<string> {
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i]!;
      const wtf = e.workflowTaskFailedEventAttributes;
      if (wtf)
        return `; last workflow task failure of ${workflowId}: ${wtf.failure?.message ?? ''} (cause ${wtf.cause})`;
      const failed = e.workflowExecutionFailedEventAttributes;
      if (failed) return `; ${workflowId} failed: ${failed.failure?.message ?? ''}`;
      const term = e.workflowExecutionTerminatedEventAttributes;
      if (term) return `; ${workflowId} terminated: ${term.reason ?? ''}`;
    }
    return `; ${workflowId}: ${events.length} events, no failure recorded`;
  } catch (err) {
    return err instanceof WorkflowNotFoundError
      ? `; ${workflowId} not found`
      : `; history: ${errorText(err)}`;
  }
}

/** The largest history (events, and bytes) among workflows whose id starts with `prefix`. */
type Histories = {
  byEvents: HistoryStats | null;
  byBytes: HistoryStats | null;
  executions: number;
  /** Events in all the executions together. */
  totalEvents: number;
};

/** The largest history (events, and bytes) among workflows whose id starts with `prefix`. */
async function histories(client: Client, prefix: string): Promise<Histories> {
  const all: HistoryStats[] = [];
  for await (const info of client.workflow.list({ pageSize: 1000 })) {
    if (!info.workflowId.startsWith(prefix)) continue;
    all.push({ workflowId: info.workflowId, events: info.historyLength ?? 0, bytes: info.historySize ?? 0 });
  }
  // Visibility records can lag (and open executions may list 0): the top few and every parent or
  // group are described directly.
  const candidates = new Set<string>([
    ...[...all]
      .sort((a, b) => b.events - a.events)
      .slice(0, 5)
      .map((h) => h.workflowId),
    ...[...all]
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 5)
      .map((h) => h.workflowId),
    ...all
      .filter((h) => /^quarter\/[^/]+$|\/group-\d+$|^floor\/[^/]+$/.test(h.workflowId))
      .slice(0, 60)
      .map((h) => h.workflowId),
  ]);
  for (const id of candidates) {
    try {
      const d = await client.workflow.getHandle(id).describe();
      const h = all.find((x) => x.workflowId === id)!;
      h.events = Math.max(h.events, d.historyLength ?? 0);
      h.bytes = Math.max(h.bytes, d.historySize ?? 0);
    } catch {
      // gone: keep the listed figures
    }
  }
  const byEvents = all.length ? all.reduce((a, b) => (b.events > a.events ? b : a)) : null;
  const byBytes = all.length ? all.reduce((a, b) => (b.bytes > a.bytes ? b : a)) : null;
  return { byEvents, byBytes, executions: all.length, totalEvents: all.reduce((a, h) => a + h.events, 0) };
}

/**
 * The largest history among the given executions, each described directly: at national scale
 * listing 20,000 executions through visibility takes longer than the bench can wait, while the
 * largest histories are known in advance — the quarter and its groups (a sample of municipalities
 * is described too).
 */
async function describedHistories(client: Client, ids: string[]): Promise<Histories> {
  const all: HistoryStats[] = [];
  for (const workflowId of ids) {
    try {
      const d = await client.workflow.getHandle(workflowId).describe();
      all.push({ workflowId, events: d.historyLength ?? 0, bytes: d.historySize ?? 0 });
    } catch {
      // not started within the bound
    }
  }
  const byEvents = all.length ? all.reduce((a, b) => (b.events > a.events ? b : a)) : null;
  const byBytes = all.length ? all.reduce((a, b) => (b.bytes > a.bytes ? b : a)) : null;
  return { byEvents, byBytes, executions: all.length, totalEvents: all.reduce((a, h) => a + h.events, 0) };
}

/** The quarter, its groups and every 100th municipality of a national run. */
function nationalIds(quarter: string, codes: string[]): string[] {
  const groups = Math.ceil(codes.length / GROUP_SIZE);
  return [
    quarterWorkflowId(quarter),
    ...Array.from({ length: groups }, (_, g) => groupWorkflowId(quarter, g)),
    ...codes.filter((_, i) => i % 100 === 0).map((code) => submissionWorkflowId(quarter, code)),
  ];
}

/**
 * What the SDK core counted, per municipality (per child for the floor): the workflow tasks it took,
 * the cache misses among them (each a history fetched and replayed), and how long a task waited for
 * a worker. Where a national run's time goes, beside the floor's.
 */
function coreText(svodka: CoreCounters | undefined, floor: CoreCounters | undefined, count: number): string {
  if (!svodka) return '';
  const total = (c: CoreCounters) => Object.values(c.workflowTasks).reduce((a, b) => a + b, 0);
  const byType = Object.entries(svodka.workflowTasks)
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  const wait = (c: CoreCounters) =>
    c.scheduleToStartMs.count
      ? `${(c.scheduleToStartMs.sum / c.scheduleToStartMs.count / 1000).toFixed(1)} s`
      : '—';
  return (
    `; workflow tasks ${(total(svodka) / count).toFixed(2)} per municipality (${byType})` +
    (floor ? `, floor ${(total(floor) / count).toFixed(2)} per child` : '') +
    `; workflow-cache misses ${svodka.cacheMisses} (${(svodka.cacheMisses / count).toFixed(2)} per municipality, each a history fetched and replayed)` +
    `; a task waited ${wait(svodka)} on average for a worker` +
    (floor ? ` (floor ${wait(floor)})` : '')
  );
}

function historyText(h: Histories | null): string {
  if (!h?.byEvents) return 'unknown';
  return `${h.byEvents.events} ev (${h.byEvents.workflowId}) / ${Math.round((h.byBytes?.bytes ?? 0) / 1024)} KiB`;
}

type Services = {
  dir: { dir: string; remove(): void };
  server: BenchServer;
  client: Client;
  connection: Connection;
  db: Db;
  setCycle(c: Cycle | null): void;
  stop(): Promise<{ svodka: WorkerStats | null; floor: WorkerStats | null }>;
};

async function startServices(
  name: string,
  registry: 'smolensk' | number,
  options: { pragmas?: boolean; workers?: ('svodka' | 'floor')[] } = {},
): Promise<Services> {
  const pragmas = options.pragmas ?? false;
  const kinds = options.workers ?? ['svodka', 'floor'];
  const dir = tempDir(name);
  const databaseUrl = `file:${dir.dir}/svodka.db`;
  await migrate(databaseUrl);
  if (registry === 'smolensk') await seedRegistry(databaseUrl);
  else {
    const db = await createDb(databaseUrl);
    // The synthetic registry is the seed region's (id 1, the municipalities' default): a quarter
    // starts only in a region.
    const seed = readSeed();
    await db.region.create({
      data: { id: 1, name: seed.name, genitive: seed.genitive, code: seed.code ?? null },
    });
    const all = generateRegistry(registry);
    for (let i = 0; i < all.length; i += 2000)
      await db.municipality.createMany({ data: all.slice(i, i + 2000) });
    await db.$disconnect();
  }
  const db = await createDb(databaseUrl);
  let cycle: Cycle | null = null;
  const sink = await startCountingSink((head) => {
    const m = REQUEST_ID.exec(head);
    if (m && cycle) cycle.onRequest(m[1]!.toUpperCase(), m[2]!);
  });
  const pg = ON_POSTGRES ? await startPostgresTemporal(dir.dir, (line) => log(`temporal-pg: ${line}`)) : null;
  const server = pg ?? (await startTemporal(dir.dir, { pragmas }));
  const env = {
    ...pg?.clientEnv,
    BENCH_TEMPORAL: server.address,
    DATABASE_URL: databaseUrl,
    SMTP_URL: sink.url,
    SVODKA_LOG_LEVEL: 'ERROR',
  };
  const [svodka, floor] = await Promise.all([
    kinds.includes('svodka') ? spawnWorker('svodka', env, `${name}-svodka`) : null,
    kinds.includes('floor') ? spawnWorker('floor', env, `${name}-floor`) : null,
  ]);
  const tls = pg ? temporalTls(pg.clientEnv) : undefined;
  const connection = await Connection.connect({ address: server.address, tls });
  const client = new TemporalClient({ connection, namespace: 'default' });
  return {
    dir,
    server,
    client,
    connection,
    db,
    setCycle: (c) => (cycle = c),
    async stop() {
      const [s, f] = await Promise.all([
        svodka ? svodka.stop().catch(() => null) : null,
        floor ? floor.stop().catch(() => null) : null,
      ]);
      await connection.close().catch(() => {});
      await server.stop().catch(() => {});
      await sink.stop().catch(() => {});
      await db.$disconnect().catch(() => {});
      dir.remove();
      return { svodka: s, floor: f };
    },
  };
}

type RegionRun = {
  variant: string;
  floorMs: number[];
  finalMs: number[];
  draftMs: number[];
  completeMs: number[];
  requestsMs: number[];
  answeredMs: number[];
  /** Dev server CPU per run, ms. */
  floorServerCpuMs: number[];
  svodkaServerCpuMs: number[];
  errors: string[];
  eventCount: number | null;
  worker: WorkerStats | null;
  history: Histories | null;
  floorHistory: Histories | null;
  /** Events in every execution of one quarter / of one floor run (the last of each). */
  quarterEvents: number | null;
  floorEvents: number | null;
};

async function regionOn(reps: number, pragmas: boolean, answers: Map<string, Answer>): Promise<RegionRun> {
  const codes = readSeed().rows.map((m) => m.code);
  const s = await startServices(pragmas ? 'region-wal' : 'region', 'smolensk', { pragmas });
  const run: RegionRun = {
    variant: s.server.variant,
    floorMs: [],
    finalMs: [],
    draftMs: [],
    completeMs: [],
    requestsMs: [],
    answeredMs: [],
    floorServerCpuMs: [],
    svodkaServerCpuMs: [],
    errors: [],
    eventCount: null,
    worker: null,
    history: null,
    floorHistory: null,
    quarterEvents: null,
    floorEvents: null,
  };
  let lastQuarter = '';
  let lastFloor = '';
  try {
    for (let i = 0; i < reps; i++) {
      let cpu = processCpuMs(s.server.pid);
      const prefix = `floor/region-${i}`;
      const floor = await runFloor(s.client, prefix, codes.length, 120_000);
      const cpuAfterFloor = processCpuMs(s.server.pid);
      if (cpu !== null && cpuAfterFloor !== null) run.floorServerCpuMs.push(cpuAfterFloor - cpu);
      if (floor.ms !== null) {
        run.floorMs.push(floor.ms);
        lastFloor = prefix;
      } else run.errors.push(`floor: ${floor.error}`);
      const quarter = quarterOf(i);
      cpu = processCpuMs(s.server.pid);
      const r = await runCycle({
        client: s.client,
        db: s.db,
        quarter,
        codes,
        answers: (code) => answers.get(code)!,
        concurrency: 64,
        timeoutMs: 180_000,
        pollMs: 10,
        register: s.setCycle,
      });
      const cpuAfter = processCpuMs(s.server.pid);
      if (cpu !== null && cpuAfter !== null) run.svodkaServerCpuMs.push(cpuAfter - cpu);
      log(
        `region${pragmas ? ' (WAL)' : ''} ${quarter}: floor ${floor.ms?.toFixed(0)} ms; svodka requests ${r.firstRequestMs?.toFixed(0)}–${r.allRequestsMs?.toFixed(0)} ms, answered ${r.allAnsweredMs?.toFixed(0)} ms, draft ${r.draftMs?.toFixed(0)} ms, final ${r.finalMs?.toFixed(0)} ms, complete ${r.completeMs?.toFixed(0)} ms${r.error ? `; ${r.error}` : ''}`,
      );
      if (r.ok) {
        run.finalMs.push(r.finalMs!);
        run.draftMs.push(r.draftMs!);
        run.completeMs.push(r.completeMs!);
        run.requestsMs.push(r.allRequestsMs!);
        run.answeredMs.push(r.allAnsweredMs!);
        run.eventCount = r.eventCount;
        lastQuarter = quarter;
      } else run.errors.push(`${quarter}: ${r.error}`);
    }
    run.history = await histories(s.client, 'quarter/');
    run.floorHistory = await histories(s.client, 'floor/');
    if (lastQuarter) run.quarterEvents = (await histories(s.client, `quarter/${lastQuarter}`)).totalEvents;
    if (lastFloor) run.floorEvents = (await histories(s.client, lastFloor)).totalEvents;
  } finally {
    run.worker = (await s.stop()).svodka;
  }
  return run;
}

const med = (xs: number[]): number | null => (xs.length ? median(xs) : null);
const r0 = (x: number | null): string => (x === null ? '—' : String(Math.round(x)));

async function region(): Promise<Row[]> {
  const reps = Math.max(1, envInt('BENCH_REPS', 3));
  const answers = await regionAnswers();
  const n = readSeed().rows.length;
  const section = '1. Quarter, 27 municipalities';
  const main = await regionOn(reps, false, answers);
  const rows: Row[] = [];
  const floor = med(main.floorMs);
  const final = med(main.finalMs);
  const ratio = final !== null && floor ? final / floor : null;
  rows.push({
    section,
    measure: `start → final DOCX (${main.eventCount ?? '?'} events), per municipality`,
    value: final !== null ? final / n : null,
    unit: 'ms',
    display: final === null ? `failed: ${main.errors[0] ?? '?'}` : undefined,
    peer: {
      name: `floor: empty parent + ${n} empty children`,
      value: floor !== null ? floor / n : null,
      unit: 'ms',
    },
    ratio,
    target: '≤ 3× floor',
    met: ratio !== null ? ratio <= 3 : false,
    runs: main.finalMs.map(Math.round),
    note: `median of ${reps}; floor runs ${main.floorMs.map(Math.round).join(', ')} ms`,
  });
  rows.push({
    section,
    measure: 'start → final DOCX, wall time',
    value: final,
    unit: 'ms',
    display: final === null ? 'failed' : undefined,
    peer: { name: 'floor wall time', value: floor, unit: 'ms' },
    ratio,
    target: '< 10 s',
    met: final !== null ? final < 10_000 : false,
    runs: main.finalMs.map(Math.round),
    note:
      `all 27 request emails at ${r0(med(main.requestsMs))} ms, all answered ${r0(med(main.answeredMs))} ms, ` +
      `draft ${r0(med(main.draftMs))} ms, quarter workflow complete ${r0(med(main.completeMs))} ms` +
      (main.errors.length ? `; errors: ${main.errors.join(' | ')}` : ''),
  });
  if (main.quarterEvents !== null && main.floorEvents !== null)
    rows.push({
      section,
      measure: 'history events per municipality (all executions of a quarter / 27)',
      value: main.quarterEvents / n,
      unit: 'events',
      peer: { name: 'floor events per child', value: main.floorEvents / n, unit: 'events' },
      ratio: main.quarterEvents / main.floorEvents,
      note: `dev server CPU per run: Svodka ${r0(med(main.svodkaServerCpuMs))} ms, floor ${r0(med(main.floorServerCpuMs))} ms`,
    });
  if (main.history?.byEvents)
    rows.push({
      section,
      measure: 'largest history (events / bytes)',
      value: main.history.byEvents.events,
      unit: 'events',
      display: historyText(main.history),
      peer: main.floorHistory?.byEvents
        ? {
            name: 'floor largest history',
            value: main.floorHistory.byEvents.events,
            unit: 'events',
            display: historyText(main.floorHistory),
          }
        : undefined,
      ratio: main.floorHistory?.byEvents
        ? main.history.byEvents.events / main.floorHistory.byEvents.events
        : null,
      target: '≤ 10,240 events',
      met: main.history.byEvents.events <= 10_240,
    });
  if (main.worker)
    rows.push({
      section,
      measure: 'Svodka worker: peak RSS / CPU used',
      value: main.worker.maxRssMb,
      unit: 'MB',
      display: `${main.worker.maxRssMb} MB / ${(main.worker.cpuMs / 1000).toFixed(1)} s CPU for ${reps} quarters`,
      note: `RSS at ready ${main.worker.readyRssMb} MB; worker start incl. bundling ${main.worker.bundleMs} ms`,
    });

  if (process.env.BENCH_WAL_VARIANT !== '0' && !ON_POSTGRES) {
    // The same, on the same Temporal CLI with SQLite's WAL and synchronous=NORMAL: what the dev
    // server's storage settings cost (not what Svodka ships; see bench/README.md).
    const wal = await regionOn(Math.min(reps, 2), true, answers);
    const wFloor = med(wal.floorMs);
    const wFinal = med(wal.finalMs);
    rows.push({
      section,
      measure: 'same on a WAL dev server: start → final DOCX (informative)',
      value: wFinal,
      unit: 'ms',
      display: wFinal === null ? `failed: ${wal.errors[0] ?? '?'}` : undefined,
      peer: { name: 'floor on the WAL dev server', value: wFloor, unit: 'ms' },
      ratio: wFinal !== null && wFloor ? wFinal / wFloor : null,
      target: '< 10 s; ≤ 3× floor',
      met: wFinal !== null && wFloor ? wFinal < 10_000 && wFinal / wFloor <= 3 : false,
      runs: wal.finalMs.map(Math.round),
      note: `${wal.variant}; requests ${r0(med(wal.requestsMs))} ms, answered ${r0(med(wal.answeredMs))} ms, draft ${r0(med(wal.draftMs))} ms`,
    });
  }
  return rows;
}

/** How many executions of a workflow type have completed (visibility). */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not done in ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function completedCount(client: Client, type: string): Promise<number | null> {
  try {
    const r = await client.workflow.count(`WorkflowType = "${type}" AND ExecutionStatus = "Completed"`);
    return r.count;
  } catch {
    return null;
  }
}

/**
 * The national section runs on the dev server with SQLite in WAL mode (BENCH_NATIONAL_WAL=0: the
 * embedded default). With the default rollback journal every history write waits on an fsync, and
 * 20,000 empty children alone take the better part of an hour here; both Svodka and the floor get
 * the same server, so the ratio is unaffected by the choice.
 */
const NATIONAL_WAL = process.env.BENCH_NATIONAL_WAL !== '0';

async function national(): Promise<Row[]> {
  const count = ON_POSTGRES ? envInt('BENCH_PG_NATIONAL', 2_000) : envInt('BENCH_NATIONAL', 20_000);
  if (count === 0) return [];
  const boundS = NATIONAL_BOUND_S;
  const floorBoundMs = Math.round(boundS * 1000 * 0.35);
  const svodkaBoundMs = boundS * 1000 - floorBoundMs;
  const section = `2. National scale, ${count.toLocaleString('en')} municipalities`;
  const bytes = smallSubmission();
  const codes = generateRegistry(count).map((m) => m.code);
  // The floor and Svodka each get a fresh dev server (same CLI, same settings): a floor cut short
  // leaves thousands of terminations for its server to work through, which must not slow Svodka.
  let floor: Awaited<ReturnType<typeof runFloor>> = { ms: null, error: 'not run' };
  let floorDone: number | null = null;
  let floorHistory: Histories | null = null;
  let floorStats: WorkerStats | null = null;
  // BENCH_NATIONAL_FLOOR=0 skips the floor, for trying a change to Svodka alone (no ratio then).
  if (process.env.BENCH_NATIONAL_FLOOR !== '0') {
    const f = await startServices('national-floor', 0, { workers: ['floor'], pragmas: NATIONAL_WAL });
    try {
      log(
        `national: floor, ${count} empty children in groups of ${GROUP_SIZE}, bound ${floorBoundMs / 1000} s…`,
      );
      floor = await runFloor(f.client, 'floor/national', count, floorBoundMs);
      if (floor.ms === null) floorDone = await completedCount(f.client, 'floorChild');
      log(
        `national: floor ${floor.ms !== null ? `${Math.round(floor.ms)} ms` : `${floor.error}; ${floorDone} children completed`}`,
      );
      const floorIds = [
        'floor/national',
        ...Array.from({ length: Math.ceil(count / GROUP_SIZE) }, (_, g) => `floor/national/group-${g}`),
      ];
      floorHistory = await withTimeout(describedHistories(f.client, floorIds), 120_000).catch(
        (err: unknown) => {
          log(`national: floor histories: ${errorText(err)}`);
          return null;
        },
      );
    } finally {
      floorStats = (await f.stop()).floor;
    }
  }
  // BENCH_NATIONAL_SVODKA=0 runs the floor alone, for checking it on a quiet machine.
  if (process.env.BENCH_NATIONAL_SVODKA === '0')
    return [
      {
        section,
        measure: `floor alone: ${count} empty children (groups of ${GROUP_SIZE}), wall time`,
        value: floor.ms,
        unit: 'ms',
        display:
          floor.ms === null ? `NOT DONE: ${floor.error}; ${floorDone ?? '?'} children completed` : undefined,
        note: floorStats ? `floor worker peak RSS ${floorStats.maxRssMb} MB` : undefined,
      },
    ];
  let r!: CycleResult;
  let serverCpuMs: number | null = null;
  let history: Histories | null = null;
  let stats: { svodka: WorkerStats | null; floor: WorkerStats | null };
  const s = await startServices('national', count, { workers: ['svodka'], pragmas: NATIONAL_WAL });
  try {
    log(`national: Svodka quarter, bound ${svodkaBoundMs / 1000} s…`);
    const cpu0 = processCpuMs(s.server.pid);
    r = await runCycle({
      client: s.client,
      db: s.db,
      quarter: '2023-Q2',
      codes,
      answers: () => ({ kind: 'file', bytes, fileName: 'small.docx' }),
      concurrency: envInt('BENCH_ANSWER_CONCURRENCY', 32),
      timeoutMs: svodkaBoundMs,
      pollMs: 500,
      register: s.setCycle,
    });
    const cpu1 = processCpuMs(s.server.pid);
    if (cpu0 !== null && cpu1 !== null) serverCpuMs = cpu1 - cpu0;
    log(
      `national: requests ${r.allRequestsMs?.toFixed(0)}, answered ${r.answered} (${r.allAnsweredMs?.toFixed(0)} ms), draft ${r.draftMs?.toFixed(0)} ms, final ${r.finalMs?.toFixed(0)} ms, complete ${r.completeMs?.toFixed(0)} ms${r.error ? `; ${r.error}` : ''}`,
    );
    history = await withTimeout(describedHistories(s.client, nationalIds('2023-Q2', codes)), 180_000).catch(
      (err: unknown) => {
        log(`national: histories: ${errorText(err)}`);
        return null;
      },
    );
  } finally {
    stats = await s.stop();
  }
  stats.floor = floorStats;
  const wall = r.finalMs;
  const ratio = wall !== null && floor.ms ? wall / floor.ms : null;
  const floorRate =
    floor.ms !== null
      ? (count / floor.ms) * 1000
      : floorDone !== null
        ? floorDone / (floorBoundMs / 1000)
        : null;
  // Done: municipalities over the wall time. Cut short: answers accepted per second, up to the
  // last answer when every one was in, else over the whole bound.
  const svodkaRate =
    wall !== null
      ? (count / wall) * 1000
      : r.allAnsweredMs !== null
        ? (count / r.allAnsweredMs) * 1000
        : r.answered / (svodkaBoundMs / 1000);
  const rows: Row[] = [
    {
      section,
      measure: 'start → final DOCX, wall time',
      value: wall,
      unit: 'ms',
      // The final DOCX may be back while the quarter is still locking its municipalities: say so
      // rather than call the measure itself not done.
      display: r.ok
        ? undefined
        : wall !== null
          ? `${(wall / 1000).toFixed(1)} s; the quarter itself had not completed (locking every municipality) within its ${Math.round(svodkaBoundMs / 1000)} s bound`
          : `NOT DONE in its ${Math.round(svodkaBoundMs / 1000)} s bound: ${r.error}`,
      peer: {
        name: `floor: ${count} empty children (groups of ${GROUP_SIZE})`,
        value: floor.ms,
        unit: 'ms',
        display: floor.error
          ? `NOT DONE in its ${Math.round(floorBoundMs / 1000)} s bound: ${floorDone ?? '?'} children completed`
          : undefined,
      },
      ratio,
      target: '≤ 2× floor',
      met: ratio !== null ? ratio <= 2 : false,
      note: `requests all out ${r.allRequestsMs !== null ? `${Math.round(r.allRequestsMs)} ms` : `— (${r.answered} answered)`}; all answered ${r.allAnsweredMs !== null ? `${Math.round(r.allAnsweredMs)} ms` : '—'}; draft ${r.draftMs !== null ? `${Math.round(r.draftMs)} ms` : '—'}; final DOCX ${wall !== null ? `${Math.round(wall)} ms` : '—'}; complete ${r.completeMs !== null ? `${Math.round(r.completeMs)} ms` : '—'}; ${r.eventCount ?? '—'} events in the report${coreText(stats.svodka?.core, stats.floor?.core, count)}`,
    },
    {
      section,
      // Sign-off locks every municipality, one more task each: the quarter is complete only then.
      measure: 'start → quarter complete (reports sent, histories archived), wall time',
      value: r.completeMs,
      unit: 'ms',
      display:
        r.completeMs === null
          ? `NOT DONE in its ${Math.round(svodkaBoundMs / 1000)} s bound${wall !== null ? ` (final DOCX at ${(wall / 1000).toFixed(1)} s)` : ''}`
          : undefined,
      peer: { name: 'floor (every child completed)', value: floor.ms, unit: 'ms' },
      ratio: r.completeMs !== null && floor.ms ? r.completeMs / floor.ms : null,
      target: 'completes',
      met: r.completeMs !== null,
    },
    {
      section,
      measure:
        wall !== null
          ? 'workflows per second (municipalities / wall time)'
          : 'throughput within the bound (Svodka: answers accepted/s; floor: children completed/s)',
      value: svodkaRate,
      unit: 'wf/s',
      peer: { name: 'floor', value: floorRate, unit: 'wf/s' },
      ratio: floorRate ? floorRate / svodkaRate : null,
      ratioNote: 'floor ÷ Svodka (how many times slower)',
      note:
        wall === null && r.allAnsweredMs !== null
          ? `every answer accepted by ${Math.round(r.allAnsweredMs / 1000)} s; the quarter did not reach its final DOCX (row above)`
          : wall === null && svodkaRate > 0
            ? `at this rate ${count} municipalities would take ~${Math.round(count / svodkaRate / 60)} min` +
              (floorRate ? `, the floor ~${Math.round(count / floorRate / 60)} min` : '')
            : undefined,
    },
  ];
  if (stats.svodka)
    rows.push({
      section,
      measure: 'Svodka worker peak RSS',
      value: stats.svodka.maxRssMb,
      unit: 'MB',
      peer: stats.floor
        ? { name: 'floor worker peak RSS', value: stats.floor.maxRssMb, unit: 'MB' }
        : undefined,
      ratio: stats.floor ? stats.svodka.maxRssMb / stats.floor.maxRssMb : null,
      target: '< 1 GB',
      met: stats.svodka.maxRssMb < 1024,
      note:
        `V8 heap peak ${stats.svodka.peakHeapMb} MB; RSS at ready ${stats.svodka.readyRssMb} MB; ` +
        // Not in the worker's figure, so said beside it: the process that rendered the report.
        (stats.svodka.renderChildMaxRssMb
          ? `the report rendered in a process of its own that peaked at ${stats.svodka.renderChildMaxRssMb} MB; `
          : '') +
        (stats.svodka.atPeak
          ? `at the peak: main heap ${stats.svodka.atPeak.heapTotalMb} MB, external ${stats.svodka.atPeak.externalMb} MB, ` +
            `${stats.svodka.atPeak.cachedWorkflows} executions cached, ${stats.svodka.atPeak.afterS} s after ready; `
          : '') +
        (stats.svodka.loopDelay
          ? `main event loop held up p99 ${stats.svodka.loopDelay.p99Ms} ms, max ${stats.svodka.loopDelay.maxMs} ms; `
          : '') +
        `CPU during the run: ` +
        `worker ${(stats.svodka.cpuMs / 1000).toFixed(0)} s, dev server ${serverCpuMs !== null ? (serverCpuMs / 1000).toFixed(0) : '—'} s, ` +
        `of ${Math.round((r.finalMs ?? svodkaBoundMs) / 1000)} s wall on 2 cores`,
    });
  rows.push({
    section,
    measure: 'largest history (events / bytes)',
    value: history?.byEvents?.events ?? null,
    unit: 'events',
    display: history
      ? `${historyText(history)}; of the quarter, its groups and every 100th municipality`
      : 'unknown',
    peer: floorHistory?.byEvents
      ? {
          name: 'floor largest history',
          value: floorHistory.byEvents.events,
          unit: 'events',
          display: historyText(floorHistory),
        }
      : undefined,
    ratio:
      history?.byEvents && floorHistory?.byEvents
        ? history.byEvents.events / floorHistory.byEvents.events
        : null,
    target: '≤ 10,240 events',
    met: history?.byEvents ? history.byEvents.events <= 10_240 : false,
    note: r.ok ? undefined : 'measured on the executions as far as they got within the bound',
  });
  return rows;
}

// A call the SDK retries on a timer may still fire after a bounded run closed its connection.
process.on('uncaughtException', (err) => {
  if (/Channel has been shut down/.test(String(err))) log(`ignored after shutdown: ${String(err)}`);
  else {
    console.error(err);
    process.exit(1);
  }
});

await childMain(async () => {
  const mode = process.argv[2];
  if (mode === 'region') return region();
  if (mode === 'national') return national();
  const onPostgres = (rows: Row[]) =>
    rows.map((r) => ({ ...r, section: `7. On PostgreSQL: ${r.section.replace(/^\d+\. /, '')}` }));
  if (mode === 'postgres-region') return onPostgres(await region());
  if (mode === 'postgres-national') return onPostgres(await national());
  throw new Error(`usage: bench/quarter.ts region|national|postgres-region|postgres-national (got ${mode})`);
});
