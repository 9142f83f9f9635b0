// Section 5: the municipality upload endpoint (POST /m/:token/upload) under load on loopback.
//
// End to end: the portal in this process on the real stack (embedded dev server, the Svodka worker
// in its own process, SQLite, SMTP sink), a quarter of BENCH_PORTAL_MUNICIPALITIES synthetic
// municipalities, one upload of a small Word file per municipality, sent by
// bench/loadgen-child.ts (a separate process) over BENCH_PORTAL_CONNECTIONS keep-alive connections.
// Each upload is what a browser sends: the form's CSRF token (read from the page, as the e2e test
// does) and the file. Each upload is stored and queued in the upload inbox (table AnswerInbox) and
// answered at once with a receipt (303); the inbox's dispatcher, in the portal's process, hands it
// to the municipality's workflow as a Temporal Update behind. The load measures the receipt; the
// delivery (receipt → version recorded) is a row of its own, from the inbox's timestamps.
//
// Then the endpoint's own work, on the same database with Temporal stubbed: (a) the stub answers
// at once; (b) the stub runs the real recordSubmission activity in process (parse, validate, rows).
// The per-IP rate limit (60 a minute on /m/…) is raised for the load: every request comes from
// 127.0.0.1.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { createDbBlobStore } from '../infrastructure/blobs';
import { createDb } from '../infrastructure/db/client';
import type { Db } from '../infrastructure/db/client';
import { migrate } from '../infrastructure/db/setup';
import { recordSubmission } from '../activities/submissions';
import { readSeed } from '../infrastructure/registry/seed';
import { issueToken } from '../infrastructure/tokens';
import { useCaseContext } from '../application/context';
import { startQuarter } from '../application/start-quarter';
import { execute } from '../application/use-case';
import { startPortal } from '../client/web/server';
import type { PortalConfig } from '../client/web/server';
import { generateRegistry } from '../domain/registry/synthetic';
import { requestedSummary } from '../workflows/api';
import type { QuarterStatus, SubmissionPayload, SubmissionResult } from '../workflows/api';
import { hiddenValue, multipartBody } from '../test/e2e/fakes';
import {
  childMain,
  envInt,
  FLOOR_TASK_QUEUE,
  freePort,
  log,
  percentile,
  processCpuMs,
  profiled,
  runChildResult,
  sleep,
  spawnWorker,
  startCountingSink,
  startTemporal,
  tempDir,
} from './lib';
import type { Row } from './lib';
import type { LoadResult, LoadSpec } from './loadgen-child';
import { floorStopSignal, floorUpdate, floorUpdateTarget } from './floor-workflows';
import { smallSubmission } from './submissions';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const SECRET = 'bench-secret-of-at-least-32-bytes!!';
const REQUEST_ID = /^Message-ID:\s*<([^.>]+)\.([^.>]+)\.request\.\d+@/im;

type CallTimes = { query: number[]; executeUpdate: number[] };

/** The client with the time of every query and update recorded (what the portal waits on Temporal). */
function timedClient(client: Client, times: CallTimes): Client {
  const bindAll = (target: object, prop: string | symbol) => {
    const value = (target as Record<string | symbol, unknown>)[prop];
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  };
  const handle = (h: object) =>
    new Proxy(h, {
      get(target, prop) {
        if (prop === 'query' || prop === 'executeUpdate') {
          const fn = bindAll(target, prop) as (...a: unknown[]) => Promise<unknown>;
          return async (...args: unknown[]) => {
            const t = performance.now();
            try {
              return await fn(...args);
            } finally {
              times[prop].push(performance.now() - t);
            }
          };
        }
        return bindAll(target, prop);
      },
    });
  const workflow = new Proxy(client.workflow, {
    get(target, prop) {
      if (prop === 'getHandle')
        return (...args: unknown[]) => handle((target.getHandle as (...a: unknown[]) => object)(...args));
      return bindAll(target, prop);
    },
  });
  return new Proxy(client, {
    get(target, prop) {
      return prop === 'workflow' ? workflow : bindAll(target, prop);
    },
  });
}

/**
 * The database with the time of every call the portal makes recorded: model operations
 * (db.upload.create, …) and whole interactive transactions ($transaction).
 */
