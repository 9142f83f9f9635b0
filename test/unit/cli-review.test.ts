// `svodka quarter diff` runs the portal's compareVersions: the same numbers in its JSON, and its
// exit codes (1: nothing to compare, 2: no such version or municipality). `report request-changes`
// refuses bad usage before it dials Temporal.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { recordSubmission } from '../../activities/submissions';
import { run } from '../../client/cli/main';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { createTestDb } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';
import { loadReference } from '../fixtures/reference';

const Q = '2023-Q2';
let t: TestDb;
const saved = { url: process.env.DATABASE_URL, temporal: process.env.TEMPORAL_ADDRESS };

beforeAll(async () => {
  t = await createTestDb();
  process.env.DATABASE_URL = `file:${t.dir}/svodka.db`;
  // Nothing listens here: a command that dialled Temporal would fail, not hang on a real server.
  process.env.TEMPORAL_ADDRESS = '127.0.0.1:1';
  const rows = loadReference()
    .sections.find((s) => s.code === 'vyazma')!
    .rows.map((r) => r.row);
  const files = createDbBlobStore(t.db);
  for (const [version, list] of [
    [1, rows],
    [2, [{ ...rows[0]!, dates: '30 апреля 2023 года' }, ...rows.slice(1)]],
  ] as const)
    await recordSubmission(t.db, files, {
      quarter: Q,
      municipality: 'vyazma',
      version,
      payload: { kind: 'rows', rows: [...list], channel: 'cli', actor: 'test' },
    });
});

afterAll(async () => {
  for (const [key, value] of [
    ['DATABASE_URL', saved.url],
    ['TEMPORAL_ADDRESS', saved.temporal],
  ] as const)
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  await t?.close();
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const e = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void out.push(`${a.join(' ')}\n`));
  try {
    return { code: await run(args), out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    log.mockRestore();
  }
}

it('quarter diff answers with the use case: the changed cell, in JSON and in words', async () => {
  const json = await cli(['quarter', 'diff', Q, 'vyazma', '--json']);
  expect(json.code, json.err).toBe(0);
  const diff = JSON.parse(json.out) as {
    from: number;
    to: number;
    changed: { columns: string[] }[];
    unchanged: number;
  };
  expect(diff).toMatchObject({ from: 1, to: 2, added: [], removed: [] });
  expect(diff.changed.map((c) => c.columns)).toEqual([['dates']]);
  const words = await cli(['quarter', 'diff', Q, 'vyazma']);
  expect(words.out).toContain('версия 1 (принята) → версия 2 (принята)');
  expect(words.out).toContain('стало: 30 апреля 2023 года');
});

it('quarter diff exits 2 for a version that is not there, 1 when there is nothing to compare', async () => {
  const missing = await cli(['quarter', 'diff', Q, 'vyazma', '--from', '1', '--to', '7']);
  expect(missing.code).toBe(2);
  expect(missing.err).toContain('Нет версии 7; есть: 1, 2.');
  const none = await cli(['quarter', 'diff', Q, 'smolensk']);
  expect(none.code).toBe(1);
  expect(none.err).toContain('нет ни одной версии: сравнивать не с чем');
});

it('report request-changes refuses an empty comment and an unknown code before it calls Temporal', async () => {
  const empty = await cli(['report', 'request-changes', Q, '--municipality', 'vyazma', '--comment', ' ']);
  expect(empty.code).toBe(2);
  expect(empty.err).toContain('Напишите, что нужно исправить.');
  const unknown = await cli([
    'report',
    'request-changes',
    Q,
    '--municipality',
    'vyazma,atlantis',
    '--comment',
    'Исправьте',
  ]);
  expect(unknown.code).toBe(2);
  expect(unknown.err).toContain('atlantis');
});
