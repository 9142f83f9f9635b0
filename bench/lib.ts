// What every part of the benchmark shares: result rows, statistics, child processes (each section,
// each worker and each render runs in its own process, for clean timings and peak memory), the
// embedded Temporal dev server on free ports, and a counting SMTP sink.
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { startDevServer, waitForTemporal } from '../worker/dev-server';
import { resolveTemporalCli } from '../worker/temporal-cli';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../worker/node-flags';
import { SEARCH_ATTRIBUTES } from '../workflows/api';
import type { DevServer } from '../worker/dev-server';
import { freePort } from '../test/support/stack';
import type { ServiceProcess } from '../scripts/topology/process';
import { startTemporalCluster } from '../scripts/topology/temporal-cluster';

export { freePort };

export const repoRoot = path.resolve(import.meta.dirname, '..');
export const runner = path.join(repoRoot, 'bin/run.js');
export const profileDir = path.join(repoRoot, 'bench/profiles');
/** The task queue of the empty floor workflows (bench/floor-workflows.ts). */
export const FLOOR_TASK_QUEUE = 'bench-floor';
/** Section 2's bound unless BENCH_NATIONAL_TIMEOUT_S says otherwise: room for a 20,000 quarter to complete. */
export const NATIONAL_BOUND_S = envInt('BENCH_NATIONAL_TIMEOUT_S', 5400);

/** One line of the table: Svodka's figure, its peer or floor measured in the same run, their ratio. */
export type Row = {
  section: string;
  measure: string;
  value: number | null;
  unit: string;
  /** Text shown instead of the value (e.g. an error). */
  display?: string;
  peer?: { name: string; value: number | null; unit: string; display?: string };
  /** value / peer.value, or as the row defines it (said in `ratioNote`). */
  ratio?: number | null;
  ratioNote?: string;
  target?: string;
  met?: boolean | null;
  note?: string;
  /** Every repetition, when the value is a median. */
  runs?: number[];
};

export const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v}: expected a non-negative number`);
  return Math.floor(n);
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `svodka-bench-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

/**
 * Node flags for a child: with BENCH_PROFILE=1, --cpu-prof into bench/profiles/<name>/ (one file
 * per thread: a worker's workflows run in worker threads).
 */
export function profileArgs(name: string): string[] {
  if (process.env.BENCH_PROFILE !== '1') return [];
  const dir = path.join(profileDir, name);
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', dir];
}

/** Forks `node bin/run.js script args…` with an IPC channel. */
export function forkTs(
  script: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; execArgv?: string[]; silent?: boolean } = {},
): ChildProcess {
  return fork(runner, [path.join(repoRoot, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    execArgv: options.execArgv ?? [],
    // A child's stdout goes to our stderr: stdout carries only results.
    stdio: ['ignore', options.silent ? 'ignore' : 2, 2, 'ipc'],
  });
}

/** Runs a child to completion and returns the first message it sends; kills it after timeoutMs. */
export function runChild<T>(
  script: string,
  args: string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv; execArgv?: string[] },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = forkTs(script, args, options);
    let message: T | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.once('message', (m) => {
      message = m as T;
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`timed out after ${Math.round(options.timeoutMs / 1000)} s`));
      else if (message !== undefined) resolve(message);
      else reject(new Error(`${script} exited with ${code ?? signal} and no result`));
    });
  });
}

/** A child process's side of runChild: send the result (or the error) and exit. */
export async function childMain<T>(fn: () => Promise<T>): Promise<void> {
  if (!process.send) {
    // Run by hand: print the result.
    console.log(JSON.stringify(await fn(), null, 2));
    process.exit(0);
  }
  try {
    const result = await fn();
    await new Promise<void>((resolve) => process.send!({ ok: true, result }, () => resolve()));
    process.exit(0);
  } catch (err) {
    const error = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
    await new Promise<void>((resolve) => process.send!({ ok: false, error }, () => resolve()));
    process.exit(1);
  }
}

