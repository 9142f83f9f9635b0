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
import { Client as TemporalClient, Connection, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { createDbBlobStore } from '../activities/blobs';
import { createDb } from '../activities/db/client';
import type { Db } from '../activities/db/client';
import { migrate, seedRegistry } from '../activities/db/setup';
import { storeUpload } from '../activities/uploads';
import { startQuarter } from '../client/quarters';
import { generateRegistry } from '../domain/registry/synthetic';
import { SMOLENSK_MUNICIPALITIES } from '../domain/registry/smolensk';
import type { EventRow } from '../domain/types';
import { approveUpdate, quarterWorkflowId, submissionWorkflowId, submitUpdate } from '../workflows/api';
import type { SubmissionPayload } from '../workflows/api';
import { libreOfficeSubmission, wordSubmission } from '../test/fixtures/docx-builders';
import { loadReference } from '../test/fixtures/reference';
import {
  childMain,
  envInt,
  FLOOR_TASK_QUEUE,
  log,
  median,
  sleep,
  spawnWorker,
  startCountingSink,
  startTemporal,
  tempDir,
} from './lib';
import type { Row, WorkerProcess, WorkerStats } from './lib';
import type { FloorInput } from './floor-workflows';

const GROUP_SIZE = 1000;

type CycleResult = {
  ok: boolean;
  error: string | null;
  count: number;
  answered: number;
  /** ms from the quarter's start */
  allAnsweredMs: number | null;
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
  for (const m of SMOLENSK_MUNICIPALITIES) if (!answers.has(m.code)) answers.set(m.code, { kind: 'nil' });
  return answers;
}

/** A small submission: one event, the first of the reference. */
export function smallSubmission(): Uint8Array {
  const row: EventRow = loadReference().sections[0]!.rows[0]!.row;
  return libreOfficeSubmission({ rows: [row], numberColumn: true });
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
    draftMs: null,
    finalMs: null,
    completeMs: null,
    eventCount: null,
  };
  const answerErrors: string[] = [];
  let allAnswered!: () => void;
  const allAnsweredP = new Promise<void>((r) => (allAnswered = r));
  const seen = new Set<string>();
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
      void limiter
        .run(() => answer(code))
        .then(
          () => {
            result.answered++;
            if (result.answered === codes.length) {
              result.allAnsweredMs = performance.now() - t0;
              allAnswered();
            }
          },
          (err: unknown) => {
            answerErrors.push(errorText(err));
          },
        );
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
    await startQuarter(client, db, { quarter, deadline: '2099-07-10', actor: 'bench', origin: 'bench' });
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
  }
  return result;
}

/** The last workflow-task failure or termination in a workflow's history, as text. */
async function lastFailure(client: Client, workflowId: string): Promise<string> {
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = history.events ?? [];
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i]!;
      const wtf = e.workflowTaskFailedEventAttributes;
      if (wtf) return `; last workflow task failure of ${workflowId}: ${wtf.failure?.message ?? ''} (cause ${wtf.cause})`;
      const failed = e.workflowExecutionFailedEventAttributes;
      if (failed) return `; ${workflowId} failed: ${failed.failure?.message ?? ''}`;
      const term = e.workflowExecutionTerminatedEventAttributes;
      if (term) return `; ${workflowId} terminated: ${term.reason ?? ''}`;
    }
    return `; ${workflowId}: ${events.length} events, no failure recorded`;
  } catch (err) {
    return err instanceof WorkflowNotFoundError ? `; ${workflowId} not found` : `; history: ${errorText(err)}`;
  }
}

