// A burst of uploads queued at once, on both databases: the inbox writer groups them into one
// transaction (infrastructure/answer-inbox-writer.ts). Every answer gets its own receipt and its
// own rows; a file sent by several municipalities is stored once; a form posted twice is one entry;
// and two portal processes storing the same file at the same moment (a unique-key race on the blob
// on PostgreSQL) lose no answer.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCaseContext } from '../../application/context';
import { queueAnswer } from '../../application/queue-answer';
import { execute } from '../../application/use-case';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { setupDatabase } from '../../infrastructure/db/setup';
import { freshPostgresDatabase } from '../support/stack';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const Q = '2023-Q2';

describe.each(['sqlite', 'postgresql'] as const)('a burst of uploads on %s', (database) => {
  // Two clients of one database: two portal processes.
  let first: Db;
  let second: Db;
  let cleanup = async () => {};

  beforeAll(async () => {
    let url: string;
    if (database === 'postgresql') {
      const admin = process.env.TEST_POSTGRES_URL;
      if (!admin) throw new Error('TEST_POSTGRES_URL is not set');
      const fresh = await freshPostgresDatabase(admin);
      url = fresh.url;
      cleanup = fresh.drop;
    } else {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-burst-'));
      url = `file:${path.join(dir, 'svodka.db')}`;
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    await setupDatabase(url);
    first = await createDb(url);
    second = await createDb(url);
  }, 120_000);
  afterAll(async () => {
    await first?.$disconnect();
    await second?.$disconnect();
    await cleanup();
  });

  const queue = (db: Db, municipality: string, requestId: string, bytes: number[]) =>
    execute(
      queueAnswer,
      useCaseContext({
        db,
        temporal: {} as Client,
        actor: { name: municipality, channel: 'portal', origin: 'web@127.0.0.1' },
      }),
      {
        quarter: Q,
        municipality,
        requestId,
        answer: { kind: 'file', fileName: `${requestId}.docx`, bytes: new Uint8Array(bytes) },
      },
    );

  it('every answer of two processes is stored once, each file once', async () => {
    const codes = ['velizh', 'vyazma', 'gagarin', 'demidov', 'dukhovshchina'];
    const sends = [first, second].flatMap((db, p) =>
      Array.from({ length: 20 }, (_, i) =>
        // The same four files from both processes at once: the blob is contended.
        queue(db, codes[i % codes.length]!, `web-burst-${p}-${i}`, [database.length, i % 4, 9, 9]),
      ),
    );
    // The first form posted again, from the other process, in the same burst.
    sends.push(queue(second, codes[0]!, 'web-burst-0-0', [database.length, 0, 9, 9]));
    const receipts = await Promise.all(sends);
    expect(receipts.every((r) => r.state === 'queued')).toBe(true);
    expect(await first.answerInbox.count({ where: { requestId: { startsWith: 'web-burst-' } } })).toBe(40);
    const uploads = await first.upload.findMany({ where: { fileName: { startsWith: 'web-burst-' } } });
    expect(uploads).toHaveLength(40);
    expect(new Set(uploads.map((u) => u.blobSha256)).size).toBe(4);
    expect(await first.blob.count({ where: { sha256: { in: uploads.map((u) => u.blobSha256) } } })).toBe(4);
    // Each inbox row names its own upload, of its own municipality.
    const rows = await first.answerInbox.findMany({ where: { requestId: { startsWith: 'web-burst-' } } });
    for (const row of rows) {
      const { uploadId } = JSON.parse(row.payload) as { uploadId: string };
      const upload = uploads.find((u) => u.id === uploadId);
      expect(upload?.municipality).toBe(row.municipality);
      expect(upload?.fileName).toBe(`${row.requestId}.docx`);
    }
  }, 60_000);
});
