// SQLite through Prisma's better-sqlite3 adapter shares one connection per client. Its transactions
// take turns, but a plain query used to run on the connection while another activity's transaction
// was open: inside it, seeing that transaction's old snapshot (an upload another process had just
// stored looked missing, and the answer was rejected «файл не найден»), and rolled back with it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { setupDatabase } from '../../infrastructure/db/setup';

let dir: string;
let worker: Db;
let portal: Db;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-conn-'));
  const url = `file:${path.join(dir, 'svodka.db')}`;
  await setupDatabase(url);
  worker = await createDb(url);
  portal = await createDb(url);
}, 60_000);

afterAll(async () => {
  await worker?.$disconnect();
  await portal?.$disconnect();
  rmSync(dir, { recursive: true, force: true });
});

const upload = (id: string) => ({
  id,
  quarter: '2023-Q2',
  municipality: 'vyazma',
  fileName: 'a.docx',
  blobSha256: '0'.repeat(64),
  size: 1,
  channel: 'web',
  actor: 'vyazma',
  origin: 'test',
});

describe('one SQLite client used by concurrent activities', () => {
  it('a query made while another transaction is open sees what other processes committed', async () => {
    let inside!: () => void;
    const opened = new Promise<void>((r) => (inside = r));
    let finish!: () => void;
    const held = new Promise<void>((r) => (finish = r));
    // One activity's transaction: it reads (taking its snapshot) and then waits on something.
    const transaction = worker.$transaction(async (tx) => {
      await tx.municipality.count();
      inside();
      await held;
    });
    await opened;
    // Meanwhile the portal, another connection, changes a row…
    await portal.municipality.update({ where: { code: 'vyazma' }, data: { email: 'new@vyazma.example' } });
    // …and another activity of the worker reads it.
    // (Prisma's promises are lazy: then() sends the query now, while the transaction is open.)
    const lookup = worker.municipality.findUnique({ where: { code: 'vyazma' } }).then((m) => m);
    setTimeout(finish, 300);
    await transaction;
    expect((await lookup)?.email).toBe('new@vyazma.example');
  });

  it('a write made while another transaction is open survives that transaction rolling back', async () => {
    let inside!: () => void;
    const opened = new Promise<void>((r) => (inside = r));
    let fail!: () => void;
    const failing = new Promise<void>((r) => (fail = r));
    const transaction = worker.$transaction(async (tx) => {
      await tx.upload.count();
      inside();
      await failing;
      throw new Error('the transaction fails');
    });
    await opened;
    const write = worker.upload.create({ data: upload('u-kept') }).then((u) => u);
    setTimeout(fail, 300);
    await expect(transaction).rejects.toThrow('the transaction fails');
    await write;
    expect(await portal.upload.findUnique({ where: { id: 'u-kept' } })).not.toBeNull();
  });
});
