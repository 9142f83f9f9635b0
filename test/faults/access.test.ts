// Access and integrity, where test/unit/web-tokens.test.ts leaves off. That file covers forged,
// malformed, expired, revoked, cross-municipality and cross-quarter tokens on the pages (GET) and
// on «nil» (POST). Here: the other writing routes (upload, form) with such tokens store nothing and
// reach no workflow; and the audit log — an entry edited or deleted in the database is found by
// `svodka audit verify` (exit 1), concurrent writers (the CLI and the portal at once) keep the
// chain intact on SQLite and PostgreSQL.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, entryHash, verifyAuditChain } from '../../infrastructure/audit';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { setupDatabase } from '../../infrastructure/db/setup';
import { issueToken, revokeMunicipalityTokens, tokenHash } from '../../infrastructure/tokens';
import { createCsrf } from '../../client/web/security';
import {
  createTestDb,
  fakeTemporal,
  hiddenValue,
  multipartBody,
  quarterStatus,
  testPortal,
  TEST_SECRET,
} from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';
import { wordSubmission, sampleRow } from '../fixtures/docx-builders';
import { reliability } from './report';
import { runCli } from './support';

const report = reliability('access');
afterAll(() => report.finish());

const Q = '2023-Q2';
// The audit key the test and its CLI runs share (the default would be ./data/audit.key).
process.env.SVODKA_AUDIT_KEY ??= randomBytes(32).toString('hex');

// --- the audit log -------------------------------------------------------------------------------

type AuditDb = { url: string; db: Db; close(): Promise<void> };

