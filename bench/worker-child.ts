// A worker in its own process, so its memory is its own: `svodka` (createSvodkaWorker, as
// production runs it) or `floor` (the empty workflows of bench/floor-workflows.ts on their own
// task queue). Speaks to bench/lib.ts spawnWorker over IPC: 'ready', then 'stop' → 'stats'.
// Environment: BENCH_TEMPORAL, DATABASE_URL and SMTP_URL (svodka), plus what the activities read.
import { temporalTls } from '../client/temporal-tls';
import { sharedParsePool } from '../infrastructure/docx/parse-pool';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { writeHeapSnapshot } from 'node:v8';
import type { HeapInfo } from 'node:v8';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/worker';
import { createSvodkaWorker } from '../worker/worker';
import { renderChildPeakRssMb } from '../infrastructure/docx/render-process';
import { FLOOR_TASK_QUEUE } from './lib';
import type { CoreCounters, WorkerStats } from './lib';

const kind = process.argv[2];
const address = process.env.BENCH_TEMPORAL!;

/** The SDK core's Prometheus endpoint for this worker, on a port spawnWorker picked (0: none). */
const metricsPort = Number(process.env.BENCH_METRICS_PORT ?? 0);

/** The runtime createSvodkaWorker would install (its log level), with the core's metrics served. */
function installRuntimeWithMetrics(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger((process.env.SVODKA_LOG_LEVEL || 'WARN').toUpperCase() as LogLevel),
      ...(metricsPort > 0
        ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } } }
        : {}),
    });
  } catch {
    // installed already
  }
}

/** The core's workflow-cache and workflow-task counters, read from its Prometheus endpoint. */
async function coreCounters(): Promise<CoreCounters | undefined> {
  if (metricsPort <= 0) return undefined;
  const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
  const counters: CoreCounters = {
    workflowTasks: {},
    cacheMisses: 0,
    scheduleToStartMs: { sum: 0, count: 0 },
  };
  for (const line of text.split('\n')) {
    const m = /^temporal_(\w+?)(?:\{([^}]*)\})? ([0-9.e+-]+)$/.exec(line);
    if (!m) continue;
    const [, name, labels = '', raw] = m;
    const value = Number(raw);
    const type = /workflow_type="([^"]+)"/.exec(labels)?.[1] ?? '?';
    if (name === 'workflow_task_execution_latency_count')
      counters.workflowTasks[type] = (counters.workflowTasks[type] ?? 0) + value;
    else if (name === 'sticky_cache_miss') counters.cacheMisses += value;
    else if (name === 'workflow_task_schedule_to_start_latency_sum') counters.scheduleToStartMs.sum += value;
    else if (name === 'workflow_task_schedule_to_start_latency_count')
      counters.scheduleToStartMs.count += value;
  }
  return counters;
}

