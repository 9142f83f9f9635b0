// The two activities that carry most of a quarter's email: the request round (one activity for a
// whole region or group) and the recording of an answer with its result email. A flaky relay must
// neither lose an email nor send one twice, and must never lose an answer.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { loadConfig } from '../../infrastructure/config';
import type { MailMessage } from '../../infrastructure/email/mailer';
import type { EventRow } from '../../domain/types';
import { createTestDb } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';

const Q = '2023-Q2';
let t: TestDb;

/** A relay that refuses some recipients, or everything while `down`. */
function flakyMailer() {
  const sent: MailMessage[] = [];
  const refused = new Set<string>();
  const relay = {
    sent,
    refused,
    down: false,
    async sendMail(message: MailMessage) {
      if (relay.down || refused.has(message.to)) throw new Error('421 service not available');
      sent.push(message);
    },
  };
  return relay;
}

/** Runs activity code with an activity context (heartbeats), as the worker would. */
function inActivity<R>(work: () => Promise<R>, env = new MockActivityEnvironment()): Promise<R> {
  return env.run(work) as Promise<R>;
}

function activitiesWith(mailer: ReturnType<typeof flakyMailer>) {
  return createActivities({
    prisma: t.db,
    mailer,
    files: createDbBlobStore(t.db),
    clock: () => new Date(),
    config: loadConfig({ SVODKA_PUBLIC_URL: 'none' }),
  });
}

beforeAll(async () => {
  t = await createTestDb();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('the request round', () => {
  it('sends every request once, keeps going past a refused address, and its retry sends only what failed', async () => {
    const registry = await t.db.municipality.findMany({ orderBy: { position: 'asc' } });
    const codes = registry.slice(0, 8).map((m) => m.code);
    const mailer = flakyMailer();
    mailer.refused.add(registry[2]!.email);
    const { sendRequestEmails } = activitiesWith(mailer);
    const env = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => heartbeats.push(d));

    const round = { quarter: Q, deadline: '2023-07-05', codes };
    await expect(inActivity(() => sendRequestEmails(round), env)).rejects.toThrow(
      /Не отправлено запросов: 1 из 8; первый: .*421/,
    );
    // The other seven went out, each with its municipality's template attached.
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(
      registry
        .slice(0, 8)
        .filter((_, i) => i !== 2)
        .map((m) => m.email)
        .sort(),
    );
    expect(mailer.sent.every((m) => m.attachments?.[0]?.filename.startsWith(`шаблон-${Q}-`))).toBe(true);
    expect(heartbeats).toHaveLength(8);

    mailer.refused.clear();
    const retried = await inActivity(() => sendRequestEmails(round));
    expect(retried).toEqual({ sent: 1 });
    expect(mailer.sent).toHaveLength(8);
    expect(mailer.sent.at(-1)!.to).toBe(registry[2]!.email);
    const outbox = await t.db.emailOutbox.findMany({ where: { quarter: Q, kind: 'request' } });
    expect(outbox.map((o) => o.status)).toEqual(Array(8).fill('sent'));
    expect(new Set(mailer.sent.map((m) => m.messageId)).size).toBe(8);
  });
});

const oneTitle = { title: 'Встреча', place: '', dates: '', purpose: '', participants: '' } as EventRow;

describe('recording an answer with its result email', () => {
  it('sends the result in the same activity when the relay takes it', async () => {
    const mailer = flakyMailer();
    const { recordAndAcknowledge } = activitiesWith(mailer);
    const result = await inActivity(() =>
      recordAndAcknowledge({
        quarter: Q,
        municipality: 'velizh',
        version: 1,
        payload: { kind: 'nil' as const, channel: 'web' as const, actor: 'test' },
        deadline: '2023-07-05',
        ackSeq: { accepted: 1, rejected: 1 },
      }),
    );
    expect(result).toMatchObject({ accepted: true, nil: true, acknowledged: true });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]!.messageId).toBe('<2023-q2.velizh.accepted.1@svodka.local>');
  });

  it('keeps the answer and leaves the email to the workflow when the relay is down', async () => {
    const mailer = flakyMailer();
    mailer.down = true;
    const { recordAndAcknowledge, sendMunicipalityEmail } = activitiesWith(mailer);
    const input = {
      quarter: Q,
      municipality: 'gagarin',
      version: 1,
      // A row with nothing but a title cannot be accepted.
      payload: { kind: 'rows' as const, channel: 'web' as const, actor: 'test', rows: [oneTitle] },
      deadline: '2023-07-05',
      ackSeq: { accepted: 1, rejected: 3 },
    };
    const result = await inActivity(() => recordAndAcknowledge(input));
    expect(result).toMatchObject({ accepted: false, acknowledged: false });
    expect(result.findings.some((f) => f.severity === 'error')).toBe(true);
    const stored = await t.db.submission.findUnique({ where: { id: result.submissionId } });
    expect(stored?.status).toBe('rejected');
    const pending = await t.db.emailOutbox.findUnique({ where: { key: `${Q}/gagarin/rejected/3` } });
    expect(pending).toMatchObject({ status: 'pending', lastError: expect.stringContaining('421') });

    // The workflow's own send, under the number the activity reserved, delivers it once.
    mailer.down = false;
    await inActivity(() =>
      sendMunicipalityEmail({
        quarter: Q,
        municipality: 'gagarin',
        kind: 'rejected',
        seq: 3,
        deadline: '2023-07-05',
        submissionId: result.submissionId,
      }),
    );
    // A retried recording returns the stored answer and does not send the result again.
    const again = await inActivity(() => recordAndAcknowledge(input));
    expect(again).toMatchObject({ accepted: false, acknowledged: true, submissionId: result.submissionId });
    expect(mailer.sent.map((m) => m.messageId)).toEqual(['<2023-q2.gagarin.rejected.3@svodka.local>']);
    expect(mailer.sent[0]!.text).toContain('не приняты');
  });
});
