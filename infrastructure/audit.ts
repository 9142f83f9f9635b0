// The append-only audit log: who did what, from where. Each entry carries the hash of the one
// before, so an edited or deleted entry breaks the chain and `svodka audit verify` finds it.
// Since the migration audit_append_only, database triggers refuse UPDATE and DELETE on the table,
// and new entries (chainVersion 2) are chained with HMAC-SHA256 under a key kept outside the
// database (audit-key.ts): whoever can write to the database still cannot rehash the chain after
// an edit. Entries written before that (chainVersion 1, plain SHA-256) are verified as they are and
// counted as unkeyed. The newest entries are protected by anchors: the chain's head recorded
// outside the database (each sign-off manifest, the daily anchor email), checked with
// `audit verify --anchor`.
import { createHash, createHmac } from 'node:crypto';
import { auditKey, auditKeyId } from './audit-key';
import { sha256Hex } from './blobs';
import type { Db } from './db/client';

export type AuditInput = {
  quarter: string | null;
  municipality: string | null;
  action: string;
  actor: string;
  origin: string;
  detail?: Record<string, unknown>;
  /**
   * The action's own id (request id, Update id, Message-ID hash). Given, the entry is written at most
   * once: the activity that does the work writes it, and a retry of that activity finds it written.
   */
  actionId?: string;
};

export const GENESIS_HASH = '0'.repeat(64);

/** The version new entries are written with: HMAC-SHA256 under the audit key. */
export const KEYED_CHAIN = 2;

type EntryFields = {
  at: string;
  quarter: string | null;
  municipality: string | null;
  action: string;
  actor: string;
  origin: string;
  detail: string;
};

/** chainVersion 1: plain SHA-256, as the log was written before the audit key existed. */
export function entryHash(prevHash: string, e: EntryFields): string {
  return createHash('sha256')
    .update(
      JSON.stringify([prevHash, e.at, e.quarter, e.municipality, e.action, e.actor, e.origin, e.detail]),
    )
    .digest('hex');
}

/** chainVersion 2: HMAC-SHA256 under the audit key, so it cannot be recomputed from the database. */
export function keyedEntryHash(key: Buffer, prevHash: string, e: EntryFields): string {
  return createHmac('sha256', key)
    .update(
      JSON.stringify([
        KEYED_CHAIN,
        prevHash,
        e.at,
        e.quarter,
        e.municipality,
        e.action,
        e.actor,
        e.origin,
        e.detail,
      ]),
    )
    .digest('hex');
}

/** A submission as stored, in one hash: its kind, status, row count and every row in order. */
export async function submissionRowsHash(db: Db, submissionId: string): Promise<string | null> {
  const submission = await db.submission.findUnique({ where: { id: submissionId } });
  if (!submission) return null;
  const rows = await db.submissionRow.findMany({ where: { submissionId }, orderBy: { position: 'asc' } });
  return createHash('sha256')
    .update(
      JSON.stringify([
        submission.kind,
        submission.status,
        submission.rowCount,
        submission.findings,
        rows.map((r) => [
          r.position,
          r.title,
          r.place,
          r.dates,
          r.purpose,
          r.participants,
          r.startDate,
          r.endDate,
          r.precision,
        ]),
      ]),
    )
    .digest('hex');
}

/**
 * What an entry about a submission adds to its detail: the submission's id, the SHA-256 of the
 * stored file (null for a form or a nil answer) and of its stored rows, so that editing either
 * later is found by `audit verify`.
 */
