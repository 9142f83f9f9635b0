// The upload inbox against a real SQLite file: two processes' claims never overlap, a lease that
// runs out gives the row back, a transient failure is retried and a refusal recorded, and the
// dispatcher wakes at once for a row queued in its process.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { useCaseContext } from '../../application/context';
import { refusalOf, startInboxDispatcher } from '../../application/deliver-inbox';
import { queueAnswer } from '../../application/queue-answer';
import { execute, RefusedError } from '../../application/use-case';
import {
  claimDue,
  enqueueAnswer,
  findInboxEntry,
  markDelivered,
  releaseClaims,
  retryLater,
  ringInbox,
} from '../../infrastructure/answer-inbox';
import { queueAnswerWrite } from '../../infrastructure/answer-inbox-writer';
import type { Db } from '../../infrastructure/db/client';
import type { SubmissionPayload, SubmissionResult } from '../../workflows/api';
import { createTestDb } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';
import { repoRoot } from '../support/stack';

const Q = '2023-Q2';
let t: TestDb;

const payload = (id: string): SubmissionPayload => ({
  kind: 'nil',
  channel: 'web',
  actor: 'velizh',
  action: { id, actor: 'velizh', origin: 'web@127.0.0.1' },
});
const result = (version: number): SubmissionResult => ({
  accepted: true,
  version,
  submissionId: `${Q}/velizh/v${version}`,
  nil: true,
  rowCount: 0,
  findings: [],
});

async function queue(count: number, prefix: string, at = new Date()): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  for (const id of ids)
    await enqueueAnswer(
      t.db,
      { requestId: id, quarter: Q, municipality: 'velizh', payload: payload(id) },
      at,
    );
  return ids;
}

