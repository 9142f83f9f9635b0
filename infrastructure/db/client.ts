// One Prisma client type for both providers: the two generated clients come from the same models,
// so the PostgreSQL one is used through the SQLite one's type.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaClient } from '../../generated/prisma-sqlite/client';
import { databaseProvider, databaseUrl, sqlitePath } from './settings';

export type Db = PrismaClient;
export type { Prisma } from '../../generated/prisma-sqlite/client';

/** The URL each client createDb made was opened with: another process may open the same database. */
const urls = new WeakMap<Db, string>();

/** The URL the client was opened with, when createDb made it (undefined for a test's stand-in). */
export function databaseUrlOf(db: Db): string | undefined {
  return urls.get(db);
}

export async function createDb(url: string = databaseUrl()): Promise<Db> {
  const db = await openDb(url);
  urls.set(db, url);
  return db;
}

async function openDb(url: string): Promise<Db> {
  if (databaseProvider(url) === 'postgresql') {
    const [{ PrismaClient: PgClient }, { PrismaPg }] = await Promise.all([
      import('../../generated/prisma-postgresql/client'),
      import('@prisma/adapter-pg'),
    ]);
    return new PgClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
  }
  const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
  const file = sqlitePath(url);
  mkdirSync(path.dirname(file), { recursive: true });
  // Several processes share the file (worker, CLI, portal): wait for locks rather than fail, and
  // let readers proceed while one writes (WAL).
  const db = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 30_000 }) });
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  return oneAtATime(db);
}

/** SQLite's "database is locked" as the adapter reports it (SQLITE_BUSY → SocketTimeout, P1008). */
export function isBusy(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return (
    e?.code === 'P1008' || /Operation has timed out|SQLITE_BUSY|database is locked/i.test(e?.message ?? '')
  );
}

/**
 * The database cannot be reached or refuses connections (PostgreSQL down, restarting, or closed to
 * connections; Prisma's P1001/P1002/P1017): a matter of waiting, not of the request.
 */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: { originalCode?: string } } | null;
  if (['P1001', 'P1002', 'P1017'].includes(e?.code ?? '')) return true;
  if (['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006'].includes(e?.cause?.originalCode ?? ''))
    return true;
  return /not currently accepting connections|the database system is (starting up|shutting down)|ECONNREFUSED|Connection terminated|terminating connection due to administrator command|Can't reach database server/i.test(
    e?.message ?? '',
  );
}

/**
 * What to tell a person about an unavailable database, in one line: the error's own message, or,
 * when the driver adapter left it empty (Prisma 7 with PostgreSQL refusing connections), the
 * driver's message or code underneath. Empty when there is nothing to add.
 */
export function unavailableReason(err: unknown): string {
  const e = err as {
    message?: string;
    code?: string;
    cause?: { originalMessage?: string; originalCode?: string };
  } | null;
  const candidates = [e?.message, e?.cause?.originalMessage, e?.cause?.originalCode, e?.code];
  return candidates.map((c) => (c ?? '').split('\n')[0]!.trim()).find((c) => c.length > 0) ?? '';
}

/**
 * In WAL mode a transaction that read before writing gets SQLITE_BUSY at once (not after the busy
 * timeout) when another process wrote in between; the cure is to run it again.
 */
export async function retryBusy<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isBusy(err) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }
}

/** Runs callbacks one after another, in the order they asked. */
class Turns {
  private last: Promise<unknown> = Promise.resolve();
  take<T>(fn: () => Promise<T>): Promise<T> {
    const mine = this.last.then(fn);
    this.last = mine.catch(() => undefined);
    return mine;
  }
}

/**
 * The SQLite client as every process uses it. The adapter keeps one connection per client, and its
 * transactions take turns with each other but not with plain queries: a query sent while another
 * activity's transaction is open runs inside it — reading that transaction's old snapshot (an
 * upload the portal had just stored looked missing) and rolled back with it if it fails. So every
 * query and transaction takes its turn; a transaction's own queries run within its turn. SQLite has
 * one writer at a time anyway. SQLITE_BUSY from other processes is retried (see retryBusy).
 */
function oneAtATime(db: PrismaClient): Db {
  const turns = new Turns();
  const inTransaction = new AsyncLocalStorage<true>();
  const extended = db.$extends({
    query: {
      async $allOperations({ args, query }) {
        if (inTransaction.getStore()) return query(args);
        return retryBusy(() => turns.take(() => query(args)));
      },
    },
  });
  const transaction = extended.$transaction.bind(extended) as (...a: unknown[]) => Promise<unknown>;
  const run = (arg: unknown, options?: unknown) =>
    turns.take(() => inTransaction.run(true, () => transaction(arg, options)));
  // Interactive transactions are retried whole: a statement alone cannot be retried inside one.
  return Object.assign(extended, {
    $transaction: (arg: unknown, options?: unknown) =>
      typeof arg === 'function' ? retryBusy(() => run(arg, options)) : run(arg, options),
  }) as unknown as Db;
}
