// The answer's audit entry is written by the activity that records the version (recordAndAcknowledge),
// keyed by the action's id: the activity retried (a crash after the commit, a lost heartbeat) writes
// no second entry, and `audit verify` still holds the chain.
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { verifyAuditChain } from '../../infrastructure/audit';
import { loadConfig } from '../../infrastructure/config';
import { createTestDb } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';

let t: TestDb;
process.env.SVODKA_AUDIT_KEY ??= randomBytes(32).toString('hex');

beforeAll(async () => {
  t = await createTestDb();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

it('writes the submission entry once per action id, with what the timeline shows', async () => {
  const sent: unknown[] = [];
  const { recordAndAcknowledge } = createActivities({
    prisma: t.db,
    mailer: { sendMail: async (m: unknown) => void sent.push(m) } as never,
    files: createDbBlobStore(t.db),
    clock: () => new Date(),
    config: loadConfig({ SVODKA_PUBLIC_URL: 'none' }),
  });
  const input = {
    quarter: '2023-Q2',
    municipality: 'velizh',
    version: 1,
    payload: {
      kind: 'nil' as const,
      channel: 'web' as const,
      actor: 'velizh',
      action: { id: 'web-retried-0001', actor: 'velizh', origin: 'web@10.0.0.5' },
    },
    deadline: '2023-07-05',
    ackSeq: { accepted: 1, rejected: 1 },
  };
  const env = new MockActivityEnvironment();
  await env.run(recordAndAcknowledge, input);
  await env.run(recordAndAcknowledge, input);
  const entries = await t.db.auditEntry.findMany({ where: { action: 'submission' } });
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({
    quarter: '2023-Q2',
    municipality: 'velizh',
    actor: 'velizh',
    origin: 'web@10.0.0.5',
    actionId: 'web-retried-0001',
  });
  expect(JSON.parse(entries[0]!.detail)).toMatchObject({
    version: 1,
    accepted: true,
    channel: 'web',
    kind: 'nil',
    actionId: 'web-retried-0001',
  });
  // Without an action (a caller that names none) the activity writes no entry of its own.
  const { action: _none, ...bare } = input.payload;
  await env.run(recordAndAcknowledge, { ...input, municipality: 'vyazma', payload: bare });
  expect(await t.db.auditEntry.count({ where: { action: 'submission' } })).toBe(1);
  expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, problems: [] });
}, 60_000);
