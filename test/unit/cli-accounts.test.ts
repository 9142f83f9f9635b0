// `svodka user unlock|disable|enable|passwd|logout` and `svodka link list|revoke`, run as a person
// would (bin/svodka.js in a child process) against a real SQLite database; no Temporal needed.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, resolveToken } from '../../infrastructure/tokens';
import { createSession, createUser, signInCheck } from '../../client/web/auth';
import { createTestDb } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';

const root = path.resolve(import.meta.dirname, '../..');
let t: TestDb;

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bin/svodka.js'), ...args],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: `file:${path.join(t.dir, 'svodka.db')}`,
          SVODKA_ACTOR: 'admin',
          ...env,
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  t = await createTestDb();
  await createUser(t.db, {
    login: 'coord',
    name: 'Координатор',
    role: 'coordinator',
    password: 'Krasnyi-Bor-1957',
  });
});
afterAll(async () => {
  await t?.close();
});

describe('svodka user …', () => {
  it(
    'unlock lifts a lockout; disable ends sessions and refuses sign-in; passwd checks the new password',
    { timeout: 120_000 },
    async () => {
      for (let i = 0; i < 5; i++) await signInCheck(t.db, 'coord', `wrong-guess-${i}-xxxx`);
      expect((await signInCheck(t.db, 'coord', 'Krasnyi-Bor-1957')).ok).toBe(false);
      const unlock = await cli(['user', 'unlock', 'coord']);
      expect(unlock.code, unlock.stderr).toBe(0);
      expect(unlock.stdout).toContain('снова открыт');
      expect((await signInCheck(t.db, 'coord', 'Krasnyi-Bor-1957')).ok).toBe(true);

      await createSession(
        t.db,
        (await t.db.user.findUniqueOrThrow({ where: { login: 'coord' } })).id,
        60_000,
      );
      const disable = await cli(['user', 'disable', 'coord']);
      expect(disable.code, disable.stderr).toBe(0);
      expect(await t.db.webSession.count()).toBe(0);
      expect((await signInCheck(t.db, 'coord', 'Krasnyi-Bor-1957')).ok).toBe(false);
      expect((await cli(['user', 'enable', 'coord'])).code).toBe(0);
      expect((await signInCheck(t.db, 'coord', 'Krasnyi-Bor-1957')).ok).toBe(true);

      const weak = await cli(['user', 'passwd', 'coord'], { SVODKA_USER_PASSWORD: 'password2024' });
      expect(weak.code).toBe(2);
      expect(weak.stderr).toContain('распространен');
      await createSession(
        t.db,
        (await t.db.user.findUniqueOrThrow({ where: { login: 'coord' } })).id,
        60_000,
      );
      const passwd = await cli(['user', 'passwd', 'coord'], { SVODKA_USER_PASSWORD: 'Belaya-Bereza-2027' });
      expect(passwd.code, passwd.stderr).toBe(0);
      expect(await t.db.webSession.count()).toBe(0);
      expect((await signInCheck(t.db, 'coord', 'Belaya-Bereza-2027')).ok).toBe(true);

      const unknown = await cli(['user', 'logout', 'nobody']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('Пользователя «nobody» нет');
      const actions = (await t.db.auditEntry.findMany({ where: { action: { startsWith: 'user.' } } })).map(
        (e) => e.action,
      );
      expect(actions).toEqual(['user.unlock', 'user.disable', 'user.enable', 'user.passwd']);
    },
  );
});

describe('svodka link …', () => {
  it("lists a municipality's links and revokes them", { timeout: 120_000 }, async () => {
    const a = await issueToken(t.db, {
      quarter: '2023-Q2',
      municipality: 'vyazma',
      expiresAt: new Date('2099-01-01'),
    });
    const b = await issueToken(t.db, { quarter: '2023-Q2', municipality: 'vyazma' });
    const other = await issueToken(t.db, { quarter: '2023-Q2', municipality: 'velizh' });
    const list = await cli(['link', 'list', '2023-Q2', 'vyazma', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as { municipality: string; state: string; id: string }[];
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.state === 'active' && r.municipality === 'vyazma')).toBe(true);
    expect(list.stdout).not.toContain(a);
    const revoke = await cli(['link', 'revoke', '2023-Q2', 'vyazma']);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toContain('Отозвано ссылок');
    expect(await resolveToken(t.db, a)).toBeNull();
    expect(await resolveToken(t.db, b)).toBeNull();
    expect(await resolveToken(t.db, other)).not.toBeNull();
    const text = await cli(['link', 'list', '2023-Q2']);
    expect(text.stdout).toContain('отозвана');
    expect(text.stdout).toContain('действует');
    expect((await cli(['link', 'revoke', '2023-Q2', 'atlantis'])).code).toBe(2);
  });
});