function timedDb(db: Db, times: number[]): Db {
  const timed =
    (fn: (...a: unknown[]) => unknown) =>
    async (...args: unknown[]) => {
      const t = performance.now();
      try {
        return await fn(...args);
      } finally {
        times.push(performance.now() - t);
      }
    };
  const bind = (target: object, prop: string | symbol) => {
    const value = (target as Record<string | symbol, unknown>)[prop];
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  };
  return new Proxy(db, {
    get(target, prop) {
      const value = bind(target, prop);
      if (prop === '$transaction' || prop === '$queryRawUnsafe')
        return timed(value as (...a: unknown[]) => unknown);
      if (typeof prop === 'string' && !prop.startsWith('$') && value && typeof value === 'object')
        return new Proxy(value, {
          get(model, op) {
            const fn = bind(model, op);
            return typeof fn === 'function' ? timed(fn as (...a: unknown[]) => unknown) : fn;
          },
        });
      return value;
    },
  });
}

/**
 * Temporal stubbed: queries answer «collecting» and the municipality's summary; the submit update
 * answers at once (`instant`) or runs the real recordSubmission in this process (`record`).
 */
function stubClient(db: Db, quarter: string, mode: 'instant' | 'record'): Client {
  const files = createDbBlobStore(db);
  const versions = new Map<string, number>();
  const status = {
    quarter,
    phase: 'collecting',
    deadline: '2099-07-10',
    timeScale: 1,
    closed: false,
    municipalities: [],
    counts: {},
    total: 0,
    groups: 0,
    draftReportId: null,
    finalReportId: null,
    finalSha256: null,
  } as unknown as QuarterStatus;
  const client = {
    options: { namespace: 'default' },
    withDeadline: <T>(_deadline: number | Date, fn: () => Promise<T>) => fn(),
    workflow: {
      getHandle(workflowId: string) {
        const code = workflowId.split('/')[2] ?? null;
        return {
          async query() {
            return code ? requestedSummary(code, '2099-07-10') : status;
          },
          async executeUpdate(_def: unknown, options: { args: unknown[] }): Promise<SubmissionResult> {
            const version = (versions.get(code!) ?? 0) + 1;
            versions.set(code!, version);
            if (mode === 'instant')
              return {
                accepted: true,
                version,
                submissionId: `${quarter}/${code}/v${version}`,
                nil: false,
                rowCount: 1,
                findings: [],
              };
            return recordSubmission(db, files, {
              quarter,
              municipality: code!,
              version,
              payload: options.args[0] as SubmissionPayload,
            });
          },
        };
      },
    },
  };
  return client as unknown as Client;
}

type LoadRun = { result: LoadResult | null; error: string | null };

/** CPU time so far of the processes that share the machine during a load, ms. */
type CpuSnapshot = { portal: number; worker: number | null; server: number | null };

function cpuSnapshot(workerPid: number | null, serverPid: number | null): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    portal: (own.user + own.system) / 1000,
    worker: processCpuMs(workerPid),
    server: processCpuMs(serverPid),
  };
}

/** «portal 0.52 s, worker 0.31 s, dev server 0.20 s» between two snapshots. */
function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, extra: Record<string, number> = {}): string {
  const parts: string[] = [`portal ${((b.portal - a.portal) / 1000).toFixed(2)} s`];
  if (a.worker !== null && b.worker !== null)
    parts.push(`worker ${((b.worker - a.worker) / 1000).toFixed(2)} s`);
  if (a.server !== null && b.server !== null)
    parts.push(`dev server ${((b.server - a.server) / 1000).toFixed(2)} s`);
  for (const [name, ms] of Object.entries(extra)) parts.push(`${name} ${(ms / 1000).toFixed(2)} s`);
  return parts.join(', ');
}

type Delivery = {
  /** Receipt (row queued) → version recorded (row delivered), per answer. */
  latenciesMs: number[];
  delivered: number;
  refused: number;
  queued: number;
  /** First receipt → last delivery. */
  wallMs: number;
  firstRefusal: string | null;
};