/** The largest history (events, and bytes) among workflows whose id starts with `prefix`. */
async function largestHistory(client: Client, prefix: string): Promise<{ byEvents: HistoryStats | null; byBytes: HistoryStats | null; executions: number }> {
  const all: HistoryStats[] = [];
  for await (const info of client.workflow.list({ pageSize: 1000 })) {
    if (!info.workflowId.startsWith(prefix)) continue;
    all.push({ workflowId: info.workflowId, events: info.historyLength ?? 0, bytes: info.historySize ?? 0 });
  }
  // Visibility records can lag; the top few (and every parent or group) are described directly.
  const candidates = new Set<string>([
    ...[...all].sort((a, b) => b.events - a.events).slice(0, 5).map((h) => h.workflowId),
    ...[...all].sort((a, b) => b.bytes - a.bytes).slice(0, 5).map((h) => h.workflowId),
    ...all.filter((h) => !/\/m\d+$|\/\d+$/.test(h.workflowId) && h.workflowId.split('/').length <= 3).slice(0, 50).map((h) => h.workflowId),
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
  return { byEvents, byBytes, executions: all.length };
}

type Services = {
  dir: { dir: string; remove(): void };
  client: Client;
  connection: Connection;
  db: Db;
  svodka: WorkerProcess;
  floor: WorkerProcess;
  setCycle(c: Cycle | null): void;
  stop(): Promise<{ svodka: WorkerStats | null; floor: WorkerStats | null }>;
};

async function startServices(name: string, registry: 'smolensk' | number): Promise<Services> {
  const dir = tempDir(name);
  const databaseUrl = `file:${dir.dir}/svodka.db`;
  await migrate(databaseUrl);
  if (registry === 'smolensk') await seedRegistry(databaseUrl);
  else {
    const db = await createDb(databaseUrl);
    const all = generateRegistry(registry);
    for (let i = 0; i < all.length; i += 2000) await db.municipality.createMany({ data: all.slice(i, i + 2000) });
    await db.$disconnect();
  }
  const db = await createDb(databaseUrl);
  let cycle: Cycle | null = null;
  const sink = await startCountingSink((head) => {
    const m = REQUEST_ID.exec(head);
    if (m && cycle) cycle.onRequest(m[1]!.toUpperCase(), m[2]!);
  });
  const server = await startTemporal(dir.dir);
  const env = {
    BENCH_TEMPORAL: server.address,
    DATABASE_URL: databaseUrl,
    SMTP_URL: sink.url,
    SVODKA_LOG_LEVEL: 'ERROR',
  };
  const [svodka, floor] = await Promise.all([spawnWorker('svodka', env, `${name}-svodka`), spawnWorker('floor', env, `${name}-floor`)]);
  const connection = await Connection.connect({ address: server.address });
  const client = new TemporalClient({ connection, namespace: 'default' });
  return {
    dir,
    client,
    connection,
    db,
    svodka,
    floor,
    setCycle: (c) => (cycle = c),
    async stop() {
      const [s, f] = await Promise.all([
        svodka.stop().catch(() => null),
        floor.stop().catch(() => null),
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

async function region(): Promise<Row[]> {
  const reps = Math.max(1, envInt('BENCH_REPS', 3));
  const answers = await regionAnswers();
  const codes = SMOLENSK_MUNICIPALITIES.map((m) => m.code);
  const s = await startServices('region', 'smolensk');
  const floorMs: number[] = [];
  const finalMs: number[] = [];
  const draftMs: number[] = [];
  const completeMs: number[] = [];
  const errors: string[] = [];
  let eventCount: number | null = null;
  let workerStats: WorkerStats | null = null;
  let history: Awaited<ReturnType<typeof largestHistory>> | null = null;
  let floorHistory: Awaited<ReturnType<typeof largestHistory>> | null = null;
  try {
    for (let i = 0; i < reps; i++) {
      const floor = await runFloor(s.client, `floor/region-${i}`, codes.length, 120_000);
      if (floor.ms !== null) floorMs.push(floor.ms);
      else errors.push(`floor: ${floor.error}`);
      const quarter = quarterOf(i);
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
      log(
        `region ${quarter}: floor ${floor.ms?.toFixed(0)} ms; svodka answered ${r.allAnsweredMs?.toFixed(0)} ms, draft ${r.draftMs?.toFixed(0)} ms, final ${r.finalMs?.toFixed(0)} ms, complete ${r.completeMs?.toFixed(0)} ms${r.error ? `; ${r.error}` : ''}`,
      );
      if (r.ok) {
        finalMs.push(r.finalMs!);
        draftMs.push(r.draftMs!);
        completeMs.push(r.completeMs!);
        eventCount = r.eventCount;
      } else errors.push(`${quarter}: ${r.error}`);
    }
    history = await largestHistory(s.client, 'quarter/');
    floorHistory = await largestHistory(s.client, 'floor/');
  } finally {
    workerStats = (await s.stop()).svodka;
  }

  const floor = floorMs.length ? median(floorMs) : null;
  const final = finalMs.length ? median(finalMs) : null;
  const n = codes.length;
  const rows: Row[] = [];
  const ratio = final !== null && floor ? final / floor : null;
  rows.push({
    section: '1. Quarter, 27 municipalities',
    measure: `start → final DOCX (${eventCount ?? '?'} events), per municipality`,
    value: final !== null ? final / n : null,
    unit: 'ms',
    display: final === null ? `failed: ${errors[0] ?? '?'}` : undefined,
    peer: { name: `floor: empty parent + ${n} empty children`, value: floor !== null ? floor / n : null, unit: 'ms' },
    ratio,
    target: '≤ 3× floor',
    met: ratio !== null ? ratio <= 3 : false,
    runs: finalMs.map((x) => Math.round(x)),
    note: `medians of ${reps}; floor runs ${floorMs.map((x) => Math.round(x)).join(', ')} ms`,
  });
  rows.push({
    section: '1. Quarter, 27 municipalities',
    measure: 'start → final DOCX, wall time',
    value: final,
    unit: 'ms',
    display: final === null ? 'failed' : undefined,
    peer: { name: 'floor wall time', value: floor, unit: 'ms' },
    ratio,
    target: '< 10 s',
    met: final !== null ? final < 10_000 : false,
    runs: finalMs.map((x) => Math.round(x)),
    note:
      `draft ready at ${draftMs.length ? Math.round(median(draftMs)) : '—'} ms; quarter workflow complete at ` +
      `${completeMs.length ? Math.round(median(completeMs)) : '—'} ms` +
      (errors.length ? `; errors: ${errors.join(' | ')}` : ''),
  });
  if (history?.byEvents)
    rows.push({
      section: '1. Quarter, 27 municipalities',
      measure: 'largest history (events / bytes)',
      value: history.byEvents.events,
      unit: 'events',
      display: `${history.byEvents.events} ev / ${Math.round((history.byBytes?.bytes ?? 0) / 1024)} KiB (${history.byEvents.workflowId})`,
      peer: floorHistory?.byEvents
        ? { name: 'floor largest history', value: floorHistory.byEvents.events, unit: 'events', display: `${floorHistory.byEvents.events} ev / ${Math.round((floorHistory.byBytes?.bytes ?? 0) / 1024)} KiB` }
        : undefined,
      ratio: floorHistory?.byEvents ? history.byEvents.events / floorHistory.byEvents.events : null,
      target: '≤ 10,240 events',
      met: history.byEvents.events <= 10_240,
    });
  if (workerStats)
    rows.push({
      section: '1. Quarter, 27 municipalities',
      measure: 'Svodka worker peak RSS',
      value: workerStats.maxRssMb,
      unit: 'MB',
      note: `RSS ready ${workerStats.readyRssMb} MB, peak while running ${workerStats.peakRunRssMb} MB (sampled); worker start incl. bundling ${workerStats.bundleMs} ms`,
    });
  return rows;
}

async function national(): Promise<Row[]> {
  const count = envInt('BENCH_NATIONAL', 20_000);
  const timeoutMs = envInt('BENCH_NATIONAL_TIMEOUT_S', 900) * 1000;
  const section = `2. National scale, ${count.toLocaleString('en')} municipalities`;
  if (count === 0) return [];
  const s = await startServices('national', count);
  const bytes = smallSubmission();
  const codes = generateRegistry(count).map((m) => m.code);
  let floor: Awaited<ReturnType<typeof runFloor>>;
  let r: CycleResult;
  let history: Awaited<ReturnType<typeof largestHistory>> | null = null;
  let floorHistory: Awaited<ReturnType<typeof largestHistory>> | null = null;
  let stats: { svodka: WorkerStats | null; floor: WorkerStats | null };
  try {
    log(`national: floor, ${count} empty children in groups of ${GROUP_SIZE}…`);
    floor = await runFloor(s.client, 'floor/national', count, Math.min(timeoutMs, 600_000));
    log(`national: floor ${floor.ms?.toFixed(0) ?? floor.error} ms; Svodka quarter…`);
    r = await runCycle({
      client: s.client,
      db: s.db,
      quarter: '2023-Q2',
      codes,
      answers: () => ({ kind: 'file', bytes, fileName: 'small.docx' }),
      concurrency: envInt('BENCH_ANSWER_CONCURRENCY', 32),
      timeoutMs,
      pollMs: 500,
      register: s.setCycle,
    });
    log(
      `national: answered ${r.answered} (${r.allAnsweredMs?.toFixed(0)} ms), draft ${r.draftMs?.toFixed(0)} ms, final ${r.finalMs?.toFixed(0)} ms, complete ${r.completeMs?.toFixed(0)} ms${r.error ? `; ${r.error}` : ''}`,
    );
    try {
      history = await largestHistory(s.client, 'quarter/');
      floorHistory = await largestHistory(s.client, 'floor/');
    } catch (err) {
      log(`national: listing histories failed: ${errorText(err)}`);
    }
  } finally {
    stats = await s.stop();
  }
  const wall = r.finalMs;
  const ratio = wall !== null && floor.ms ? wall / floor.ms : null;
  const rows: Row[] = [
    {
      section,
      measure: 'start → final DOCX, wall time',
      value: wall,
      unit: 'ms',
      display: r.ok ? undefined : `FAILED after ${Math.round(timeoutMs / 1000)} s bound: ${r.error}`,
      peer: {
        name: `floor: ${count} empty children (groups of ${GROUP_SIZE})`,
        value: floor.ms,
        unit: 'ms',
        display: floor.error ? `failed: ${floor.error}` : undefined,
      },
      ratio,
      target: '≤ 2× floor',
      met: ratio !== null ? ratio <= 2 : false,
      note: `answered ${r.answered}/${count}${r.allAnsweredMs !== null ? ` by ${Math.round(r.allAnsweredMs)} ms` : ''}; draft ${r.draftMs !== null ? `${Math.round(r.draftMs)} ms` : '—'}; complete ${r.completeMs !== null ? `${Math.round(r.completeMs)} ms` : '—'}; ${r.eventCount ?? '—'} events in the report`,
    },
    {
      section,
      measure: 'workflows per second',
      value: wall !== null ? (count / wall) * 1000 : null,
      unit: 'wf/s',
      display: wall === null ? `— (${r.answered} answered before the bound)` : undefined,
      peer: { name: 'floor', value: floor.ms ? (count / floor.ms) * 1000 : null, unit: 'wf/s' },
      ratio: wall !== null && floor.ms ? floor.ms / wall : null,
      ratioNote: 'Svodka / floor',
    },
  ];
  if (stats.svodka)
    rows.push({
      section,
      measure: 'Svodka worker peak RSS',
      value: stats.svodka.maxRssMb,
      unit: 'MB',
      peer: stats.floor ? { name: 'floor worker peak RSS', value: stats.floor.maxRssMb, unit: 'MB' } : undefined,
      ratio: stats.floor ? stats.svodka.maxRssMb / stats.floor.maxRssMb : null,
      target: '< 1 GB',
      met: stats.svodka.maxRssMb < 1024,
      note: `V8 heap peak ${stats.svodka.peakHeapMb} MB; RSS at ready ${stats.svodka.readyRssMb} MB`,
    });
  rows.push({
    section,
    measure: 'largest history (events / bytes)',
    value: history?.byEvents?.events ?? null,
    unit: 'events',
    display: history?.byEvents
      ? `${history.byEvents.events} ev (${history.byEvents.workflowId}) / ${Math.round((history.byBytes?.bytes ?? 0) / 1024)} KiB (${history.byBytes?.workflowId}); ${history.executions} executions`
      : 'unknown',
    peer: floorHistory?.byEvents
      ? { name: 'floor largest history', value: floorHistory.byEvents.events, unit: 'events', display: `${floorHistory.byEvents.events} ev / ${Math.round((floorHistory.byBytes?.bytes ?? 0) / 1024)} KiB` }
      : undefined,
    ratio: history?.byEvents && floorHistory?.byEvents ? history.byEvents.events / floorHistory.byEvents.events : null,
    target: '≤ 10,240 events',
    met: history?.byEvents ? history.byEvents.events <= 10_240 : false,
  });
  return rows;
}

await childMain(async () => {
  const mode = process.argv[2];
  if (mode === 'region') return region();
  if (mode === 'national') return national();
  throw new Error(`usage: bench/quarter.ts region|national (got ${mode})`);
});