async function main(): Promise<void> {
  const started = performance.now();
  installRuntimeWithMetrics();
  let worker: Worker;
  let close: () => Promise<void>;
  if (kind === 'svodka') {
    const handle = await createSvodkaWorker({
      address,
      databaseUrl: process.env.DATABASE_URL,
      smtpUrl: process.env.SMTP_URL,
    });
    worker = handle.worker;
    close = handle.close;
  } else if (kind === 'floor') {
    // TEMPORAL_TLS_*: the production server (bench section 7) speaks mTLS only.
    const connection = await NativeConnection.connect({ address, tls: temporalTls() });
    worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue: FLOOR_TASK_QUEUE,
      workflowsPath: path.resolve(import.meta.dirname, 'floor-workflows.ts'),
    });
    close = () => connection.close();
  } else {
    throw new Error(`unknown worker kind ${kind}`);
  }
  const bundleMs = performance.now() - started;
  const readyRss = process.memoryUsage().rss;
  const readyCpu = process.cpuUsage();
  // With BENCH_PROFILE=1: when the worker became ready, on the profiles' clock (CLOCK_MONOTONIC,
  // µs), so bench/profile-top.ts can leave out start-up and bundling.
  if (process.env.BENCH_PROFILE_DIR)
    writeFileSync(
      path.join(process.env.BENCH_PROFILE_DIR, `ready-${process.pid}.json`),
      JSON.stringify({ readyUs: Number(process.hrtime.bigint() / 1000n) }),
    );
  let peakRss = readyRss;
  let peakHeap = process.memoryUsage().heapUsed;
  let atPeak: WorkerStats['atPeak'];
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const heapsText = (heaps: HeapInfo[]) =>
    heaps.length
      ? `${heaps.map((h) => `${mb(h.used_heap_size)}/${mb(h.total_heap_size)}`).join(', ')} MB`
      : 'none';
  // Of the RSS, what is anonymous memory (heaps, the SDK core's and glibc's) and what is mapped from
  // files (the node binary, native modules): only the first grows with a quarter (Linux only).
  const rssSplit = (): string => {
    try {
      const status = readFileSync('/proc/self/status', 'utf8');
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
      const [anon, file] = [kb('RssAnon'), kb('RssFile')];
      return Number.isNaN(anon)
        ? ''
        : ` (anonymous ${Math.round(anon / 1024)}, files ${Math.round(file / 1024)})`;
    } catch {
      return '';
    }
  };
  const readyAt = performance.now();
  // BENCH_RSS_LOG_S=N: every N seconds a line of RSS, the V8 heaps (main, workflow thread, parse
  // threads) and cached executions on stderr, to see when the worker grows (diagnostics only).
  const logEveryMs = Number(process.env.BENCH_RSS_LOG_S ?? 0) * 1000;
  let loggedAt = readyAt;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    const afterS = Math.round((performance.now() - readyAt) / 1000);
    const cachedWorkflows = worker.getStatus().numCachedWorkflows;
    if (logEveryMs > 0 && performance.now() - loggedAt >= logEveryMs) {
      loggedAt = performance.now();
      void Promise.all([workflowThreadHeaps(worker), sharedParsePool().heaps()]).then(([heaps, parse]) =>
        console.error(
          `[bench] worker ${kind} +${afterS} s: RSS ${mb(m.rss)} MB${rssSplit()}, main heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} MB, external ${mb(m.external)} MB, workflow thread heap ${heapsText(heaps)}, parse threads ${heapsText(parse)}, ${cachedWorkflows} cached`,
        ),
      );
    }
    if (m.rss > peakRss)
      atPeak = { heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), cachedWorkflows, afterS };
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 200);
  // BENCH_HEAP_SNAPSHOT_S=N: N seconds after ready, heap snapshots of the main thread and of the
  // workflow thread (reached through the SDK's internals; diagnostics only) into BENCH_PROFILE_DIR or
  // the temp directory, for bench/heap-top.ts.
  const snapshotAfterS = Number(process.env.BENCH_HEAP_SNAPSHOT_S ?? 0);
  if (snapshotAfterS > 0)
    setTimeout(() => void writeHeapSnapshots(worker, kind!), snapshotAfterS * 1000).unref();
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const running = worker.run();
  process.send!({ type: 'ready' });
  await new Promise<void>((resolve) => {
    process.on('message', (m: { type: string }) => {
      if (m.type === 'stop') resolve();
    });
    process.on('disconnect', () => resolve());
    void running.then(
      () => resolve(),
      (err: unknown) => {
        console.error(`[bench] worker ${kind} failed:`, err);
        resolve();
      },
    );
  });
  clearInterval(sampler);
  loop.disable();
  const core = await coreCounters().catch((err: unknown) => {
    console.error(`[bench] worker ${kind}: no core metrics: ${String(err)}`);
    return undefined;
  });
  const cpu = process.cpuUsage(readyCpu);
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running.catch(() => {});
  await close();
  const stats: WorkerStats = {
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    peakRunRssMb: mb(peakRss),
    readyRssMb: mb(readyRss),
    peakHeapMb: mb(peakHeap),
    atPeak,
    loopDelay: { p99Ms: Math.round(loop.percentile(99) / 1e6), maxMs: Math.round(loop.max / 1e6) },
    bundleMs: Math.round(bundleMs),
    renderChildMaxRssMb: renderChildPeakRssMb(),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    core,
  };
  if (process.connected)
    await new Promise<void>((resolve) => process.send!({ type: 'stats', stats }, () => resolve()));
  process.exit(0);
}

type ThreadInternals = { workflowCreator?: { workerThreadClients?: { workerThread: ThreadWorker }[] } };

/** The SDK's workflow threads (reached through its internals; diagnostics only). */
function workflowThreads(worker: Worker): ThreadWorker[] {
  return ((worker as unknown as ThreadInternals).workflowCreator?.workerThreadClients ?? []).map(
    (c) => c.workerThread,
  );
}

async function workflowThreadHeaps(worker: Worker) {
  return Promise.all(workflowThreads(worker).map((t) => t.getHeapStatistics()));
}

async function writeHeapSnapshots(worker: Worker, name: string): Promise<void> {
  const dir = process.env.BENCH_PROFILE_DIR ?? tmpdir();
  const stamp = Date.now();
  const mainFile = path.join(dir, `heap-${name}-main-${stamp}.heapsnapshot`);
  writeHeapSnapshot(mainFile);
  console.error(`[bench] heap snapshot ${mainFile}`);
  for (const [i, thread] of workflowThreads(worker).entries()) {
    const file = path.join(dir, `heap-${name}-workflows${i}-${stamp}.heapsnapshot`);
    const stream = await thread.getHeapSnapshot();
    await pipeline(stream, createWriteStream(file));
    console.error(`[bench] heap snapshot ${file}`);
  }
}

main().catch((err: unknown) => {
  process.send?.({ type: 'error', error: String(err instanceof Error ? err.stack : err) });
  process.exit(1);
});