/** Waits (up to `boundMs`) until the inbox has no queued answer of `quarter`, then reads it. */
async function drainInbox(db: Db, quarter: string, boundMs: number): Promise<Delivery> {
  const until = Date.now() + boundMs;
  while (Date.now() < until && (await db.answerInbox.count({ where: { quarter, state: 'queued' } })) > 0)
    await sleep(100);
  const rows = await db.answerInbox.findMany({ where: { quarter } });
  const done = rows.filter((r) => r.deliveredAt !== null);
  const first = Math.min(...rows.map((r) => r.createdAt.getTime()));
  const last = Math.max(...done.map((r) => r.deliveredAt!.getTime()));
  return {
    latenciesMs: done
      .filter((r) => r.state === 'delivered')
      .map((r) => r.deliveredAt!.getTime() - r.createdAt.getTime()),
    delivered: rows.filter((r) => r.state === 'delivered').length,
    refused: rows.filter((r) => r.state === 'refused').length,
    queued: rows.filter((r) => r.state === 'queued').length,
    wallMs: done.length ? last - first : NaN,
    firstRefusal: rows.find((r) => r.refusal)?.refusal ?? null,
  };
}

/** Tokens, CSRF tokens read from each page, and upload bodies for `count` uploads. */
async function prepareUploads(
  db: Db,
  url: string,
  quarter: string,
  codes: string[],
  count: number,
  bytes: Uint8Array,
): Promise<LoadSpec['requests']> {
  const forms: { token: string; csrf: string }[] = [];
  for (const code of codes) {
    const token = await issueToken(db, { quarter, municipality: code });
    const page = await fetch(`${url}/m/${token}`);
    const html = await page.text();
    if (page.status !== 200)
      throw new Error(
        `GET /m/… for ${code}: HTTP ${page.status}: ${html
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .slice(0, 200)}`,
      );
    forms.push({ token, csrf: hiddenValue(html, '_csrf') });
  }
  return Array.from({ length: count }, (_, i) => {
    const f = forms[i % forms.length]!;
    const { payload, headers } = multipartBody(
      { _csrf: f.csrf },
      { name: 'file', fileName: 'сведения.docx', bytes, type: DOCX },
    );
    return {
      path: `/m/${f.token}/upload`,
      contentType: headers['content-type'],
      body: payload.toString('base64'),
    };
  });
}

async function load(dir: string, name: string, spec: LoadSpec): Promise<LoadRun> {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  try {
    const result = await runChildResult<LoadResult>('bench/loadgen-child.ts', [file], {
      timeoutMs: spec.timeoutMs + 90_000,
    });
    log(
      `portal ${name}: ${result.ok}/${result.sent} ok in ${Math.round(result.wallMs)} ms; p50 ${Math.round(percentile(result.latenciesMs, 50))} ms, p99 ${Math.round(percentile(result.latenciesMs, 99))} ms${result.firstError ? `; ${result.firstError}` : ''}`,
    );
    return { result, error: null };
  } catch (err) {
    return { result: null, error: String(err) };
  } finally {
    rmSync(file, { force: true });
  }
}

function loadRow(measure: string, run: LoadRun, target: boolean, note: string): Row {
  const r = run.result;
  const rate = r ? (r.ok / r.wallMs) * 1000 : null;
  const p50 = r ? percentile(r.latenciesMs, 50) : null;
  const p99 = r ? percentile(r.latenciesMs, 99) : null;
  return {
    section: '5. Portal upload endpoint',
    measure,
    value: rate,
    unit: 'req/s',
    display: r
      ? `${rate!.toFixed(1)} req/s; p50 ${Math.round(p50!)} ms, p99 ${Math.round(p99!)} ms; ${r.errors} errors of ${r.sent}${r.timedOut ? ' (time bound hit)' : ''}`
      : `failed: ${run.error}`,
    ...(target
      ? {
          target: '≥ 200 req/s, p99 < 500 ms, 0 errors',
          met: r !== null && rate! >= 200 && p99! < 500 && r.errors === 0 && !r.timedOut,
        }
      : {}),
    note: `${note}${r?.firstError ? `; first error: ${r.firstError}` : ''}`,
  };
}

type UpdateFloor = {
  ok: number;
  errors: number;
  wallMs: number;
  latenciesMs: number[];
  firstError: string | null;
};

/**
 * The floor of the end-to-end upload: as many Updates as uploads, each to its own empty workflow that
 * answers at once, over as many concurrent callers, on the same server — Temporal's own price of the
 * round trip the portal waits on, with nothing of Svodka's in it.
 */
