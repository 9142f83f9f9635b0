// Submissions are parsed off the main thread, in a small pool of worker threads (piscina), each
// parse with a time budget: a file that needs longer is answered with a rejection, its thread is
// terminated, and the worker's activities and heartbeats never wait on a hostile file.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { HeapInfo } from 'node:v8';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { ParseLimits, ParseResult } from './parse';

export type ParsePoolOptions = {
  /** The most one parse may take once a thread has it (SVODKA_PARSE_TIMEOUT_S, 10 s). */
  timeoutMs?: number;
  /** Threads at most (2, or 1 on a single core). */
  threads?: number;
  /** The heap one thread may use, MB (512): a file that needs more is refused, not the process. */
  heapMb?: number;
};

export type ParsePool = {
  parse(bytes: Uint8Array, limits?: ParseLimits): Promise<ParseResult>;
  /** The V8 heaps of the threads alive now (none when idle): what the pool holds of the process's memory. */
  heaps(): Promise<HeapInfo[]>;
  destroy(): Promise<void>;
};

const WORKER = fileURLToPath(new URL('./parse-worker.mjs', import.meta.url));

/** A thread that has not even started the parse this long after it was handed over is broken. */
const START_GRACE_MS = 60_000;

export function parseTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SVODKA_PARSE_TIMEOUT_S?.trim();
  if (!raw) return 10_000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(`SVODKA_PARSE_TIMEOUT_S: ожидается число секунд больше нуля, получено «${raw}»`);
  return Math.round(seconds * 1000);
}

function timeoutRejection(ms: number): ParseResult {
  const seconds = ms >= 1000 ? `${Math.round(ms / 100) / 10} с`.replace('.', ',') : `${ms} мс`;
  return {
    ok: false,
    code: 'timeout',
    message:
      `Файл не удалось прочитать за отведённое время (${seconds}): он устроен слишком сложно для ` +
      'документа с таблицей мероприятий. Проверьте, тот ли файл выбран; откройте его в Word, сохраните ' +
      'как «Документ Word (.docx)» и отправьте снова.',
  };
}

function tooHeavyRejection(): ParseResult {
  return {
    ok: false,
    code: 'too-complex',
    message:
      'Файл не удалось прочитать: для этого нужно больше памяти, чем отводится на один документ. ' +
      'Проверьте, тот ли файл выбран; уберите из документа лишнее, сохраните его как «Документ Word (.docx)» ' +
      'и отправьте снова.',
  };
}

export function createParsePool(options: ParsePoolOptions = {}): ParsePool {
  const timeoutMs = options.timeoutMs ?? parseTimeoutMs();
  const threads = options.threads ?? Math.max(1, Math.min(2, availableParallelism() - 1));
  const pool = new Piscina({
    filename: WORKER,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? 512 },
  });
  // The budget runs from when a thread takes the file, not while it waits its turn: at most
  // `threads` parses are handed to the pool at once, the rest wait here.
  let running = 0;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    if (running < threads) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  return {
    async parse(bytes, limits) {
      await acquire();
      const abort = new AbortController();
      let overBudget = false;
      // A thread that never starts is an infrastructure failure (thrown, retried), not the file's.
      let timer = setTimeout(() => abort.abort(), START_GRACE_MS + timeoutMs);
      const { port1, port2 } = new MessageChannel();
      port1.once('message', () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          overBudget = true;
          abort.abort();
        }, timeoutMs);
      });
      try {
        return (await pool.run(
          { bytes, limits, started: port2 },
          { signal: abort.signal, transferList: [port2] },
        )) as ParseResult;
      } catch (error) {
        if (overBudget) return timeoutRejection(timeoutMs);
        const code = (error as { code?: string }).code;
        if (code === 'ERR_WORKER_OUT_OF_MEMORY') return tooHeavyRejection();
        throw error;
      } finally {
        clearTimeout(timer);
        port1.close();
        release();
      }
    },
    async heaps() {
      // A thread may end between listing it and asking it.
      const stats = await Promise.all(pool.threads.map((t) => t.getHeapStatistics().catch(() => null)));
      return stats.filter((h) => h !== null);
    },
    async destroy() {
      await pool.destroy();
    },
  };
}

let shared: ParsePool | null = null;

/** The process's pool, started on first use. */
export function sharedParsePool(): ParsePool {
  shared ??= createParsePool();
  return shared;
}

/** Parses a submission in the shared pool: never on the calling thread. */
export function parseSubmissionOffThread(bytes: Uint8Array, limits?: ParseLimits): Promise<ParseResult> {
  return sharedParsePool().parse(bytes, limits);
}