export type ChildReply<T> = { ok: true; result: T } | { ok: false; error: string };

export async function runChildResult<T>(
  script: string,
  args: string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv; execArgv?: string[] },
): Promise<T> {
  const reply = await runChild<ChildReply<T>>(script, args, options);
  if (!reply.ok) throw new Error(reply.error);
  return reply.result;
}

// --- Temporal ---------------------------------------------------------------------------------

export type BenchServer = DevServer & { pid: number | null; variant: string };

/** The pid of the dev server listening on `port` (its command line names the port). */
function findServerPid(port: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = args.indexOf('--port');
      if (args.includes('start-dev') && at >= 0 && args[at + 1] === String(port)) return Number(entry);
    } catch {
      // gone
    }
  }
  return null;
}

/** CPU time (user + system) a process has used so far, ms; null when unknown. */
export function processCpuMs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat; after the command they are at 11 and 12.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/**
 * The production engine, as `npm run topology` runs it: the Temporal server built from Go on a
 * private PostgreSQL, its frontend on mTLS (clients take `clientEnv`: TEMPORAL_TLS_*).
 */
export async function startPostgresTemporal(
  dir: string,
  log: (line: string) => void = () => {},
): Promise<BenchServer & { clientEnv: Record<string, string> }> {
  // PostgreSQL runs as its own user and must walk into the bench's (private) directory.
  chmodSync(dir, 0o755);
  const stateDir = path.join(dir, 'temporal-pg');
  const procs: ServiceProcess[] = [];
  const password = () => randomBytes(12).toString('base64url');
  const cluster = await startTemporalCluster({
    stateDir,
    logDir: path.join(stateDir, 'logs'),
    log,
    passwords: { postgres: password(), temporal: password() },
    keep: (p) => procs.push(p),
  });
  return {
    address: cluster.address,
    uiUrl: null,
    route: 'env',
    pid: cluster.temporal.pid() ?? null,
    variant: 'Temporal server v1.32.1 built from Go, on PostgreSQL (persistence and visibility), mTLS',
    clientEnv: cluster.clientEnv,
    async stop() {
      for (const p of procs.reverse()) await p.stop();
    },
  };
}

/**
 * The embedded dev server as Svodka starts it (worker/dev-server.ts: a persistent SQLite file), or
 * with `pragmas`, the same CLI and file with SQLite in WAL mode and synchronous=NORMAL — to show
 * what the dev server's storage settings cost.
 */
