// The append-only audit log: who did what, from where. Each entry carries the hash of the one
// before, so an edited or deleted entry breaks the chain and `svodka audit verify` finds it.
import { createHash } from 'node:crypto';
import type { Db } from './db/client';

export type AuditInput = {
  quarter: string | null;
  municipality: string | null;
  action: string;
  actor: string;
  origin: string;
  detail?: Record<string, unknown>;
};

export const GENESIS_HASH = '0'.repeat(64);

export function entryHash(
  prevHash: string,
  e: {
    at: string;
    quarter: string | null;
    municipality: string | null;
    action: string;
    actor: string;
    origin: string;
    detail: string;
  },
): string {
  return createHash('sha256')
    .update(
      JSON.stringify([prevHash, e.at, e.quarter, e.municipality, e.action, e.actor, e.origin, e.detail]),
    )
    .digest('hex');
}

/** Whether a client talks to PostgreSQL (asked once per client: SQLite has no version()). */
const postgres = new WeakMap<object, Promise<boolean>>();
function isPostgres(db: Db): Promise<boolean> {
  let known = postgres.get(db);
  if (!known) {
    known = db.$queryRawUnsafe<{ v: string }[]>('SELECT version() AS v').then(
      (rows) => /postgres/i.test(String(rows[0]?.v ?? '')),
      () => false,
    );
    postgres.set(db, known);
  }
  return known;
}

/** Any constant will do: it names the audit log's lock among PostgreSQL's advisory locks. */
const AUDIT_LOCK = 7_311_978;

export async function appendAudit(db: Db, input: AuditInput): Promise<void> {
  // Two writers may race for the same predecessor. Their hashes differ, so no unique index stops
  // the second one: on PostgreSQL (READ COMMITTED) both would commit and fork the chain, and
  // `svodka audit verify` would report a tampered log. There, appends take a transaction-scoped
  // advisory lock and so run one at a time; SQLite runs one writer at a time by itself.
  const serialize = await isPostgres(db);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await db.$transaction(async (tx) => {
        if (serialize) await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`);
        const last = await tx.auditEntry.findFirst({ orderBy: { id: 'desc' } });
        const prevHash = last?.hash ?? GENESIS_HASH;
        const at = new Date();
        const detail = JSON.stringify(input.detail ?? {});
        const fields = {
          at: at.toISOString(),
          quarter: input.quarter,
          municipality: input.municipality,
          action: input.action,
          actor: input.actor,
          origin: input.origin,
          detail,
        };
        await tx.auditEntry.create({
          data: { ...fields, at, prevHash, hash: entryHash(prevHash, fields) },
        });
      });
      return;
    } catch (err) {
      if (attempt === 4) throw err;
    }
  }
}

export type ChainCheck = { ok: boolean; entries: number; problems: string[] };

export async function verifyAuditChain(db: Db): Promise<ChainCheck> {
  const entries = await db.auditEntry.findMany({ orderBy: { id: 'asc' } });
  const problems: string[] = [];
  let prev = GENESIS_HASH;
  for (const e of entries) {
    if (e.prevHash !== prev)
      problems.push(`запись ${e.id}: цепочка прервана (запись перед ней удалена или изменена)`);
    const expected = entryHash(e.prevHash, { ...e, at: e.at.toISOString() });
    if (expected !== e.hash) problems.push(`запись ${e.id}: содержимое изменено после записи`);
    prev = e.hash;
  }
  return { ok: problems.length === 0, entries: entries.length, problems };
}
