// `svodka backup` and `svodka restore`, as an operator runs them: a quarter goes to sign-off on a
// real dev server (a rejection, files, nil answers, a portal account), the database is backed up
// while the worker still runs, and the copy is restored into empty databases — SQLite, and
// PostgreSQL when TEST_POSTGRES_URL is set — where `report verify` accepts the signed-off file,
// `audit verify` the chain, and every table holds what the original held.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../infrastructure/db/backup';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { generateSigningKeys } from '../../infrastructure/signing';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import { submissionWorkflowId, submitUpdate } from '../../workflows/api';
import { wordSubmission } from '../fixtures/docx-builders';
import { loadReference } from '../fixtures/reference';
import { freshPostgresDatabase, repoRoot, startStack } from '../support/stack';
import type { CliResult, Stack } from '../support/stack';

const Q = '2023-Q2';
let stack: Stack;
let keyFile: string;
const scratch: string[] = [];

/** A temporary directory, removed after the file's tests. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

function cli(env: NodeJS.ProcessEnv, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'bin/svodka.js'), ...args],
      { cwd: repoRoot, env, maxBuffer: 20 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Every table, every row, in a stable order and in comparable form (bytes as base64). */
async function dump(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const m of modelsOf(db)) {
    const delegate = (db as unknown as Record<string, { findMany(a: object): Promise<object[]> }>)[
      m.name[0]!.toLowerCase() + m.name.slice(1)
    ]!;
    const rows = await delegate.findMany({
      orderBy: m.fields.filter((f) => f.type !== 'Bytes').map((f) => ({ [f.name]: 'asc' })),
    });
    out[m.name] = rows.map((r) =>
      JSON.parse(
        JSON.stringify(r, (_k, v: unknown) =>
          v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
            ? Buffer.from((v as { data: number[] }).data).toString('base64')
            : v,
        ),
      ),
    );
  }
  return out;
}