async function sqliteAuditDb(): Promise<AuditDb> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-audit-'));
  const url = `file:${path.join(dir, 'svodka.db')}`;
  await setupDatabase(url);
  const db = await createDb(url);
  return {
    url,
    db,
    async close() {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresAuditDb(): Promise<AuditDb> {
  const admin = process.env.TEST_POSTGRES_URL!;
  const name = `svodka_audit_${process.pid}_${Date.now().toString(36)}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  await setupDatabase(url);
  const db = await createDb(url);
  return {
    url,
    db,
    async close() {
      await db.$disconnect();
      await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

const ACTIONS = [
  'quarter.start',
  'submission',
  'submission',
  'quarter.extend',
  'submission',
  'report.approve',
];

async function fill(db: Db): Promise<void> {
  for (const [i, action] of ACTIONS.entries())
    await appendAudit(db, {
      quarter: Q,
      municipality: action === 'submission' ? 'vyazma' : null,
      action,
      actor: i % 2 ? 'vyazma' : 'coordinator',
      origin: 'test',
      detail: { version: i, accepted: true },
    });
}

const verify = (url: string) => runCli({ ...process.env, DATABASE_URL: url }, ['audit', 'verify']);

/** Since audit_append_only the database refuses edits: these tests play someone who can drop triggers. */
async function dropAuditTriggers(db: Db): Promise<void> {
  await db.$executeRawUnsafe('DROP TRIGGER IF EXISTS "AuditEntry_no_update"');
  await db.$executeRawUnsafe('DROP TRIGGER IF EXISTS "AuditEntry_no_delete"');
}

describe('audit log tampering is found by `svodka audit verify`', () => {
  let a: AuditDb;
  beforeAll(async () => {
    a = await sqliteAuditDb();
    await fill(a.db);
  });

  it('the database itself refuses to edit or delete an entry', async () => {
    await expect(a.db.$executeRawUnsafe('UPDATE "AuditEntry" SET actor = ?', 'someone-else')).rejects.toThrow(
      /append-only/,
    );
    await expect(a.db.$executeRawUnsafe('DELETE FROM "AuditEntry"')).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(a.db)).ok).toBe(true);
    await dropAuditTriggers(a.db);
  });
  afterAll(async () => {
    await a?.close();
  });

  it('an intact log verifies (exit 0)', async () => {
    const r = await verify(a.url);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`${ACTIONS.length} записей`);
  });

  it('an entry edited in the database: exit 1, naming the entry; restored, it verifies again', async () => {
    const [third] = await a.db.$queryRawUnsafe<{ id: number; detail: string }[]>(
      'SELECT id, detail FROM "AuditEntry" ORDER BY id LIMIT 1 OFFSET 2',
    );
    await a.db.$executeRawUnsafe(
      'UPDATE "AuditEntry" SET detail = ? WHERE id = ?',
      JSON.stringify({ version: 2, accepted: false }),
      third!.id,
    );
    const r = await verify(a.url);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('НАРУШЕН');
    expect(r.stdout).toContain(`запись ${third!.id}: содержимое изменено`);
    await a.db.$executeRawUnsafe('UPDATE "AuditEntry" SET detail = ? WHERE id = ?', third!.detail, third!.id);
    expect((await verifyAuditChain(a.db)).ok).toBe(true);
    report.add({ faultsInjected: 1 });
  });

  it('an entry edited with its own hash recomputed: the next entry no longer links to it', async () => {
    const [second] = await a.db.$queryRawUnsafe<{ id: number }[]>(
      'SELECT id FROM "AuditEntry" ORDER BY id LIMIT 1 OFFSET 1',
    );
    const row = (await a.db.auditEntry.findUnique({ where: { id: second!.id } }))!;
    const forged = { ...row, actor: 'someone-else', at: row.at.toISOString() };
    await a.db.auditEntry.update({
      where: { id: row.id },
      data: { actor: forged.actor, hash: entryHash(row.prevHash, forged) },
    });
    const r = await verify(a.url);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/запись \d+: цепочка прервана/);
    await a.db.auditEntry.update({ where: { id: row.id }, data: { actor: row.actor, hash: row.hash } });
    expect((await verifyAuditChain(a.db)).ok).toBe(true);
    report.add({ faultsInjected: 1 });
  });

  it('an entry deleted from the middle: exit 1, the chain broken at the next one', async () => {
    const entries = await a.db.auditEntry.findMany({ orderBy: { id: 'asc' } });
    await a.db.auditEntry.delete({ where: { id: entries[3]!.id } });
    const json = await runCli({ ...process.env, DATABASE_URL: a.url }, ['audit', 'verify', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      entries: ACTIONS.length - 1,
      problems: [expect.stringContaining(`запись ${entries[4]!.id}: цепочка прервана`)],
    });
    report.add({ faultsInjected: 1 });
  });

  // Whoever can delete rows can delete the newest ones and the chain still links: an anchor (the
  // head recorded outside the database) is what catches it.
  it('the newest entries deleted: caught with the anchor taken before', async () => {
    const fresh = await sqliteAuditDb();
    try {
      await fill(fresh.db);
      const head = (await fresh.db.auditEntry.findFirst({ orderBy: { id: 'desc' } }))!;
      await dropAuditTriggers(fresh.db);
      await fresh.db.auditEntry.deleteMany({ where: { id: { gte: head.id - 1 } } });
      expect((await verify(fresh.url)).code).toBe(0);
      const r = await runCli({ ...process.env, DATABASE_URL: fresh.url }, ['audit', 'verify', '--anchor', head.hash]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('в журнале не найден');
    } finally {
      await fresh.close();
    }
  });
});

async function concurrentAppends(a: AuditDb): Promise<void> {
  // The CLI and the portal are separate processes with connections of their own.
  const clients = [a.db, ...(await Promise.all([1, 2, 3].map(() => createDb(a.url))))];
  try {
    await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        appendAudit(clients[i % clients.length]!, {
          quarter: Q,
          municipality: 'vyazma',
          action: 'submission',
          actor: `writer-${i}`,
          origin: 'test',
        }),
      ),
    );
  } finally {
    for (const c of clients.slice(1)) await c.$disconnect();
  }
  expect(await verifyAuditChain(a.db)).toMatchObject({ ok: true, entries: 16, problems: [] });
}

/** One action retried from four processes at once (a redelivered activity, a double post). */
async function retriedAction(a: AuditDb): Promise<void> {
  const clients = [a.db, ...(await Promise.all([1, 2, 3].map(() => createDb(a.url))))];
  try {
    const wrote = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        appendAudit(clients[i % clients.length]!, {
          quarter: Q,
          municipality: 'vyazma',
          action: 'extension',
          actor: 'coordinator',
          origin: 'test',
          detail: { until: '2023-07-20' },
          actionId: 'req-extend-vyazma-1',
        }),
      ),
    );
    expect(wrote.filter(Boolean)).toHaveLength(1);
  } finally {
    for (const c of clients.slice(1)) await c.$disconnect();
  }
  const entries = await a.db.auditEntry.findMany({ where: { action: 'extension' } });
  expect(entries).toHaveLength(1);
  expect(JSON.parse(entries[0]!.detail)).toMatchObject({ actionId: 'req-extend-vyazma-1' });
  expect(await verifyAuditChain(a.db)).toMatchObject({ ok: true, entries: 1 });
}

describe('an action retried writes its audit entry once', () => {
  it('on SQLite', { timeout: 60_000 }, async () => {
    const a = await sqliteAuditDb();
    try {
      await retriedAction(a);
    } finally {
      await a.close();
    }
  });
  it('on PostgreSQL', { timeout: 60_000 }, async () => {
    const a = await postgresAuditDb();
    try {
      await retriedAction(a);
    } finally {
      await a.close();
    }
  });
});

describe('concurrent writers keep the audit chain intact', () => {
  it('on SQLite', { timeout: 60_000 }, async () => {
    const a = await sqliteAuditDb();
    try {
      await concurrentAppends(a);
    } finally {
      await a.close();
    }
  });
  it('on PostgreSQL', { timeout: 60_000 }, async () => {
    const a = await postgresAuditDb();
    try {
      await concurrentAppends(a);
    } finally {
      await a.close();
    }
  });
});

// --- tokens on the writing routes ----------------------------------------------------------------

describe('tokens that must not write: upload and form', () => {
  let t: TestDb;
  let temporal: FakeTemporal;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await createTestDb();
    temporal = fakeTemporal(t.db);
    temporal.statuses.set(Q, quarterStatus(Q));
    app = await testPortal(t.db, temporal.client, {
      rateLimits: { token: { limit: 10_000, windowMs: 60_000 } },
    });
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('forged, expired, revoked, other-quarter and mangled tokens: 404, nothing stored, no workflow reached', async () => {
    const real = await issueToken(t.db, { quarter: Q, municipality: 'vyazma' });
    const csrf = hiddenValue((await app.inject({ method: 'GET', url: `/m/${real}` })).body, '_csrf');
    const expired = await issueToken(t.db, {
      quarter: Q,
      municipality: 'vyazma',
      expiresAt: new Date(Date.now() - 1000),
    });
    const revoked = await issueToken(t.db, { quarter: Q, municipality: 'velizh' });
    await revokeMunicipalityTokens(t.db, Q, 'velizh');
    const otherQuarter = await issueToken(t.db, { quarter: '2023-Q3', municipality: 'vyazma' });
    const flipped = (real[0] === 'A' ? 'B' : 'A') + real.slice(1);
    // Each token with a form token (CSRF) that is valid for it: only the token itself is wrong.
    const csrfs = createCsrf(Buffer.from(TEST_SECRET));
    const cases: [string, string][] = [
      ['forged', 'A'.repeat(43)],
      ['one character changed', flipped],
      ['upper-cased', real.toUpperCase() === real ? real.toLowerCase() : real.toUpperCase()],
      ['with a trailing space', `${real}%20`],
      ['expired', expired],
      ['revoked', revoked],
      ['of another quarter (not started)', otherQuarter],
    ];
    const uploadsBefore = await t.db.upload.count();
    const file = await wordSubmission({ rows: [sampleRow()] });
    const form = (csrf: string) => {
      const f = new URLSearchParams({ _csrf: csrf, count: '1', action: 'submit' });
      for (const [k, v] of Object.entries(sampleRow())) f.set(`r0_${k}`, v);
      return f.toString();
    };
    let refused = 0;
    for (const [what, token] of cases) {
      const own = csrfs.forToken(tokenHash(decodeURIComponent(token)));
      const upload = await app.inject({
        method: 'POST',
        url: `/m/${token}/upload`,
        ...multipartBody({ _csrf: own }, { name: 'file', fileName: 'a.docx', bytes: file }),
      });
      expect(upload.statusCode, `${what}: upload`).toBe(404);
      const posted = await app.inject({
        method: 'POST',
        url: `/m/${token}/form`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: form(own),
      });
      expect(posted.statusCode, `${what}: form`).toBe(404);
      for (const res of [upload, posted]) expect(res.body).not.toContain('Вяземский');
      refused += 2;
    }
    expect(await t.db.upload.count()).toBe(uploadsBefore);
    expect(await t.db.formDraft.count()).toBe(0);
    expect(temporal.calls.filter((c) => c.kind === 'update')).toEqual([]);
    report.add({ badInputsTried: cases.length * 2, badInputsRejectedCleanly: refused });

    // The real token still works, so the refusals above were about the tokens.
    const ok = await app.inject({
      method: 'POST',
      url: `/m/${real}/form`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form(csrf),
    });
    expect(ok.statusCode).toBe(303);
  });
});