async function submissionEvidence(db: Db, input: AuditInput): Promise<Record<string, unknown>> {
  const version = input.detail?.version;
  if (input.action !== 'submission' || !input.quarter || !input.municipality || typeof version !== 'number')
    return {};
  const submission = await db.submission.findUnique({
    where: {
      quarter_municipality_version: { quarter: input.quarter, municipality: input.municipality, version },
    },
  });
  if (!submission) return {};
  const upload = submission.uploadId
    ? await db.upload.findUnique({ where: { id: submission.uploadId } })
    : null;
  return {
    submissionId: submission.id,
    fileSha256: upload?.blobSha256 ?? null,
    rowsSha256: await submissionRowsHash(db, submission.id),
  };
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

/** Appends the entry; with an actionId already recorded, writes nothing. Returns whether it wrote. */
export async function appendAudit(db: Db, input: AuditInput): Promise<boolean> {
  const key = auditKey()!;
  const { actionId } = input;
  if (actionId && (await db.auditEntry.findUnique({ where: { actionId } }))) return false;
  const evidence = await submissionEvidence(db, input);
  // Two writers may race for the same predecessor. Their hashes differ, so no unique index stops
  // the second one: on PostgreSQL (READ COMMITTED) both would commit and fork the chain, and
  // `svodka audit verify` would report a tampered log. There, appends take a transaction-scoped
  // advisory lock and so run one at a time; SQLite runs one writer at a time by itself.
  const serialize = await isPostgres(db);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await db.$transaction(async (tx) => {
        if (serialize) await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`);
        // Asked again under the lock: two retries of one action may both have passed the first look.
        if (actionId && (await tx.auditEntry.findUnique({ where: { actionId } }))) return false;
        const last = await tx.auditEntry.findFirst({ orderBy: { id: 'desc' } });
        const prevHash = last?.hash ?? GENESIS_HASH;
        const at = new Date();
        // The action id is in the detail too, so the chain covers it.
        const detail = JSON.stringify({
          ...(input.detail ?? {}),
          ...evidence,
          ...(actionId ? { actionId } : {}),
        });
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
          data: {
            ...fields,
            at,
            prevHash,
            hash: keyedEntryHash(key, prevHash, fields),
            chainVersion: KEYED_CHAIN,
            actionId: actionId ?? null,
          },
        });
        return true;
      });
    } catch (err) {
      if (actionId && (await db.auditEntry.findUnique({ where: { actionId } }))) return false;
      if (attempt === 4) throw err;
    }
  }
  return false;
}

/** The newest entry: what an anchor records. */
export type ChainHead = { id: number; hash: string; at: string; entries: number };

export async function chainHead(db: Db): Promise<ChainHead> {
  const [last, entries] = await Promise.all([
    db.auditEntry.findFirst({ orderBy: { id: 'desc' } }),
    db.auditEntry.count(),
  ]);
  return last
    ? { id: last.id, hash: last.hash, at: last.at.toISOString(), entries }
    : { id: 0, hash: GENESIS_HASH, at: new Date(0).toISOString(), entries: 0 };
}

export type ChainCheck = {
  ok: boolean;
  entries: number;
  problems: string[];
  /** Entries of the first, unkeyed version (written before the audit key): verifiable by anyone. */
  unkeyed?: number;
  head?: { id: number; hash: string } | null;
  keyId?: string | null;
  /** With an anchor: whether the entry it names is still in the chain. */
  anchor?: { hash: string; found: boolean } | null;
};

export type VerifyOptions = {
  /** The audit key; default: SVODKA_AUDIT_KEY or the data directory's (never created here). */
  key?: Buffer | null;
  /** A chain head recorded outside the database: the log must still hold it. */
  anchor?: string | null;
  /**
   * The last entry that may be unkeyed: those written before the upgrade. Kept outside the
   * database (SVODKA_AUDIT_UNKEYED_UNTIL), or whoever can write to it would downgrade the whole
   * chain to plain SHA-256 and rehash it. Unset: no entry may be unkeyed.
   */
  unkeyedUntil?: number | null;
};

function unkeyedUntilFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const value = Number(env.SVODKA_AUDIT_UNKEYED_UNTIL);
  return env.SVODKA_AUDIT_UNKEYED_UNTIL && Number.isInteger(value) && value >= 0 ? value : null;
}

/** Every stored file and submission that entries vouch for, checked against today's database. */
async function checkEvidence(
  db: Db,
  e: { id: number; detail: string },
  problems: string[],
  seenBlobs: Map<string, boolean>,
): Promise<void> {
  let detail: Record<string, unknown>;
  try {
    detail = JSON.parse(e.detail) as Record<string, unknown>;
  } catch {
    return;
  }
  const submissionId = typeof detail.submissionId === 'string' ? detail.submissionId : null;
  if (submissionId && typeof detail.rowsSha256 === 'string') {
    const now = await submissionRowsHash(db, submissionId);
    if (now === null) problems.push(`запись ${e.id}: версия сведений ${submissionId} удалена из базы`);
    else if (now !== detail.rowsSha256)
      problems.push(`запись ${e.id}: строки сведений ${submissionId} изменены после записи`);
  }
  for (const field of ['fileSha256', 'sha256'] as const) {
    const sha = detail[field];
    if (typeof sha !== 'string' || !/^[0-9a-f]{64}$/.test(sha)) continue;
    if (field === 'sha256' && typeof detail.reportId !== 'string') continue;
    let intact = seenBlobs.get(sha);
    if (intact === undefined) {
      const blob = await db.blob.findUnique({ where: { sha256: sha } });
      intact = blob !== null && sha256Hex(blob.bytes) === sha;
      seenBlobs.set(sha, intact);
    }
    if (!intact)
      problems.push(
        `запись ${e.id}: файл ${sha.slice(0, 16)}… ${field === 'sha256' ? '(отчет) ' : ''}изменен или удален из базы`,
      );
  }
}

export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<ChainCheck> {
  const key = options.key !== undefined ? options.key : auditKey(process.env, false);
  const entries = await db.auditEntry.findMany({ orderBy: { id: 'asc' } });
  const problems: string[] = [];
  const seenBlobs = new Map<string, boolean>();
  let prev = GENESIS_HASH;
  let unkeyed = 0;
  let keyedSeen = false;
  let missingKey = false;
  const unkeyedUntil = options.unkeyedUntil !== undefined ? options.unkeyedUntil : unkeyedUntilFromEnv();
  const lateUnkeyed: number[] = [];
  for (const e of entries) {
    if (e.prevHash !== prev)
      problems.push(`запись ${e.id}: цепочка прервана (запись перед ней удалена или изменена)`);
    const fields = { ...e, at: e.at.toISOString() };
    if (e.chainVersion === KEYED_CHAIN) {
      keyedSeen = true;
      if (!key) missingKey = true;
      else if (keyedEntryHash(key, e.prevHash, fields) !== e.hash)
        problems.push(`запись ${e.id}: содержимое изменено после записи (HMAC не совпадает)`);
    } else if (e.chainVersion === 1) {
      unkeyed++;
      // The unkeyed version is only ever a prefix: an unkeyed entry after a keyed one was forged by
      // someone who could compute a plain hash but not the HMAC.
      if (keyedSeen) problems.push(`запись ${e.id}: запись без ключа после записей с ключом — подделка`);
      else if (unkeyedUntil === null || e.id > unkeyedUntil) lateUnkeyed.push(e.id);
      if (entryHash(e.prevHash, fields) !== e.hash)
        problems.push(`запись ${e.id}: содержимое изменено после записи`);
    } else problems.push(`запись ${e.id}: неизвестная версия цепочки ${e.chainVersion}`);
    await checkEvidence(db, e, problems, seenBlobs);
    prev = e.hash;
  }
  if (lateUnkeyed.length > 0)
    problems.push(
      `записей без ключа (SHA-256, их можно пересчитать): ${lateUnkeyed.length}, № ${lateUnkeyed[0]}–${lateUnkeyed.at(-1)}. ` +
        'Если они сделаны до перехода на ключ, подтвердите это вне базы: SVODKA_AUDIT_UNKEYED_UNTIL=' +
        `${lateUnkeyed.at(-1)} (сверьте с якорем или резервной копией тех дней)`,
    );
  if (missingKey)
    problems.push('ключ журнала аудита не найден (SVODKA_AUDIT_KEY): записи с ключом проверить нельзя');
  let anchor: ChainCheck['anchor'] = null;
  if (options.anchor) {
    const found = entries.some((e) => e.hash === options.anchor) || options.anchor === GENESIS_HASH;
    anchor = { hash: options.anchor, found };
    if (!found)
      problems.push(
        `якорь ${options.anchor.slice(0, 16)}… в журнале не найден: записи до этой точки удалены или переписаны`,
      );
  }
  const last = entries.at(-1);
  return {
    ok: problems.length === 0,
    entries: entries.length,
    problems,
    unkeyed,
    head: last ? { id: last.id, hash: last.hash } : null,
    keyId: key ? auditKeyId(key) : null,
    anchor,
  };
}
