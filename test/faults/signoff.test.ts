// Sign-off that stands up to an auditor who trusts neither the server nor its database: the signed
// manifest and the official's GOST signature verified from the files alone (the CLI with no
// database and no Temporal), and an audit log that the database refuses to rewrite, keyed so it
// cannot be rehashed, anchored so it cannot be cut, vouching for the stored rows and files.
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendAudit,
  entryHash,
  GENESIS_HASH,
  keyedEntryHash,
  verifyAuditChain,
} from '../../infrastructure/audit';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { setupDatabase } from '../../infrastructure/db/setup';
import { canonicalJson, signManifest } from '../../infrastructure/manifest';
import type { SignedManifest } from '../../infrastructure/manifest';
import { compileReport, loadRegistry } from '../../activities/reports';
import { generateSigningKeys } from '../../infrastructure/signing';
import { recordSubmission } from '../../activities/submissions';
import { sampleRow } from '../fixtures/docx-builders';
import { createTestCa } from '../support/gost-ca';
import type { TestCa } from '../support/gost-ca';
import { runCli } from './support';

const Q = '2023-Q2';
const dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-signoff-'));
const keys = generateSigningKeys();
const otherKeys = generateSigningKeys();
const keyFile = path.join(dir, 'signing.pem');
const pubFile = path.join(dir, 'signing.pub.pem');
const otherPub = path.join(dir, 'other.pub.pem');
writeFileSync(keyFile, keys.privatePem);
writeFileSync(pubFile, keys.publicPem);
writeFileSync(otherPub, otherKeys.publicPem);
const auditKeyValue = randomBytes(32).toString('hex');
process.env.SVODKA_SIGNING_KEY = keyFile;
process.env.SVODKA_AUDIT_KEY = auditKeyValue;

/** A machine with nothing of Svodka's but the files: no database, no Temporal, no keys but the public one. */
const cleanMachine: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: dir,
  DATABASE_URL: 'postgresql://nobody:nothing@127.0.0.1:1/none',
  TEMPORAL_ADDRESS: '127.0.0.1:1',
  SVODKA_DATA_DIR: path.join(dir, 'clean'),
};

let db: Db;
let url: string;
let ca: TestCa;
let docxFile: string;
let manifestFile: string;
let docx: Buffer;

beforeAll(async () => {
  url = `file:${path.join(dir, 'svodka.db')}`;
  await setupDatabase(url);
  db = await createDb(url);
  ca = createTestCa();
  const files = createDbBlobStore(db);
  // An answer with rows, its audit entry; then the sign-off as the worker's activity does it.
  await recordSubmission(db, files, {
    quarter: Q,
    municipality: 'vyazma',
    version: 1,
    payload: { kind: 'rows', rows: [sampleRow()], channel: 'form', actor: 'vyazma' },
  });
  await appendAudit(db, {
    quarter: Q,
    municipality: 'vyazma',
    action: 'submission',
    actor: 'vyazma',
    origin: 'test',
    detail: { version: 1, accepted: true },
  });
  const registry = await loadRegistry(db);
  const result = await compileReport(db, files, {
    quarter: Q,
    kind: 'final',
    entries: registry.map((m) =>
      m.code === 'vyazma'
        ? { code: m.code, state: 'accepted', submissionId: `${Q}/vyazma/v1`, nil: false }
        : { code: m.code, state: 'not_submitted', submissionId: null, nil: false },
    ),
    signOff: {
      signer: 'И. И. Иванов',
      position: 'Начальник департамента',
      date: '2023-07-20',
      actor: 'coordinator',
    } as never,
  });
  await appendAudit(db, {
    quarter: Q,
    municipality: null,
    action: 'report.approve',
    actor: 'coordinator',
    origin: 'test',
    detail: { ...result },
  });
  docxFile = path.join(dir, 'итог.docx');
  manifestFile = path.join(dir, 'итог.manifest.json');
  docx = Buffer.from((await db.blob.findUniqueOrThrow({ where: { sha256: result.sha256 } })).bytes);
  writeFileSync(docxFile, docx);
  const report = await db.report.findUniqueOrThrow({ where: { id: result.reportId } });
  writeFileSync(manifestFile, report.manifest!);
});