export async function startTemporal(dir: string, options: { pragmas?: boolean } = {}): Promise<BenchServer> {
  const port = await freePort();
  const uiPort = await freePort();
  const dbFile = path.join(dir, options.pragmas ? 'temporal-wal.db' : 'temporal.db');
  if (!options.pragmas) {
    const server = await startDevServer({ port, uiPort, dbFile, ui: false });
    return { ...server, pid: findServerPid(port), variant: 'embedded dev server (worker/dev-server.ts)' };
  }
  const cli = resolveTemporalCli({ install: false });
  if (!cli.path) throw new Error('no Temporal CLI for the pragma variant');
  const child = spawn(
    cli.path,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--headless',
      '--log-level',
      'error',
      '--db-filename',
      dbFile,
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
      ...SEARCH_ATTRIBUTES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `127.0.0.1:${port}`;
  await waitForTemporal(address);
  return {
    address,
    uiUrl: null,
    route: cli.route,
    pid: child.pid ?? null,
    variant: 'same CLI, SQLite journal_mode=wal, synchronous=normal',
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type WorkerStats = {
  /** Peak resident set of the worker process over its whole life (getrusage), MB. */
  maxRssMb: number;
  /** Highest RSS sampled every 200 ms once the worker was ready (after bundling), MB. */
  peakRunRssMb: number;
  /** RSS when the worker became ready, MB. */
  readyRssMb: number;
  /** Peak V8 heap used, sampled, MB. */
  peakHeapMb: number;
  /** At the sample of highest RSS: the main thread's V8 heap (total) and its external memory (Buffers,
   * WebAssembly such as Prisma's query compiler), MB; the rest of RSS is the workflow thread and the
   * SDK's Rust core. */
  atPeak?: { heapTotalMb: number; externalMb: number; cachedWorkflows: number; afterS: number };
  /** How long the main thread's event loop was held up (activities run there, and every
   * activation passes through it on its way to the workflow thread): p99 and max, ms. */
  loopDelay?: { p99Ms: number; maxMs: number };
  bundleMs: number;
  /** The largest peak RSS of a process the worker started to render a large report, MB (0: none). */
  renderChildMaxRssMb?: number;
  /** CPU time (user + system, every thread) the worker used after it was ready, ms. */
  cpuMs: number;
  /** The SDK core's own counters over the worker's life (its Prometheus metrics). */
  core?: CoreCounters;
};

/**
 * What the SDK core counted: workflow tasks by workflow type, workflow-cache misses
 * (a task for an execution no longer cached: its history is fetched and replayed), and how long
 * tasks waited between being scheduled and a worker starting them.
 */
export type CoreCounters = {
  workflowTasks: Record<string, number>;
  cacheMisses: number;
  scheduleToStartMs: { sum: number; count: number };
};

export type WorkerProcess = { stop(): Promise<WorkerStats>; child: ChildProcess };

/**
 * A worker in its own process (bench/worker-child.ts): 'svodka' is createSvodkaWorker as
 * production runs it; 'floor' bundles bench/floor-workflows.ts on its own task queue.
 */
export async function spawnWorker(
  kind: 'svodka' | 'floor',
  env: NodeJS.ProcessEnv,
  name: string = kind,
): Promise<WorkerProcess> {
  const profile = profileArgs(`worker-${name}`);
  // The core's counters (CoreCounters) come from its Prometheus endpoint, on a port of this worker's own.
  const metricsPort = await freePort();
  // Both workers run as docker-compose runs Svodka's: the floor under the same heap ceiling.
  const child = forkTs('bench/worker-child.ts', [kind], {
    env: {
      ...WORKER_ENV,
      ...env,
      BENCH_METRICS_PORT: String(metricsPort),
      ...(profile.length ? { BENCH_PROFILE_DIR: profile[2] } : {}),
    },
    execArgv: [...WORKER_NODE_FLAGS, ...profile],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type: string; error?: string }) => {
      if (m.type === 'ready') resolve();
      if (m.type === 'error') reject(new Error(m.error));
    });
    void exited.then((code) => reject(new Error(`worker ${kind} exited (${code}) before it was ready`)));
  });
  await ready;
  return {
    child,
    async stop() {
      const stats = new Promise<WorkerStats>((resolve, reject) => {
        child.on('message', (m: { type: string; stats?: WorkerStats }) => {
          if (m.type === 'stats') resolve(m.stats!);
        });
        void exited.then(() => reject(new Error(`worker ${kind} exited without stats`)));
      });
      if (child.exitCode === null) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      try {
        return await stats;
      } finally {
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

// --- SMTP -------------------------------------------------------------------------------------

export type CountingSink = {
  url: string;
  port: number;
  count(): number;
  stop(): Promise<void>;
};

/**
 * An SMTP server on loopback that keeps nothing: it counts messages and hands the first 4 KiB of
 * each (the headers) to onMessage.
 */
export async function startCountingSink(onMessage?: (head: string) => void): Promise<CountingSink> {
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 50 * 1024 * 1024,
    maxClients: 1000,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('latin1', 0, Math.min(chunk.length, 4096));
      });
      stream.on('end', () => {
        count++;
        callback();
        onMessage?.(head);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    count: () => count,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function fmtMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/**
 * With BENCH_PROFILE=1, a CPU profile of this process's main thread while fn runs (the inspector's
 * Profiler), written to bench/profiles/<name>.cpuprofile; otherwise just fn.
 */
export async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (process.env.BENCH_PROFILE !== '1') return fn();
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(path.join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
