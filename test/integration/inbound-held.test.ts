// Finding 5 of issue 16 against a real IMAP server (a private Dovecot), a real database and the SMTP
// sink: a reply carrying a valid token is submitted only from a registry address and, with
// SVODKA_AUTHSERV_ID set, only when our server's Authentication-Results do not say DKIM/DMARC
// failed; anything else is held (recorded, flagged, unanswered), the answer goes to the registry's
// address and never to Reply-To, and a token in the subject or another mailbox is not accepted.
// The workflow is a stand-in that records the Update: none of this reaches Temporal's logic.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { loadConfig } from '../../infrastructure/config';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { setupDatabase } from '../../infrastructure/db/setup';
import { createMailer } from '../../infrastructure/email/mailer';
import type { Mailer } from '../../infrastructure/email/mailer';
import { inboundConfigFromEnv, pollMailbox } from '../../client/mail';
import type { InboundDeps } from '../../client/mail';
import { issueToken } from '../../infrastructure/tokens';
import { run } from '../../client/cli/main';
import type { SubmissionResult } from '../../workflows/api';
import { sampleRow, wordSubmission } from '../fixtures/docx-builders';
import { startDovecot } from '../support/dovecot';
import type { Dovecot } from '../support/dovecot';
import { startMailSink } from '../support/mail-sink';
import type { MailSink } from '../support/mail-sink';
import { rfc822 } from '../support/rfc822';

const QUARTER = '2023-Q2';
const REPLY_TO = 'svodka@svodka.example.ru';
const OURS = 'mx.svodka.example.ru';