async function until(what: string, probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`not reached: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.db.answerInbox.deleteMany();
});

describe('claiming (infrastructure/answer-inbox.ts)', () => {
  it('two processes claiming at once share the rows, none twice', async () => {
    const ids = await queue(60, 'race');
    const now = new Date(Date.now() + 1000).toISOString();
    const claimer = (owner: string) =>
      new Promise<string[]>((resolve, reject) =>
        execFile(
          process.execPath,
          [
            path.join(repoRoot, 'bin/run.js'),
            'test/unit/answer-inbox-claimer.ts',
            `file:${t.dir}/svodka.db`,
            owner,
            now,
          ],
          { cwd: repoRoot, timeout: 60_000 },
          (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as string[])),
        ),
      );
    const [a, b] = await Promise.all([claimer('a'), claimer('b')]);
    const claimed = [...a, ...b];
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.sort()).toEqual(ids);
    const rows = await t.db.answerInbox.findMany({ where: { requestId: { in: ids } } });
    for (const row of rows) {
      expect(row.attempts).toBe(1);
      expect(row.claimedBy?.split(' ')[0]).toBe(a.includes(row.requestId) ? 'a' : 'b');
    }
    // Leased: nobody gets them again until the lease runs out.
    expect(await claimDue(t.db, { owner: 'c', limit: 100, leaseMs: 60_000, now: new Date(now) })).toEqual([]);
  });

  it('a row whose claimer died is claimed again once its lease runs out', async () => {
    const [id] = await queue(1, 'lease');
    const now = new Date(Date.now() + 1000);
    expect(await claimDue(t.db, { owner: 'dead', limit: 5, leaseMs: 30_000, now })).toHaveLength(1);
    const later = new Date(now.getTime() + 29_000);
    expect(await claimDue(t.db, { owner: 'live', limit: 5, leaseMs: 30_000, now: later })).toEqual([]);
    const after = new Date(now.getTime() + 31_000);
    const again = await claimDue(t.db, { owner: 'live', limit: 5, leaseMs: 30_000, now: after });
    expect(again.map((e) => [e.requestId, e.attempts])).toEqual([[id, 2]]);
    expect(again[0]!.payload).toEqual(payload(id!));
  });

  it('a retried row waits for its time; a delivered one is never claimed again', async () => {
    const [a, b] = await queue(2, 'retry');
    const now = new Date(Date.now() + 1000);
    await claimDue(t.db, { owner: 'p', limit: 5, leaseMs: 60_000, now });
    await retryLater(t.db, a!, 'UNAVAILABLE', new Date(now.getTime() + 5000));
    await markDelivered(t.db, b!, result(1), now);
    expect(await claimDue(t.db, { owner: 'p', limit: 5, leaseMs: 60_000, now })).toEqual([]);
    const due = await claimDue(t.db, {
      owner: 'p',
      limit: 5,
      leaseMs: 60_000,
      now: new Date(now.getTime() + 5000),
    });
    expect(due.map((e) => e.requestId)).toEqual([a]);
    expect((await findInboxEntry(t.db, a!))?.lastError).toBe('UNAVAILABLE');
    expect((await findInboxEntry(t.db, b!))?.state).toBe('delivered');
    // Delivered stays delivered: a late retry of the same row changes nothing.
    await retryLater(t.db, b!, 'late', new Date());
    expect((await findInboxEntry(t.db, b!))?.result).toEqual(result(1));
  });

  it('released claims are due at once, only the owner’s', async () => {
    const [a, b] = await queue(2, 'release');
    const now = new Date(Date.now() + 1000);
    await claimDue(t.db, { owner: 'mine', limit: 1, leaseMs: 60_000, now });
    await claimDue(t.db, { owner: 'theirs', limit: 1, leaseMs: 60_000, now });
    await releaseClaims(t.db, 'mine', [a!, b!], now);
    const due = await claimDue(t.db, { owner: 'next', limit: 5, leaseMs: 60_000, now });
    expect(due.map((e) => e.requestId)).toEqual([a]);
  });
});

describe('queueing (application/queue-answer.ts)', () => {
  it('the same request id posted at once is one entry and one stored file; another municipality’s is refused', async () => {
    const ctx = useCaseContext({
      db: t.db,
      temporal: {} as Client,
      actor: { name: 'velizh', channel: 'portal', origin: 'web@127.0.0.1' },
    });
    const input = {
      quarter: Q,
      municipality: 'velizh',
      requestId: 'web-double-post-0001',
      answer: { kind: 'file' as const, fileName: 'a.docx', bytes: new Uint8Array([7, 7, 7]) },
    };
    const receipts = await Promise.all([1, 2, 3].map(() => execute(queueAnswer, ctx, input)));
    expect(receipts.map((r) => [r.requestId, r.state])).toEqual(
      Array.from({ length: 3 }, () => ['web-double-post-0001', 'queued']),
    );
    expect(await t.db.answerInbox.count({ where: { requestId: input.requestId } })).toBe(1);
    expect(await t.db.upload.count({ where: { municipality: 'velizh', fileName: 'a.docx' } })).toBe(1);
    const entry = await findInboxEntry(t.db, input.requestId);
    expect(entry).toMatchObject({ state: 'queued', kind: 'file', channel: 'web', attempts: 0 });
    await expect(execute(queueAnswer, ctx, { ...input, municipality: 'vyazma' })).rejects.toThrow(
      /Форма устарела/,
    );
  });
});

describe('queueing a burst (infrastructure/answer-inbox-writer.ts)', () => {
  const ctx = () =>
    useCaseContext({
      db: t.db,
      temporal: {} as Client,
      actor: { name: 'velizh', channel: 'portal', origin: 'web@127.0.0.1' },
    });
  const fileAnswer = (requestId: string, byte: number) => ({
    quarter: Q,
    municipality: 'velizh',
    requestId,
    answer: { kind: 'file' as const, fileName: `burst-${byte}.docx`, bytes: new Uint8Array([byte, 1, 2, 3]) },
  });

  it('answers arriving together are all stored, each file once, each with its own receipt', async () => {
    const inputs = Array.from({ length: 40 }, (_, i) => fileAnswer(`web-burst-${i}`, 100 + (i % 5)));
    const receipts = await Promise.all(inputs.map((input) => execute(queueAnswer, ctx(), input)));
    expect(receipts.map((r) => r.requestId)).toEqual(inputs.map((i) => i.requestId));
    expect(new Set(receipts.map((r) => r.state))).toEqual(new Set(['queued']));
    expect(await t.db.answerInbox.count({ where: { requestId: { startsWith: 'web-burst-' } } })).toBe(40);
    const uploads = await t.db.upload.findMany({ where: { fileName: { startsWith: 'burst-' } } });
    expect(uploads).toHaveLength(40);
    // Five distinct files among the forty: the blob store holds each once, and every upload names one.
    const blobs = await t.db.blob.findMany({ where: { sha256: { in: uploads.map((u) => u.blobSha256) } } });
    expect(blobs).toHaveLength(5);
    for (const id of ['web-burst-0', 'web-burst-39']) {
      const entry = await findInboxEntry(t.db, id);
      const uploadId = (
        JSON.parse((await t.db.answerInbox.findUnique({ where: { requestId: id } }))!.payload) as {
          uploadId: string;
        }
      ).uploadId;
      expect(entry?.kind).toBe('file');
      expect(uploads.some((u) => u.id === uploadId)).toBe(true);
    }
  });

  it('a form posted again among new answers gets its first receipt and costs the others nothing', async () => {
    await execute(queueAnswer, ctx(), fileAnswer('web-again-0', 200));
    const inputs = [
      ...Array.from({ length: 10 }, (_, i) => fileAnswer(`web-again-new-${i}`, 210 + i)),
      fileAnswer('web-again-0', 200),
    ];
    const receipts = await Promise.all(inputs.map((input) => execute(queueAnswer, ctx(), input)));
    expect(receipts.map((r) => [r.requestId, r.state])).toEqual(inputs.map((i) => [i.requestId, 'queued']));
    expect(await t.db.answerInbox.count({ where: { requestId: { startsWith: 'web-again-' } } })).toBe(11);
    // The repeated post stored no second file.
    expect(await t.db.upload.count({ where: { fileName: 'burst-200.docx' } })).toBe(1);
  });
});

describe('a blob written by another process between the look and the write', () => {
  it('is found on the second try, and the answer is queued rather than taken for a double post', async () => {
    // A fake database: the first insert of the blob clashes (another process committed it a moment
    // ago), the second look finds it.
    let blobInserts = 0;
    const inboxRows: string[] = [];
    const clash = Object.assign(new Error('Unique constraint failed on the fields: (`sha256`)'), {
      code: 'P2002',
    });
    const tx = {
      blob: {
        findMany: async () => (blobInserts > 0 ? [{ sha256: 'the-sha' }] : []),
        createMany: async () => {
          blobInserts++;
          throw clash;
        },
      },
      upload: { createMany: async () => ({ count: 1 }) },
      answerInbox: {
        createMany: async ({ data }: { data: { requestId: string }[] }) => {
          inboxRows.push(...data.map((d) => d.requestId));
          return { count: data.length };
        },
      },
    };
    const db = { $transaction: async (fn: (t: typeof tx) => Promise<unknown>) => fn(tx) } as unknown as Db;
    const outcome = await queueAnswerWrite(db, {
      entry: { requestId: 'web-race-1', quarter: Q, municipality: 'velizh', payload: payload('web-race-1') },
      upload: {
        blob: { sha256: 'the-sha', size: 3, bytes: new Uint8Array([1, 2, 3]) },
        row: {
          id: 'u1',
          quarter: Q,
          municipality: 'velizh',
          fileName: 'a.docx',
          blobSha256: 'the-sha',
          size: 3,
          channel: 'web',
          actor: 'velizh',
          origin: 'web',
        },
      },
      now: new Date(),
    });
    expect(outcome).toBe('queued');
    expect(inboxRows).toEqual(['web-race-1']);
  });
});

describe('the dispatcher (application/deliver-inbox.ts)', () => {
  function fakeClient(deliver: (requestId: string) => Promise<SubmissionResult>): Client {
    return {
      withDeadline: <T>(_d: number | Date, fn: () => Promise<T>) => fn(),
      workflow: {
        getHandle: () => ({
          executeUpdate: (_def: unknown, options: { updateId: string }) => deliver(options.updateId),
        }),
      },
    } as unknown as Client;
  }

  it('delivers a row queued in its process at once, retries a transient failure, records a refusal', async () => {
    let failures = 2;
    const seen: string[] = [];
    const client = fakeClient(async (requestId) => {
      seen.push(requestId);
      if (requestId.startsWith('closed'))
        throw new WorkflowUpdateFailedError('Update failed', new Error('Сбор сведений за 2023-Q2 закрыт.'));
      if (requestId.startsWith('flaky') && failures-- > 0)
        throw new Error('14 UNAVAILABLE: connect ECONNREFUSED');
      return result(seen.length);
    });
    // A poll of a minute: only the bell can make it deliver in time.
    const dispatcher = startInboxDispatcher({
      db: t.db,
      temporal: client,
      pollMs: 60_000,
      backoffMs: () => 0,
      onError: (err) => {
        throw err;
      },
    });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const [ok] = await queue(1, 'ok');
      const [flaky] = await queue(1, 'flaky');
      const [closed] = await queue(1, 'closed');
      ringInbox();
      const state = async (id: string) => (await findInboxEntry(t.db, id))?.state;
      await until('delivered', async () => (await state(ok!)) === 'delivered');
      await until('refused', async () => (await state(closed!)) === 'refused');
      expect((await findInboxEntry(t.db, closed!))?.refusal).toBe('Сбор сведений за 2023-Q2 закрыт.');
      // The transient failures are retried when due; the poll would be a minute, so wake it.
      await until('retried', async () => {
        dispatcher.wake();
        return (await state(flaky!)) === 'delivered';
      });
      const entry = await findInboxEntry(t.db, flaky!);
      expect(entry?.attempts).toBe(3);
      expect(entry?.result?.accepted).toBe(true);
    } finally {
      await dispatcher.stop();
    }
  });

  it('delivers no more than its concurrency at once', async () => {
    let running = 0;
    let most = 0;
    const client = fakeClient(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return result(1);
    });
    const ids = await queue(30, 'bounded');
    const dispatcher = startInboxDispatcher({ db: t.db, temporal: client, concurrency: 4, pollMs: 50 });
    try {
      await until(
        'all delivered',
        async () => (await t.db.answerInbox.count({ where: { state: 'delivered' } })) === ids.length,
      );
      expect(most).toBeLessThanOrEqual(4);
      expect(most).toBeGreaterThan(1);
    } finally {
      await dispatcher.stop();
    }
  });

  it('shows a refusal decided on the way or by the validator, and tries anything else again', () => {
    const closed = 'Квартал 2023-Q2 закрыт: отчет подписан, сведения и изменения больше не принимаются.';
    expect(refusalOf(new RefusedError(closed))).toBe(closed);
    const excused = new WorkflowUpdateFailedError(
      'update failed',
      new Error('Муниципальное образование освобождено'),
    );
    expect(refusalOf(excused)).toBe('Муниципальное образование освобождено');
    // A run still missing after its revival was asked for: slow, not gone — tried again later.
    expect(refusalOf(new WorkflowNotFoundError('workflow not found', 'submission/x', undefined))).toBeNull();
    expect(refusalOf(new Error('14 UNAVAILABLE'))).toBeNull();
  });
});