afterAll(async () => {
  await db?.$disconnect();
  ca?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const verifyOffline = (args: string[]) => runCli(cleanMachine, ['report', 'verify', ...args]);

describe('the signed manifest, checked on a clean machine', () => {
  it('names the quarter, the account that signed off, the DOCX hash and the audit head', async () => {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as SignedManifest;
    expect(manifest).toMatchObject({
      format: 'svodka-signoff/1',
      quarter: Q,
      region: 'Смоленская область',
      signer: { name: 'И. И. Иванов', position: 'Начальник департамента', account: 'coordinator' },
      signedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00$/),
      docx: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: docx.length },
      auditHead: { id: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      signature: { algorithm: 'Ed25519' },
    });
  });

  it('the report, its manifest and the public key: verified (exit 0) without database or Temporal', async () => {
    const r = await verifyOffline([docxFile, '--key', pubFile]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('ПОДЛИННЫЙ');
    expect(r.stdout).toContain('утвердил И. И. Иванов, Начальник департамента (учетная запись coordinator)');
  });

  it('a forged manifest (the signer changed): exit 1', async () => {
    const forged = JSON.parse(readFileSync(manifestFile, 'utf8')) as SignedManifest;
    forged.signer.name = 'П. П. Петров';
    const file = path.join(dir, 'forged.manifest.json');
    writeFileSync(file, JSON.stringify(forged));
    const r = await verifyOffline([docxFile, '--manifest', file, '--key', pubFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('подпись манифеста неверна');
  });

  it('a manifest made for an altered DOCX and signed with another key: exit 1', async () => {
    const altered = Buffer.concat([docx, Buffer.from([0])]);
    const alteredFile = path.join(dir, 'altered.docx');
    writeFileSync(alteredFile, altered);
    const { signature: _drop, ...body } = JSON.parse(readFileSync(manifestFile, 'utf8')) as SignedManifest;
    const resigned = signManifest(
      { ...body, docx: { ...body.docx, sha256: createHashHex(altered) } },
      createPrivateKey(otherKeys.privatePem),
    );
    const file = path.join(dir, 'other-key.manifest.json');
    writeFileSync(file, JSON.stringify(resigned));
    const r = await verifyOffline([alteredFile, '--manifest', file, '--key', pubFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('подписан другим ключом');
    // And the genuine manifest does not cover the altered file.
    const r2 = await verifyOffline([alteredFile, '--manifest', manifestFile, '--key', pubFile]);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toContain('файл не тот, что подписан');
  });

  it('an unsigned report with signing configured (no manifest): exit 1', async () => {
    const lone = path.join(dir, 'lone.docx');
    writeFileSync(lone, docx);
    const r = await verifyOffline([lone, '--key', pubFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Нет манифеста подписания');
    // The manifest without the key to check it is not enough either.
    const r2 = await verifyOffline([docxFile]);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toContain('Не задан открытый ключ');
  });

  it('the canonical form does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}',
    );
  });
});

describe("the official's GOST signature", () => {
  let goodSig: string;
  beforeAll(() => {
    goodSig = path.join(dir, 'итог.docx.sig');
    writeFileSync(goodSig, ca.sign(ca.issue(), docx));
  });

  it('sign-upload: verified, kept, and the official named in the audit log', async () => {
    const r = await runCli(
      { ...process.env, DATABASE_URL: url, SVODKA_TRUSTED_CA: ca.trustDir, SVODKA_ACTOR: 'coordinator' },
      ['report', 'sign-upload', Q, goodSig],
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Иванов Иван Иванович, Начальник департамента');
    expect(r.stdout).toContain('ГОСТ Р 34.10-2012 (256 бит), хеш Стрибог-256');
    expect(await db.officialSignature.count()).toBe(1);
    const entry = await db.auditEntry.findFirstOrThrow({ where: { action: 'report.official-signature' } });
    expect(entry.actor).toBe('coordinator');
    expect(JSON.parse(entry.detail).signer).toContain('ОГРН 1026701234567, СНИЛС 12345678901');
  });

  it('sign-upload of a signature of other bytes: refused (exit 1), nothing kept, the refusal logged', async () => {
    const bad = path.join(dir, 'other.sig');
    writeFileSync(bad, ca.sign(ca.issue(), Buffer.from('другой документ')));
    const r = await runCli({ ...process.env, DATABASE_URL: url, SVODKA_TRUSTED_CA: ca.trustDir }, [
      'report',
      'sign-upload',
      Q,
      bad,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Подпись НЕ принята');
    expect(await db.officialSignature.count()).toBe(1);
    expect(await db.auditEntry.count({ where: { action: 'report.official-signature.rejected' } })).toBe(1);
  });

  it('offline: DOCX + manifest + .sig + public key + CA folder verify; with another CA folder they do not', async () => {
    const r = await verifyOffline([docxFile, '--sig', goodSig, '--key', pubFile, '--ca', ca.trustDir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'Подпись должностного лица верна (ГОСТ Р 34.10-2012 (256 бит), хеш Стрибог-256)',
    );
    const stranger = createTestCa('Чужой УЦ');
    try {
      const r2 = await verifyOffline([
        docxFile,
        '--sig',
        goodSig,
        '--key',
        pubFile,
        '--ca',
        stranger.trustDir,
      ]);
      expect(r2.code).toBe(1);
      expect(r2.stdout).toContain('доверенному корневому');
    } finally {
      stranger.remove();
    }
  });
});

describe('the audit log the database cannot rewrite', () => {
  it('submission entries carry the SHA-256 of the stored rows; the approval the report file', async () => {
    const entry = await db.auditEntry.findFirstOrThrow({ where: { action: 'submission' } });
    expect(entry.chainVersion).toBe(2);
    expect(JSON.parse(entry.detail)).toMatchObject({
      submissionId: `${Q}/vyazma/v1`,
      fileSha256: null,
      rowsSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('an edited stored row is found by audit verify; restored, the log verifies', async () => {
    const row = await db.submissionRow.findFirstOrThrow({ where: { submissionId: `${Q}/vyazma/v1` } });
    await db.submissionRow.update({ where: { id: row.id }, data: { participants: '9999' } });
    const r = await runCli({ ...process.env, DATABASE_URL: url }, ['audit', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`строки сведений ${Q}/vyazma/v1 изменены после записи`);
    await db.submissionRow.update({ where: { id: row.id }, data: { participants: row.participants } });
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('an edited stored report file is found', async () => {
    const report = await db.report.findFirstOrThrow({ where: { kind: 'final' } });
    await db.blob.update({ where: { sha256: report.blobSha256 }, data: { bytes: Buffer.from('подмена') } });
    const check = await verifyAuditChain(db);
    expect(check.ok).toBe(false);
    expect(check.problems.join('\n')).toContain('(отчет) изменен');
    await db.blob.update({ where: { sha256: report.blobSha256 }, data: { bytes: new Uint8Array(docx) } });
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('a chain rehashed without the key (an edit, then every later hash recomputed) is found', async () => {
    const copy = await copyDb();
    try {
      await dropTriggers(copy.db);
      const entries = await copy.db.auditEntry.findMany({ orderBy: { id: 'asc' } });
      // Both ways an attacker without the key can rehash: another HMAC key, or the old unkeyed hash.
      for (const version of [2, 1]) {
        const guess = randomBytes(32);
        let prev = GENESIS_HASH;
        for (const e of entries) {
          const fields = { ...e, at: e.at.toISOString(), actor: e.id === 1 ? 'someone-else' : e.actor };
          const hash = version === 2 ? keyedEntryHash(guess, prev, fields) : entryHash(prev, fields);
          await copy.db.$executeRawUnsafe(
            'UPDATE "AuditEntry" SET actor = ?, "prevHash" = ?, hash = ?, "chainVersion" = ? WHERE id = ?',
            fields.actor,
            prev,
            hash,
            version,
            e.id,
          );
          prev = hash;
        }
        const r = await runCli({ ...process.env, DATABASE_URL: copy.url }, ['audit', 'verify']);
        expect(r.code, `v${version}: ${r.stdout}${r.stderr}`).toBe(1);
        expect(r.stdout).toContain('НАРУШЕН');
        // The genuine key is what tells: with it, the rehashed log fails; the anchor fails too.
        const anchored = await verifyAuditChain(copy.db, { anchor: entries.at(-1)!.hash });
        expect(anchored.problems.some((p) => p.includes('якорь'))).toBe(true);
      }
    } finally {
      await copy.close();
    }
  });

  it('the newest entries deleted: caught with the sign-off manifest as the anchor', async () => {
    const copy = await copyDb();
    try {
      await appendAudit(copy.db, {
        quarter: Q,
        municipality: null,
        action: 'later',
        actor: 'x',
        origin: 'test',
      });
      const head = (await copy.db.auditEntry.findFirstOrThrow({ orderBy: { id: 'desc' } })).hash;
      const anchorFile = path.join(dir, 'anchor.json');
      const taken = await runCli({ ...process.env, DATABASE_URL: copy.url }, [
        'audit',
        'anchor',
        '--out',
        anchorFile,
      ]);
      expect(taken.code, taken.stderr).toBe(0);
      expect(JSON.parse(readFileSync(anchorFile, 'utf8')).head.hash).toBe(head);
      await dropTriggers(copy.db);
      // Everything after the sign-off's head goes: the manifest still anchors what came before it.
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as SignedManifest;
      await copy.db.auditEntry.deleteMany({ where: { id: { gt: manifest.auditHead.id } } });
      const plain = await runCli({ ...process.env, DATABASE_URL: copy.url }, ['audit', 'verify']);
      expect(plain.code).toBe(0);
      const withManifest = await runCli({ ...process.env, DATABASE_URL: copy.url }, [
        'audit',
        'verify',
        '--anchor',
        manifestFile,
      ]);
      expect(withManifest.code).toBe(0);
      const withAnchor = await runCli({ ...process.env, DATABASE_URL: copy.url }, [
        'audit',
        'verify',
        '--anchor',
        anchorFile,
      ]);
      expect(withAnchor.code).toBe(1);
      expect(withAnchor.stdout).toContain('в журнале не найден');
      // Then the sign-off's own entry goes too: the manifest catches it.
      await copy.db.auditEntry.deleteMany({ where: { id: manifest.auditHead.id } });
      const cut = await runCli({ ...process.env, DATABASE_URL: copy.url }, [
        'audit',
        'verify',
        '--anchor',
        manifestFile,
      ]);
      expect(cut.code).toBe(1);
    } finally {
      await copy.close();
    }
  });

  it('old unkeyed entries still verify, counted as such; an unkeyed entry after keyed ones is a forgery', async () => {
    const copy = await copyDb({ empty: true });
    try {
      await dropTriggers(copy.db);
      // As the log stood before the audit key: chainVersion 1, plain SHA-256.
      const at = new Date('2026-11-01T09:00:00Z');
      const fields = {
        at: at.toISOString(),
        quarter: Q,
        municipality: null,
        action: 'quarter.start',
        actor: 'c',
        origin: 'cli',
        detail: '{}',
      };
      await copy.db.auditEntry.create({
        data: {
          ...fields,
          at,
          prevHash: GENESIS_HASH,
          hash: entryHash(GENESIS_HASH, fields),
          chainVersion: 1,
        },
      });
      await appendAudit(copy.db, {
        quarter: Q,
        municipality: null,
        action: 'quarter.close',
        actor: 'c',
        origin: 'cli',
      });
      // Accepted only up to the entry the operator vouches for, outside the database.
      expect((await verifyAuditChain(copy.db, { unkeyedUntil: null })).problems.join('\n')).toContain(
        'SVODKA_AUDIT_UNKEYED_UNTIL=1',
      );
      expect(await verifyAuditChain(copy.db, { unkeyedUntil: 1 })).toMatchObject({
        ok: true,
        entries: 2,
        unkeyed: 1,
      });
      const last = (await copy.db.auditEntry.findFirstOrThrow({ orderBy: { id: 'desc' } }))!;
      const forged = { ...fields, action: 'report.approve' };
      await copy.db.auditEntry.create({
        data: { ...forged, at, prevHash: last.hash, hash: entryHash(last.hash, forged), chainVersion: 1 },
      });
      const check = await verifyAuditChain(copy.db, { unkeyedUntil: 3 });
      expect(check.ok).toBe(false);
      expect(check.problems.join('\n')).toContain('запись без ключа после записей с ключом');
    } finally {
      await copy.close();
    }
  });

  it('the daily anchor email: the head and its JSON to the auditors, once a day however often it runs', async () => {
    const { sendAuditAnchor } = await import('../../activities/audit-anchor');
    const sent: { to: string; text: string; attachments?: { content: Buffer }[] }[] = [];
    const mailer = { sendMail: async (m: (typeof sent)[number]) => void sent.push(m) };
    const mail = {
      to: 'auditors@region.example.ru',
      from: 'svodka@region.example.ru',
      messageIdDomain: 'test',
    };
    const day = new Date('2026-12-05T06:00:00Z');
    const first = await sendAuditAnchor(db, mailer, mail, day);
    const again = await sendAuditAnchor(db, mailer, mail, new Date('2026-12-05T18:00:00Z'));
    expect(first.outcome.sent).toBe(true);
    expect(again.outcome.sent).toBe(false);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain(`npx svodka audit verify --anchor ${first.anchor.head.hash}`);
    const attached = JSON.parse(sent[0]!.attachments![0]!.content.toString()) as { head: { hash: string } };
    expect(attached.head.hash).toBe(first.anchor.head.hash);
    expect((await verifyAuditChain(db, { anchor: attached.head.hash })).ok).toBe(true);
  });

  it('without the key the keyed entries cannot be checked, and verify says so', async () => {
    const check = await verifyAuditChain(db, { key: null });
    expect(check.ok).toBe(false);
    expect(check.problems).toContain(
      'ключ журнала аудита не найден (SVODKA_AUDIT_KEY): записи с ключом проверить нельзя',
    );
  });
});

describe('who did it: `--as LOGIN` with the password checked against its hash', () => {
  it('a wrong password is refused and logged; the right one records the account; an auditor cannot change state', async () => {
    const { createUser } = await import('../../client/web/auth');
    await createUser(db, {
      login: 'coord',
      name: 'Координатор',
      role: 'coordinator',
      password: 'Zvezda-Dnepr-7311',
    });
    const env = { ...process.env, DATABASE_URL: url, SVODKA_USER_PASSWORD: 'Lipa-Gagarin-4820' };
    const wrong = await runCli({ ...env, SVODKA_PASSWORD: 'guess' }, [
      '--as',
      'coord',
      'user',
      'add',
      'clerk',
      '--role',
      'auditor',
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Неверное имя учетной записи или пароль');
    expect(await db.user.count({ where: { login: 'clerk' } })).toBe(0);
    expect(await db.auditEntry.count({ where: { action: 'cli.login.failed', actor: 'coord' } })).toBe(1);

    const right = await runCli({ ...env, SVODKA_PASSWORD: 'Zvezda-Dnepr-7311' }, [
      'user',
      'add',
      'clerk',
      '--role',
      'auditor',
      '--as',
      'coord',
    ]);
    expect(right.code, right.stderr).toBe(0);
    const added = await db.auditEntry.findFirstOrThrow({ where: { action: 'user.add' } });
    expect(added.actor).toBe('coord');

    const auditor = await runCli({ ...env, SVODKA_PASSWORD: 'Lipa-Gagarin-4820' }, [
      '--as',
      'clerk',
      'user',
      'add',
      'x',
    ]);
    expect(auditor.code).toBe(1);
    expect(auditor.stderr).toContain('недоступна');
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });
});

describe('PostgreSQL refuses to rewrite the log too', () => {
  it('UPDATE, DELETE and TRUNCATE are refused; INSERT (a restore) is not', async () => {
    const admin = process.env.TEST_POSTGRES_URL!;
    const name = `svodka_signoff_${process.pid}_${Date.now().toString(36)}`;
    const run = async (target: string, sql: string, params: unknown[] = []) => {
      const c = new pg.Client({ connectionString: target });
      await c.connect();
      try {
        return await c.query(sql, params);
      } finally {
        await c.end();
      }
    };
    await run(admin, `CREATE DATABASE ${name}`);
    const u = new URL(admin);
    u.pathname = `/${name}`;
    try {
      await setupDatabase(u.toString());
      const pgDb = await createDb(u.toString());
      try {
        await appendAudit(pgDb, {
          quarter: Q,
          municipality: null,
          action: 'quarter.start',
          actor: 'c',
          origin: 'test',
        });
        for (const sql of [
          'UPDATE "AuditEntry" SET actor = \'x\'',
          'DELETE FROM "AuditEntry"',
          'TRUNCATE "AuditEntry"',
        ])
          await expect(run(u.toString(), sql)).rejects.toThrow(/append-only/);
        await run(
          u.toString(),
          "INSERT INTO \"AuditEntry\" (id, at, action, actor, origin, detail, \"prevHash\", hash, \"chainVersion\") VALUES (100, now(), 'restored', 'r', 'backup', '{}', $1, $2, 2)",
          [GENESIS_HASH, 'f'.repeat(64)],
        );
        expect(await pgDb.auditEntry.count()).toBe(2);
      } finally {
        await pgDb.$disconnect();
      }
    } finally {
      await run(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});

function createHashHex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function dropTriggers(target: Db): Promise<void> {
  await target.$executeRawUnsafe('DROP TRIGGER IF EXISTS "AuditEntry_no_update"');
  await target.$executeRawUnsafe('DROP TRIGGER IF EXISTS "AuditEntry_no_delete"');
}

/** A copy of the test's database to tamper with, so the other tests keep the genuine one. */
async function copyDb(
  options: { empty?: boolean } = {},
): Promise<{ url: string; db: Db; close(): Promise<void> }> {
  const copyDir = mkdtempSync(path.join(os.tmpdir(), 'svodka-signoff-copy-'));
  const copyUrl = `file:${path.join(copyDir, 'svodka.db')}`;
  if (options.empty) await setupDatabase(copyUrl);
  else await db.$executeRawUnsafe(`VACUUM INTO '${path.join(copyDir, 'svodka.db')}'`);
  const copy = await createDb(copyUrl);
  return {
    url: copyUrl,
    db: copy,
    async close() {
      await copy.$disconnect();
      rmSync(copyDir, { recursive: true, force: true });
    },
  };
}