describe('backup and restore', () => {
  let finalFile: string;
  let backupFile: string;
  let original: Record<string, unknown[]>;

  beforeAll(async () => {
    const keys = generateSigningKeys();
    keyFile = path.join(tempDir('svodka-key-'), 'signing.pem');
    writeFileSync(keyFile, keys.privatePem);
    process.env.SVODKA_SIGNING_KEY = keyFile;
    stack = await startStack({ database: 'sqlite' });
    stack.env.SVODKA_SIGNING_KEY = keyFile;
  });
  afterAll(async () => {
    await stack?.stop();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('a quarter signed off, backed up while the worker runs', { timeout: 240_000 }, async () => {
    const start = await stack.cli(['quarter', 'start', Q, '--deadline', '2099-07-10']);
    expect(start.code, start.stderr).toBe(0);
    await stack.mail.waitFor(
      (all) => all.filter((m) => m.subject.startsWith('Запрос сведений')).length === 27,
    );

    // A rejected file, then two municipalities' real answers as Word files; the rest say nil.
    const bad = path.join(stack.dir, 'bad.docx');
    writeFileSync(bad, '%PDF-1.4\n');
    expect((await stack.cli(['submit', Q, 'vyazma', '--file', bad])).code).toBe(1);
    const sections = loadReference().sections.slice(0, 2);
    for (const section of sections) {
      const file = path.join(stack.dir, `${section.code}.docx`);
      writeFileSync(file, await wordSubmission({ rows: section.rows.map((r) => r.row) }));
      const r = await stack.cli(['submit', Q, section.code, '--file', file]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      const client = new Client({ connection });
      const withFiles = new Set(sections.map((s) => s.code));
      for (const m of SMOLENSK_MUNICIPALITIES.filter((x) => !withFiles.has(x.code))) {
        const result = await client.workflow
          .getHandle(submissionWorkflowId(Q, m.code))
          .executeUpdate(submitUpdate, { args: [{ kind: 'nil', channel: 'cli', actor: 'test' }] });
        expect(result.accepted).toBe(true);
      }
    } finally {
      await connection.close();
    }
    const user = await cli({ ...stack.env, SVODKA_USER_PASSWORD: 'Lipa-Gagarin-4820' }, [
      'user',
      'add',
      'auditor',
      '--role',
      'auditor',
    ]);
    expect(user.code, user.stderr).toBe(0);

    finalFile = path.join(stack.dir, 'итог.docx');
    const until = Date.now() + 60_000;
    let approve: CliResult;
    do {
      approve = await stack.cli(['report', 'approve', Q, '--signer', 'И. И. Иванов', '--out', finalFile]);
      if (approve.code === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < until);
    expect(approve.code, approve.stdout + approve.stderr).toBe(0);
    await stack.mail.waitFor((all) => all.some((m) => m.subject.includes('подписан')));

    backupFile = path.join(stack.dir, 'svodka.jsonl.gz');
    const backup = await stack.cli(['backup', '--out', backupFile]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/Готово: .* записей/);
    expect(backup.stderr).toContain('Blob');
    // It holds password hashes and every file: nobody but its owner may read it.
    expect(statSync(backupFile).mode & 0o077).toBe(0);
    // A second backup over the first is refused unless asked.
    const again = await stack.cli(['backup', '--out', backupFile]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('уже есть');

    original = await dump(stack.db);
    expect(original.Report!.length).toBeGreaterThan(0);
    expect(original.Blob!.length).toBeGreaterThan(2);
    expect(original.AuditEntry!.length).toBeGreaterThan(3);
    expect(original.SubmissionRow!.length).toBe(sections.reduce((n, s) => n + s.rows.length, 0));
  });

  /** Restores into `url`, then checks what an operator would check, and that a second restore is refused. */
  async function restoreAndCheck(url: string): Promise<void> {
    const env = { ...stack.env, DATABASE_URL: url, SVODKA_SIGNING_KEY: keyFile };
    const restore = await cli(env, ['restore', backupFile]);
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toContain('Готово: восстановлена копия');

    const verify = await cli(env, ['report', 'verify', finalFile]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain('Манифест подписан ключом Svodka и описывает этот файл');
    const chain = await cli(env, ['audit', 'verify']);
    expect(chain.code, chain.stdout + chain.stderr).toBe(0);
    expect(chain.stdout).toContain('цепочка хешей не нарушена');

    const db = await createDb(url);
    try {
      expect(await dump(db)).toEqual(original);
      // Not empty any more: restoring again is refused and changes nothing.
      const refused = await cli(env, ['restore', backupFile]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('База данных не пуста');
      expect(refused.stderr).toContain('--force');
      expect(await dump(db)).toEqual(original);
    } finally {
      await db.$disconnect();
    }

    // Life goes on after a restore: a new audit entry (a new id after the restored ones) keeps the chain.
    const more = await cli({ ...env, SVODKA_USER_PASSWORD: 'Kremlin-Ugra-9035' }, ['user', 'add', 'second']);
    expect(more.code, more.stderr).toBe(0);
    expect((await cli(env, ['audit', 'verify'])).code).toBe(0);
  }

  it('restores into an empty SQLite database', { timeout: 120_000 }, async () => {
    await restoreAndCheck(`file:${path.join(tempDir('svodka-restore-'), 'svodka.db')}`);
  });

  it('restores into an empty PostgreSQL database', { timeout: 120_000 }, async () => {
    const fresh = await freshPostgresDatabase(process.env.TEST_POSTGRES_URL!);
    try {
      await restoreAndCheck(fresh.url);
      // And back: a backup read from PostgreSQL restores into SQLite with every row the same.
      const fromPg = path.join(stack.dir, 'from-postgres.jsonl.gz');
      const pgEnv = { ...stack.env, DATABASE_URL: fresh.url };
      const backup = await cli(pgEnv, ['backup', '--out', fromPg]);
      expect(backup.code, backup.stderr).toBe(0);
      const sqliteUrl = `file:${path.join(tempDir('svodka-restore-'), 'svodka.db')}`;
      const restore = await cli({ ...stack.env, DATABASE_URL: sqliteUrl }, ['restore', fromPg]);
      expect(restore.code, restore.stderr).toBe(0);
      const [pg, sqlite] = [await createDb(fresh.url), await createDb(sqliteUrl)];
      try {
        expect(await dump(sqlite)).toEqual(await dump(pg));
      } finally {
        await pg.$disconnect();
        await sqlite.$disconnect();
      }
    } finally {
      await fresh.drop();
    }
  });

  it('refuses a file that is not a backup, or is cut short, with a reason', async () => {
    const dir = tempDir('svodka-restore-');
    const env = { ...stack.env, DATABASE_URL: `file:${path.join(dir, 'svodka.db')}` };
    const cut = path.join(dir, 'cut.gz');
    const bytes = readFileSync(backupFile);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const truncated = await cli(env, ['restore', cut]);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/поврежден|обрезан/);

    const other = path.join(dir, 'other.docx');
    writeFileSync(other, readFileSync(finalFile));
    const wrong = await cli(env, ['restore', other]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Не удалось восстановить/);
  });
});