async function updateFloor(
  client: Client,
  count: number,
  concurrency: number,
  boundMs: number,
): Promise<UpdateFloor> {
  const ids = Array.from({ length: count }, (_, i) => `floor/update/${i}`);
  const handles = await Promise.all(
    ids.map((workflowId) =>
      client.workflow.start(floorUpdateTarget, { taskQueue: FLOOR_TASK_QUEUE, workflowId }),
    ),
  );
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let next = 0;
  const until = Date.now() + boundMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < handles.length && Date.now() < until) {
        const i = next++;
        const t = performance.now();
        try {
          await handles[i]!.executeUpdate(floorUpdate, { args: [i] });
          latenciesMs.push(performance.now() - t);
        } catch (err) {
          errors++;
          firstError ??= String(err).slice(0, 200);
        }
      }
    }),
  );
  const wallMs = performance.now() - started;
  await Promise.all(handles.map((h) => h.signal(floorStopSignal).catch(() => {})));
  return { ok: latenciesMs.length, errors, wallMs, latenciesMs, firstError };
}

await childMain(async (): Promise<Row[]> => {
  const municipalities = Math.max(1, envInt('BENCH_PORTAL_MUNICIPALITIES', 100));
  const connections = Math.max(1, envInt('BENCH_PORTAL_CONNECTIONS', 16));
  const stubUploads = Math.max(1, envInt('BENCH_PORTAL_STUB_UPLOADS', 2000));
  const boundMs = envInt('BENCH_PORTAL_TIMEOUT_S', 180) * 1000;
  const inboxConcurrency = Math.max(1, envInt('BENCH_PORTAL_INBOX_CONCURRENCY', 16));
  // A load with no dispatcher beside it: nothing is delivered, to see what delivery costs the uploads.
  const noInbox = Boolean(process.env.BENCH_PORTAL_NO_INBOX);
  const dir = tempDir('portal');
  const databaseUrl = `file:${dir.dir}/svodka.db`;
  await migrate(databaseUrl);
  const registry = generateRegistry(municipalities);
  const codes = registry.map((m) => m.code);
  const db = await createDb(databaseUrl);
  // The synthetic registry is the seed region's (id 1, the municipalities' default): a quarter
  // starts only in a region.
  const seed = readSeed();
  await db.region.create({ data: { id: 1, name: seed.name, genitive: seed.genitive } });
  await db.municipality.createMany({ data: registry });
  const bytes = smallSubmission();
  const rateLimits: PortalConfig['rateLimits'] = {
    token: { limit: 1e9, windowMs: 60_000 },
    upload: { limit: 1e9, windowMs: 60_000 },
  };
  const rows: Row[] = [];

  // --- end to end ---
  const quarter = '2023-Q2';
  let requests = 0;
  const sink = await startCountingSink((head) => {
    const m = REQUEST_ID.exec(head);
    if (m && m[1]!.toUpperCase() === quarter) requests++;
  });
  const server = await startTemporal(dir.dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const worker = await spawnWorker(
    'svodka',
    {
      BENCH_TEMPORAL: server.address,
      DATABASE_URL: databaseUrl,
      SMTP_URL: sink.url,
      SVODKA_PUBLIC_URL: url,
      SVODKA_LOG_LEVEL: 'ERROR',
    },
    'portal-svodka',
  );
  const connection = await Connection.connect({ address: server.address });
  const times: CallTimes = { query: [], executeUpdate: [] };
  const dbTimes: number[] = [];
  const temporal = new TemporalClient({ connection, namespace: 'default' });
  const portal = await startPortal({
    port,
    host: '127.0.0.1',
    db: timedDb(db, dbTimes),
    temporal: timedClient(temporal, times),
    config: {
      publicUrl: url,
      temporalUiUrl: null,
      secret: SECRET,
      rateLimits,
      inbox: noInbox ? false : { concurrency: inboxConcurrency },
    },
  });
  let e2e: LoadRun = { result: null, error: null };
  let delivery: Delivery | null = null;
  let loadCpu = '';
  let deliveryCpu = '';
  let floor: UpdateFloor | null = null;
  let floorError: string | null = null;
  try {
    await execute(
      startQuarter,
      useCaseContext({ db, temporal, actor: { name: 'bench', channel: 'cli', origin: 'bench' } }),
      { quarter, deadline: '2099-07-10' },
    );
    const until = Date.now() + boundMs;
    while (requests < municipalities && Date.now() < until) await sleep(200);
    if (requests < municipalities)
      throw new Error(`only ${requests} of ${municipalities} request emails in ${boundMs / 1000} s`);
    log(
      `portal: ${municipalities} municipalities asked; reading ${municipalities} pages for their CSRF tokens…`,
    );
    const specRequests = await prepareUploads(db, url, quarter, codes, municipalities, bytes);
    times.query.length = 0;
    times.executeUpdate.length = 0;
    dbTimes.length = 0;
    const beforeLoad = cpuSnapshot(worker.child.pid ?? null, server.pid);
    e2e = await profiled('portal-e2e', () =>
      load(dir.dir, 'e2e', {
        url,
        connections,
        timeoutMs: boundMs,
        expectStatus: 303,
        requests: specRequests,
      }),
    );
    const afterLoad = cpuSnapshot(worker.child.pid ?? null, server.pid);
    loadCpu = cpuBetween(beforeLoad, afterLoad, e2e.result ? { 'load generator': e2e.result.cpuMs } : {});
    delivery = await drainInbox(db, quarter, noInbox ? 0 : boundMs);
    deliveryCpu = cpuBetween(afterLoad, cpuSnapshot(worker.child.pid ?? null, server.pid));
    log(
      `portal delivery: ${delivery.delivered} delivered, ${delivery.refused} refused, ${delivery.queued} still queued; p50 ${Math.round(percentile(delivery.latenciesMs, 50))} ms, p99 ${Math.round(percentile(delivery.latenciesMs, 99))} ms`,
    );
  } catch (err) {
    e2e = e2e.result ? e2e : { result: null, error: String(err) };
  }
  try {
    log(`portal: floor, ${municipalities} Updates to empty workflows over ${connections} callers…`);
    const floorWorker = await spawnWorker('floor', { BENCH_TEMPORAL: server.address }, 'portal-floor');
    try {
      floor = await updateFloor(temporal, municipalities, connections, boundMs);
    } finally {
      await floorWorker.stop().catch(() => null);
    }
  } catch (err) {
    floorError = String(err);
  } finally {
    await portal.close().catch(() => {});
    await worker.stop().catch(() => null);
    await connection.close().catch(() => {});
    await server.stop().catch(() => {});
    await sink.stop().catch(() => {});
  }
  const accepted = await db.submission.count({ where: { quarter, status: 'accepted', channel: 'web' } });
  const rejected = await db.submission.findMany({ where: { quarter, status: { not: 'accepted' } }, take: 1 });
  const rejectedCount = await db.submission.count({ where: { quarter, status: { not: 'accepted' } } });
  const uploads = e2e.result?.ok ?? 0;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const meanLatency = e2e.result ? mean(e2e.result.latenciesMs) : NaN;
  const e2eRow = loadRow(
    `end to end: ${municipalities} uploads (1 per municipality), ${connections} connections, answered with the inbox's receipt`,
    e2e,
    true,
    `${accepted} accepted, ${rejectedCount} rejected in the database` +
      (rejected[0] ? ` (${rejected[0].findings.slice(0, 160)})` : '') +
      `; mean latency ${Math.round(meanLatency)} ms per upload; ` +
      `${(times.query.length / Math.max(1, uploads)).toFixed(1)} Temporal queries per upload on the request path; ` +
      `the dispatcher's Updates took ${Math.round(mean(times.executeUpdate))} ms each, behind the receipt; ` +
      `${(dbTimes.length / Math.max(1, uploads)).toFixed(1)} database calls per upload taking ` +
      `${Math.round(dbTimes.reduce((a, b) => a + b, 0) / Math.max(1, uploads))} ms (portal and dispatcher together, ` +
      `timed from the call to its answer, so waits for the event loop count too)` +
      (loadCpu
        ? `; CPU used during the load (${Math.round(e2e.result?.wallMs ?? 0)} ms on 2 cores): ${loadCpu}`
        : ''),
  );
  rows.push(e2eRow);
  const deliveryRate =
    delivery && delivery.wallMs > 0
      ? ((delivery.delivered + delivery.refused) / delivery.wallMs) * 1000
      : null;
  const deliveryP99 = delivery ? percentile(delivery.latenciesMs, 99) : NaN;
  rows.push({
    section: '5. Portal upload endpoint',
    measure: `delivery: receipt → version recorded, the inbox's dispatcher in the portal (${municipalities} answers)`,
    value: deliveryRate,
    unit: 'req/s',
    display:
      delivery && deliveryRate !== null
        ? `${deliveryRate.toFixed(1)} req/s drained; p50 ${Math.round(percentile(delivery.latenciesMs, 50))} ms, p99 ${Math.round(deliveryP99)} ms; ${delivery.delivered} delivered, ${delivery.refused} refused, ${delivery.queued} left queued`
        : `failed: ${e2e.error ?? 'nothing delivered'}`,
    target: 'all delivered, p99 < 5 s (findings on the page within seconds)',
    met: delivery !== null && delivery.queued === 0 && delivery.refused === 0 && deliveryP99 < 5000,
    note:
      "from the inbox rows' timestamps: queued (the receipt) → delivered (the Update returned, the version and its findings recorded, the email sent by the activity); drained = answers ÷ (first receipt → last delivery)" +
      (deliveryCpu ? `; CPU used from the load's end to the last delivery: ${deliveryCpu}` : '') +
      (delivery?.firstRefusal ? `; first refusal: ${delivery.firstRefusal.slice(0, 160)}` : ''),
  });
  const floorRate = floor && floor.ok > 0 ? (floor.ok / floor.wallMs) * 1000 : null;
  rows.push({
    section: '5. Portal upload endpoint',
    measure: `floor: ${municipalities} Temporal Updates answered at once by empty workflows, ${connections} callers, same server`,
    value: floorRate,
    unit: 'req/s',
    display:
      floor && floorRate !== null
        ? `${floorRate.toFixed(1)} req/s; p50 ${Math.round(percentile(floor.latenciesMs, 50))} ms, p99 ${Math.round(percentile(floor.latenciesMs, 99))} ms; ${floor.errors} errors`
        : `failed: ${floorError ?? floor?.firstError ?? '?'}`,
    note: 'the ceiling any upload that waits on a Temporal Update has on this server',
  });
  if (floorRate !== null && e2eRow.value !== null) {
    e2eRow.peer = { name: 'floor: empty Updates, row below', value: floorRate, unit: 'req/s' };
    e2eRow.ratio = floorRate / e2eRow.value;
    e2eRow.ratioNote = 'floor ÷ end to end (times slower)';
  }

  // --- the endpoint's own work, Temporal stubbed ---
  for (const mode of ['instant', 'record'] as const) {
    const q = mode === 'instant' ? '2024-Q1' : '2024-Q2';
    const stubPort = await freePort();
    const stubUrl = `http://127.0.0.1:${stubPort}`;
    const stub = await startPortal({
      port: stubPort,
      host: '127.0.0.1',
      db,
      temporal: stubClient(db, q, mode),
      config: { publicUrl: stubUrl, temporalUiUrl: null, secret: SECRET, rateLimits },
    });
    let run: LoadRun;
    try {
      const specRequests = await prepareUploads(db, stubUrl, q, codes, stubUploads, bytes);
      run = await profiled(`portal-stub-${mode}`, () =>
        load(dir.dir, `stub-${mode}`, {
          url: stubUrl,
          connections,
          timeoutMs: Math.min(boundMs, 120_000),
          expectStatus: 303,
          requests: specRequests,
        }),
      );
      // Delivered behind the receipts before the next variant: its dispatcher would take them else.
      await drainInbox(db, q, Math.min(boundMs, 120_000));
    } catch (err) {
      run = { result: null, error: String(err) };
    } finally {
      await stub.close().catch(() => {});
    }
    if (mode === 'instant' && run.result && e2eRow.value !== null && !e2eRow.peer) {
      // The end-to-end figure beside the endpoint's own work.
      const alone = (run.result.ok / run.result.wallMs) * 1000;
      e2eRow.peer = { name: 'the endpoint alone (Temporal stubbed), below', value: alone, unit: 'req/s' };
      e2eRow.ratio = alone / e2eRow.value;
      e2eRow.ratioNote = 'endpoint alone ÷ end to end (times slower)';
    }
    rows.push(
      loadRow(
        mode === 'instant'
          ? `endpoint alone (Temporal stubbed, answers at once): ${stubUploads} uploads`
          : `endpoint with recordSubmission behind it in process (no Temporal): ${stubUploads} uploads`,
        run,
        false,
        mode === 'instant'
          ? 'token, multipart, CSRF, blob + upload rows, audit row, redirect'
          : "the above; the inbox's dispatcher runs the activity the Update runs on the worker (parse, validate, store the rows) in process, behind the receipt",
      ),
    );
  }
  await db.$disconnect();
  dir.remove();
  return rows;
});
