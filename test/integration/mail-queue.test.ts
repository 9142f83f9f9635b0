// The mail queue against a real IMAP server (a private Dovecot) and a real database: a held and an
// unmatched reply keep their template for the coordinator (the very bytes sent), one without a
// template keeps nothing; once the coordinator assigns one and discards another, the next poll
// marks both read and submits nothing again. The workflow is a stand-in that records the Update.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assignMail } from '../../application/assign-mail';
import { discardMail } from '../../application/discard-mail';
import { execute } from '../../application/use-case';
import type { UseCaseContext } from '../../application/use-case';
import { createDbBlobStore, sha256Hex } from '../../infrastructure/blobs';
import { loadConfig } from '../../infrastructure/config';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { setupDatabase } from '../../infrastructure/db/setup';
import { createMailer } from '../../infrastructure/email/mailer';
import type { Mailer } from '../../infrastructure/email/mailer';
import { issueToken } from '../../infrastructure/tokens';
import { inboundConfigFromEnv, pollMailbox } from '../../client/mail';
import type { InboundDeps } from '../../client/mail';
import type { SubmissionPayload, SubmissionResult } from '../../workflows/api';
import { sampleRow, wordSubmission } from '../fixtures/docx-builders';
import { startDovecot } from '../support/dovecot';
import type { Dovecot } from '../support/dovecot';
import { startMailSink } from '../support/mail-sink';
import type { MailSink } from '../support/mail-sink';
import { rfc822 } from '../support/rfc822';

const QUARTER = '2023-Q2';
const REPLY_TO = 'svodka@svodka.example.ru';

let dir: string;
let db: Db;
let dovecot: Dovecot;
let sink: MailSink;
let mailer: Mailer;
let file: Uint8Array;
const updates: { workflowId: string; updateId?: string; payload: SubmissionPayload }[] = [];
const temporal = {
  workflow: {
    getHandle: (workflowId: string) => ({
      executeUpdate: async (_def: unknown, options: { args: [SubmissionPayload]; updateId?: string }) => {
        updates.push({ workflowId, updateId: options.updateId, payload: options.args[0] });
        const result: SubmissionResult = {
          accepted: true,
          version: 1,
          submissionId: `${workflowId}/v1`,
          nil: false,
          rowCount: 1,
          findings: [],
        };
        return result;
      },
    }),
  },
} as unknown as Client;

const deps = (): InboundDeps => ({
  db,
  files: createDbBlobStore(db),
  temporal,
  mailer,
  config: loadConfig({ SVODKA_REPLY_TO: REPLY_TO }),
  imap: { ...dovecot.imap, ...inboundConfigFromEnv({ SVODKA_IMAP_URL: dovecot.url }) },
  log: () => {},
});

const coordinator = (): UseCaseContext => ({
  db,
  files: createDbBlobStore(db),
  temporal: async () => temporal,
  clock: () => new Date(),
  actor: { name: 'coordinator', channel: 'portal', origin: 'web@127.0.0.1' },
});

async function flagsOf(messageId: string): Promise<Set<string>> {
  const client = await dovecot.client();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const uids = (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
      expect(uids).toHaveLength(1);
      const msg = await client.fetchOne(String(uids[0]), { uid: true, flags: true }, { uid: true });
      return msg ? (msg.flags ?? new Set()) : new Set();
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-queue-'));
  const url = `file:${path.join(dir, 'svodka.db')}`;
  await setupDatabase(url);
  db = await createDb(url);
  dovecot = await startDovecot();
  sink = await startMailSink();
  mailer = createMailer(sink.url, {});
  file = await wordSubmission({ rows: [sampleRow()] });
});

afterAll(async () => {
  mailer?.close?.();
  await sink?.stop();
  await dovecot?.stop();
  await db?.$disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it(
  'keeps the template of held and unmatched replies, and a decided reply is not taken again',
  { timeout: 120_000 },
  async () => {
    const token = await issueToken(db, { quarter: QUARTER, municipality: 'vyazma' });
    const attachment = { filename: 'вязьма.docx', content: file };
    await dovecot.append(
      rfc822({
        from: 'clerk@private.example',
        to: `svodka+${token}@svodka.example.ru`,
        subject: 'Re: Запрос',
        messageId: '<held-1@private.example>',
        attachment,
      }),
    );
    await dovecot.append(
      rfc822({
        from: 'vyazma@mo.example.ru',
        to: REPLY_TO,
        subject: 'Сведения',
        messageId: '<lost-1@mo.example.ru>',
        attachment,
      }),
    );
    await dovecot.append(
      rfc822({
        from: 'spam@shop.example',
        to: REPLY_TO,
        subject: 'Скидки',
        messageId: '<spam-1@shop.example>',
      }),
    );
    expect(await pollMailbox(deps())).toEqual({ processed: 3, submitted: 0, flagged: 3 });
    const row = (messageId: string) => db.inboundMail.findUniqueOrThrow({ where: { messageId } });
    const held = await row('<held-1@private.example>');
    const lost = await row('<lost-1@mo.example.ru>');
    const spam = await row('<spam-1@shop.example>');
    expect([held.status, lost.status, spam.status]).toEqual(['held', 'unmatched', 'unmatched']);
    for (const kept of [held, lost]) {
      expect(kept.attachmentName).toBe('вязьма.docx');
      expect(kept.attachmentSha256).toBe(sha256Hex(file));
      expect((await createDbBlobStore(db).get(kept.attachmentSha256!))?.equals(Buffer.from(file))).toBe(true);
    }
    expect(spam.attachmentSha256).toBeNull();

    // The coordinator: the held reply is Вязьма's answer after all; the lost one is discarded.
    const requestId = randomUUID();
    const assigned = await execute(assignMail, coordinator(), {
      mailId: held.id,
      quarter: QUARTER,
      municipality: 'vyazma',
      requestId,
    });
    expect(assigned).toMatchObject({
      quarter: QUARTER,
      municipality: { code: 'vyazma' },
      result: { accepted: true },
    });
    expect(updates).toEqual([
      {
        workflowId: `quarter/${QUARTER}/vyazma`,
        updateId: `${requestId}-answer`,
        payload: expect.objectContaining({ kind: 'file', channel: 'email', actor: 'clerk@private.example' }),
      },
    ]);
    const upload = await db.upload.findUniqueOrThrow({
      where: { id: (updates[0]!.payload as { uploadId: string }).uploadId },
    });
    expect(upload).toMatchObject({ channel: 'email', blobSha256: sha256Hex(file), fileName: 'вязьма.docx' });
    await execute(discardMail, coordinator(), { mailId: lost.id, requestId: randomUUID() });

    // The next poll marks both read, submits nothing and leaves the undecided one flagged and unread.
    expect(await pollMailbox(deps())).toEqual({ processed: 0, submitted: 0, flagged: 0 });
    expect(updates).toHaveLength(1);
    expect(await flagsOf('<held-1@private.example>')).toContain('\\Seen');
    expect(await flagsOf('<lost-1@mo.example.ru>')).toContain('\\Seen');
    expect(await flagsOf('<spam-1@shop.example>')).not.toContain('\\Seen');
    expect((await row('<held-1@private.example>')).status).toBe('assigned');
    expect((await row('<lost-1@mo.example.ru>')).status).toBe('discarded');
    expect(await db.auditEntry.count({ where: { action: { in: ['email.assign', 'email.discard'] } } })).toBe(
      2,
    );
  },
);