describe('inbound email: who may submit (Dovecot IMAP)', () => {
  let dir: string;
  let db: Db;
  let dovecot: Dovecot;
  let sink: MailSink;
  let mailer: Mailer;
  let file: Uint8Array;
  const updates: { workflowId: string; updateId: string | undefined }[] = [];
  const temporal = {
    workflow: {
      getHandle: (workflowId: string) => ({
        executeUpdate: async (_def: unknown, options: { updateId?: string }) => {
          updates.push({ workflowId, updateId: options.updateId });
          const result: SubmissionResult = {
            accepted: true,
            version: updates.length,
            submissionId: `${workflowId}/v${updates.length}`,
            nil: false,
            rowCount: 1,
            findings: [],
          };
          return result;
        },
      }),
    },
  } as unknown as Client;
  const deps = (env: NodeJS.ProcessEnv = {}): InboundDeps => ({
    db,
    files: createDbBlobStore(db),
    temporal,
    mailer,
    config: loadConfig({ SVODKA_REPLY_TO: REPLY_TO }),
    imap: { ...dovecot.imap, ...inboundConfigFromEnv({ ...env, SVODKA_IMAP_URL: dovecot.url }) },
    log: () => {},
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-held-'));
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

  const statusOf = async (messageId: string) => db.inboundMail.findUnique({ where: { messageId } });
  const attachment = () => ({ filename: 'вязьма.docx', content: file });

  it('holds a leaked token from a stranger, answers the registry not Reply-To, ignores tokens outside the plus-address', async () => {
    const token = await issueToken(db, { quarter: QUARTER, municipality: 'vyazma' });
    const to = `svodka+${token}@svodka.example.ru`;
    // 1. The token, leaked, sent from someone else's address.
    await dovecot.append(
      rfc822({
        from: 'Вязьма <vyazma@attacker.example>',
        to,
        subject: 'Re: Запрос',
        messageId: '<leak-1@attacker.example>',
        attachment: attachment(),
      }),
    );
    // 2. The municipality itself, with a Reply-To aimed at a third party.
    await dovecot.append(
      rfc822({
        from: 'vyazma@mo.example.ru',
        to,
        subject: 'Re: Запрос',
        messageId: '<good-1@mo.example.ru>',
        headers: ['Reply-To: victim@elsewhere.example'],
        attachment: attachment(),
      }),
    );
    // 3. The token quoted in the subject only.
    await dovecot.append(
      rfc822({
        from: 'vyazma@mo.example.ru',
        to: REPLY_TO,
        subject: `Re: Запрос ${token}`,
        messageId: '<subject-1@mo.example.ru>',
        attachment: attachment(),
      }),
    );
    // 4. The token in the plus-address of another mailbox.
    await dovecot.append(
      rfc822({
        from: 'vyazma@mo.example.ru',
        to: `other+${token}@attacker.example`,
        subject: 'Re: Запрос',
        messageId: '<other-1@mo.example.ru>',
        attachment: attachment(),
      }),
    );

    expect(await pollMailbox(deps())).toEqual({ processed: 4, submitted: 1, flagged: 3 });

    // Only the municipality's own reply reached the workflow.
    expect(updates.map((u) => u.workflowId)).toEqual([expect.stringContaining('vyazma')]);
    expect((await statusOf('<good-1@mo.example.ru>'))?.status).toBe('submitted');
    expect(await flagsOf('<good-1@mo.example.ru>')).toContain('\\Seen');

    // The answer went to the registry's address, nobody else.
    await sink.waitFor((all) => all.length >= 1, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.map((m) => m.to)).toEqual(['vyazma@mo.example.ru']);

    // The stranger's message is held: recorded, audited, flagged and unread, unanswered.
    const held = await statusOf('<leak-1@attacker.example>');
    expect(held).toMatchObject({
      status: 'held',
      quarter: QUARTER,
      municipality: 'vyazma',
      fromAddress: 'vyazma@attacker.example',
    });
    expect(held!.detail).toContain('задержано для координатора');
    expect(held!.detail).toContain('vyazma@attacker.example не указан в реестре');
    const flags = await flagsOf('<leak-1@attacker.example>');
    expect(flags).toContain('\\Flagged');
    expect(flags).not.toContain('\\Seen');
    const audit = await db.auditEntry.findMany({ where: { action: 'email.held' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ municipality: 'vyazma', origin: 'email:vyazma@attacker.example' });

    // Tokens outside the plus-address of the reply mailbox name nobody.
    for (const id of ['<subject-1@mo.example.ru>', '<other-1@mo.example.ru>']) {
      expect((await statusOf(id))?.status).toBe('unmatched');
      expect(await flagsOf(id)).toContain('\\Flagged');
    }

    // Polling again changes nothing; the held message is not submitted later either.
    expect(await pollMailbox(deps())).toEqual({ processed: 0, submitted: 0, flagged: 0 });
    expect(updates).toHaveLength(1);

    // `svodka mail held` lists it.
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = `file:${path.join(dir, 'svodka.db')}`;
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      expect(await run(['mail', 'held', '--json'])).toBe(0);
    } finally {
      spy.mockRestore();
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
    const listed = JSON.parse(out.join('')) as { messageId: string; from: string }[];
    expect(listed).toEqual([
      expect.objectContaining({ messageId: '<leak-1@attacker.example>', from: 'vyazma@attacker.example' }),
    ]);
  });

  it('with SVODKA_AUTHSERV_ID, holds what our server failed and believes no forged verdict', async () => {
    const token = await issueToken(db, { quarter: QUARTER, municipality: 'gagarin' });
    const to = `svodka+${token}@svodka.example.ru`;
    const ar = (id: string, results: string) => `Authentication-Results: ${id}; ${results}`;
    const send = (messageId: string, headers: string[]) =>
      dovecot.append(
        rfc822({
          from: 'gagarin@mo.example.ru',
          to,
          subject: 'Re: Запрос',
          messageId,
          headers,
          attachment: attachment(),
        }),
      );
    await send('<dkim-fail@mo.example.ru>', [ar(OURS, 'dkim=fail header.d=mo.example.ru; spf=pass')]);
    await send('<dmarc-fail@mo.example.ru>', [
      ar(OURS, 'dkim=none; dmarc=fail'),
      ar('mx.attacker.example', 'dkim=pass; dmarc=pass'),
    ]);
    await send('<forged-only@mo.example.ru>', [ar('mx.attacker.example', 'dkim=pass; dmarc=pass')]);
    await send('<authentic@mo.example.ru>', [ar(OURS, 'dkim=pass header.d=mo.example.ru; dmarc=pass')]);
    const before = updates.length;
    const sent = sink.messages.length;

    expect(await pollMailbox(deps({ SVODKA_AUTHSERV_ID: OURS }))).toEqual({
      processed: 4,
      submitted: 1,
      flagged: 3,
    });
    expect(updates.slice(before).map((u) => u.workflowId)).toEqual([expect.stringContaining('gagarin')]);
    expect((await statusOf('<authentic@mo.example.ru>'))?.status).toBe('submitted');
    expect((await statusOf('<dkim-fail@mo.example.ru>'))?.detail).toContain('DKIM');
    expect((await statusOf('<dmarc-fail@mo.example.ru>'))?.detail).toContain('DMARC');
    expect((await statusOf('<forged-only@mo.example.ru>'))?.detail).toContain(
      'нет результатов проверки подлинности',
    );
    for (const id of [
      '<dkim-fail@mo.example.ru>',
      '<dmarc-fail@mo.example.ru>',
      '<forged-only@mo.example.ru>',
    ]) {
      expect((await statusOf(id))?.status).toBe('held');
      expect(await flagsOf(id)).not.toContain('\\Seen');
    }
    await sink.waitFor((all) => all.length > sent, 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.slice(sent).map((m) => m.to)).toEqual(['gagarin@mo.example.ru']);
  });
});
