// The inbound email channel against a real IMAP server (a private Dovecot), a real Temporal dev
// server and worker, and the SMTP sink: a municipality replies to its request email with the filled
// template attached, the poller submits it and answers the sender; mail it cannot place is left
// flagged in the mailbox; polling again answers nothing twice.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { loadConfig } from '../../infrastructure/config';
import { createMailer } from '../../infrastructure/email/mailer';
import type { Mailer } from '../../infrastructure/email/mailer';
import { inboundConfigFromEnv, pollMailbox, startInboundPoller } from '../../client/mail';
import type { InboundDeps } from '../../client/mail';
import { submissionStatusQuery, submissionWorkflowId } from '../../workflows/api';
import { sampleRow, wordSubmission } from '../fixtures/docx-builders';
import { startDovecot } from '../support/dovecot';
import { rfc822 } from '../support/rfc822';
import type { Dovecot } from '../support/dovecot';
import type { ReceivedMail } from '../support/mail-sink';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';

const QUARTER = '2023-Q2';
const REPLY_TO = 'svodka@svodka.example.ru';

function replyToOf(mail: ReceivedMail): string {
  const v = mail.headers.get('reply-to') as
    { value?: { address?: string }[]; text?: string } | string | undefined;
  if (!v) return '';
  if (typeof v === 'string') return v;
  return v.value?.[0]?.address ?? v.text ?? '';
}

const replies = (all: ReceivedMail[]) => all.filter((m) => m.messageId.includes('.email-reply.'));

describe('inbound email channel (Dovecot IMAP)', () => {
  let stack: Stack;
  let dovecot: Dovecot;
  let connection: Connection;
  let temporal: Client;
  let mailer: Mailer;
  let deps: InboundDeps;
  const savedReplyTo = process.env.SVODKA_REPLY_TO;

  beforeAll(async () => {
    // The worker reads its configuration when it starts: request emails then carry the Reply-To.
    process.env.SVODKA_REPLY_TO = REPLY_TO;
    dovecot = await startDovecot();
    stack = await startStack({ database: 'sqlite' });
    connection = await Connection.connect({ address: stack.temporalAddress });
    temporal = new Client({ connection });
    mailer = createMailer(stack.mail.url);
    deps = {
      db: stack.db,
      files: createDbBlobStore(stack.db),
      temporal,
      mailer,
      config: loadConfig({ ...process.env, SVODKA_REPLY_TO: REPLY_TO }),
      imap: dovecot.imap,
      log: () => {},
    };
  });
  afterAll(async () => {
    mailer?.close?.();
    await connection?.close();
    await stack?.stop();
    await dovecot?.stop();
    if (savedReplyTo === undefined) delete process.env.SVODKA_REPLY_TO;
    else process.env.SVODKA_REPLY_TO = savedReplyTo;
  });

  async function flagsOf(messageId: string): Promise<Set<string>> {
    const client = await dovecot.client();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const uids = (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
        expect(uids, `message ${messageId} is still in the mailbox`).toHaveLength(1);
        const msg = await client.fetchOne(String(uids[0]), { uid: true, flags: true }, { uid: true });
        return msg ? (msg.flags ?? new Set()) : new Set();
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  }

  async function requestFor(code: string): Promise<ReceivedMail> {
    const request = stack.mail.messages.find(
      (m) => m.subject.startsWith('Запрос сведений') && m.to === `${code}@mo.example.ru`,
    );
    expect(request, `request email to ${code}`).toBeTruthy();
    return request!;
  }

  it(
    'submits a reply with the template attached, answers by email, flags what it cannot place, never twice',
    { timeout: 240_000 },
    async () => {
      const start = await stack.cli(['quarter', 'start', QUARTER, '--deadline', '2099-07-10']);
      expect(start.code, start.stderr).toBe(0);
      await stack.mail.waitFor(
        (all) => all.filter((m) => m.subject.startsWith('Запрос сведений')).length === 27,
      );

      // The request carries Reply-To: svodka+<token>@svodka.example.ru.
      const vyazmaRequest = await requestFor('vyazma');
      const vyazmaReplyTo = replyToOf(vyazmaRequest);
      expect(vyazmaReplyTo).toMatch(/^svodka\+[A-Za-z0-9_-]{43}@svodka\.example\.ru$/);

      // 1. Vyazma replies with a good file.
      const good = await wordSubmission({
        rows: [
          sampleRow(),
          sampleRow({ title: 'Визит делегации города-побратима', dates: '12 июня 2023 года' }),
        ],
      });
      await dovecot.append(
        rfc822({
          from: 'Администрация Вязьмы <vyazma@mo.example.ru>',
          to: vyazmaReplyTo,
          subject: `Re: ${vyazmaRequest.subject}`,
          messageId: '<reply-1@mo.example.ru>',
          text: 'Направляем сведения.',
          attachment: { filename: 'вязьма.docx', content: good },
        }),
      );
      // 2. Gagarin replies with a file whose rows break the rules.
      const gagarinRequest = await requestFor('gagarin');
      const broken = await wordSubmission({
        rows: [sampleRow({ place: '' }), sampleRow({ title: 'Второе', dates: 'когда-нибудь' })],
      });
      await dovecot.append(
        rfc822({
          from: 'gagarin@mo.example.ru',
          to: replyToOf(gagarinRequest),
          subject: `Re: ${gagarinRequest.subject}`,
          messageId: '<reply-2@mo.example.ru>',
          text: 'Сведения во вложении.',
          attachment: { filename: 'гагарин.docx', content: broken },
        }),
      );
      // 3. A letter with no token at all.
      await dovecot.append(
        rfc822({
          from: 'someone@example.org',
          to: REPLY_TO,
          subject: 'Отчет',
          messageId: '<stray-1@example.org>',
          text: 'Здравствуйте, отчет во вложении.',
          attachment: { filename: 'отчет.docx', content: good },
        }),
      );
      // 4. A reply that names its municipality but forgot the file.
      const demidovRequest = await requestFor('demidov');
      await dovecot.append(
        rfc822({
          from: 'demidov@mo.example.ru',
          to: replyToOf(demidovRequest),
          subject: `Re: ${demidovRequest.subject}`,
          messageId: '<reply-3@mo.example.ru>',
          text: 'Файл пришлем позже.',
        }),
      );

      const first = await pollMailbox(deps);
      expect(first).toEqual({ processed: 4, submitted: 2, flagged: 2 });

      // Vyazma is accepted, with the two rows.
      const vyazma = await temporal.workflow
        .getHandle(submissionWorkflowId(QUARTER, 'vyazma'))
        .query(submissionStatusQuery);
      expect(vyazma.state).toBe('accepted');
      expect(vyazma.rowCount).toBe(2);
      const upload = await stack.db.upload.findFirst({ where: { quarter: QUARTER, municipality: 'vyazma' } });
      expect(upload).toMatchObject({
        channel: 'email',
        actor: 'vyazma@mo.example.ru',
        origin: 'email:vyazma@mo.example.ru',
        fileName: 'вязьма.docx',
      });

      // Gagarin is rejected.
      const gagarin = await temporal.workflow
        .getHandle(submissionWorkflowId(QUARTER, 'gagarin'))
        .query(submissionStatusQuery);
      expect(gagarin.state).toBe('rejected');

      // Each sender got the answer, in Russian, threaded to their message.
      await stack.mail.waitFor((all) => replies(all).length === 2, 30_000);
      const toVyazma = replies(stack.mail.messages).find((m) => m.to === 'vyazma@mo.example.ru')!;
      expect(toVyazma.subject).toContain('приняты');
      expect(toVyazma.text).toContain('сведения приняты — версия 1, мероприятий: 2');
      expect(toVyazma.headers.get('in-reply-to')).toBe('<reply-1@mo.example.ru>');
      expect(replyToOf(toVyazma)).toBe(vyazmaReplyTo);
      const toGagarin = replies(stack.mail.messages).find((m) => m.to === 'gagarin@mo.example.ru')!;
      expect(toGagarin.subject).toContain('НЕ приняты');
      expect(toGagarin.text).toContain('сведения НЕ приняты');
      expect(toGagarin.text).toMatch(/• ошибка: Строка 1, столбец «[^»]+»: /);
      expect(toGagarin.text).toMatch(/• ошибка: Строка 2, столбец «[^»]+»: /);

      // Submitted mail is read; what could not be placed is flagged, unread, still there.
      expect(await flagsOf('<reply-1@mo.example.ru>')).toContain('\\Seen');
      expect(await flagsOf('<reply-2@mo.example.ru>')).toContain('\\Seen');
      const stray = await flagsOf('<stray-1@example.org>');
      expect(stray).toContain('\\Flagged');
      expect(stray).not.toContain('\\Seen');
      const noFile = await flagsOf('<reply-3@mo.example.ru>');
      expect(noFile).toContain('\\Flagged');
      expect(noFile).not.toContain('\\Seen');

      const rows = await stack.db.inboundMail.findMany({ orderBy: { messageId: 'asc' } });
      const byId = Object.fromEntries(rows.map((r) => [r.messageId, r]));
      expect(byId['<reply-1@mo.example.ru>']).toMatchObject({
        status: 'submitted',
        quarter: QUARTER,
        municipality: 'vyazma',
      });
      expect(byId['<reply-2@mo.example.ru>']).toMatchObject({
        status: 'submitted',
        quarter: QUARTER,
        municipality: 'gagarin',
      });
      expect(byId['<stray-1@example.org>']).toMatchObject({
        status: 'unmatched',
        quarter: null,
        fromAddress: 'someone@example.org',
      });
      expect(byId['<stray-1@example.org>']!.detail).toContain('ключа доступа');
      expect(byId['<reply-3@mo.example.ru>']).toMatchObject({
        status: 'unreadable',
        municipality: 'demidov',
      });
      expect(byId['<reply-3@mo.example.ru>']!.detail).toContain('.docx');

      // Polling again handles nothing: no second submission, no second answer.
      const sentBefore = stack.mail.messages.length;
      expect(await pollMailbox(deps)).toEqual({ processed: 0, submitted: 0, flagged: 0 });
      // The same message delivered twice (a duplicate from the relay) is not submitted again either.
      await dovecot.append(
        rfc822({
          from: 'vyazma@mo.example.ru',
          to: vyazmaReplyTo,
          subject: `Re: ${vyazmaRequest.subject}`,
          messageId: '<reply-1@mo.example.ru>',
          text: 'Направляем сведения.',
          attachment: { filename: 'вязьма.docx', content: good },
        }),
      );
      expect(await pollMailbox(deps)).toEqual({ processed: 0, submitted: 0, flagged: 0 });
      await new Promise((r) => setTimeout(r, 1_000));
      expect(stack.mail.messages.length).toBe(sentBefore);
      const vyazmaAgain = await temporal.workflow
        .getHandle(submissionWorkflowId(QUARTER, 'vyazma'))
        .query(submissionStatusQuery);
      expect(vyazmaAgain.versions).toBe(1);

      // A failure on the way (the SMTP relay is down) leaves the message unread for the next poll,
      // which neither submits it a second time nor answers twice.
      const yartsevoRequest = await requestFor('yartsevo');
      await dovecot.append(
        rfc822({
          from: 'yartsevo@mo.example.ru',
          to: replyToOf(yartsevoRequest),
          subject: `Re: ${yartsevoRequest.subject}`,
          messageId: '<reply-5@mo.example.ru>',
          text: 'Сведения во вложении.',
          attachment: { filename: 'ярцево.docx', content: good },
        }),
      );
      const down: Mailer = { sendMail: () => Promise.reject(new Error('421 relay unavailable')) };
      expect(await pollMailbox({ ...deps, mailer: down })).toEqual({
        processed: 1,
        submitted: 0,
        flagged: 0,
      });
      expect(
        await stack.db.inboundMail.findUnique({ where: { messageId: '<reply-5@mo.example.ru>' } }),
      ).toMatchObject({ status: 'error' });
      expect(await flagsOf('<reply-5@mo.example.ru>')).not.toContain('\\Seen');
      // The worker's poller picks it up again.
      const poller = startInboundPoller(deps, { intervalMs: 200 });
      try {
        await stack.mail.waitFor(
          (all) => replies(all).some((m) => m.to === 'yartsevo@mo.example.ru'),
          30_000,
        );
      } finally {
        await poller.stop();
      }
      expect(
        await stack.db.inboundMail.findUnique({ where: { messageId: '<reply-5@mo.example.ru>' } }),
      ).toMatchObject({ status: 'submitted' });
      expect(await flagsOf('<reply-5@mo.example.ru>')).toContain('\\Seen');
      const yartsevo = await temporal.workflow
        .getHandle(submissionWorkflowId(QUARTER, 'yartsevo'))
        .query(submissionStatusQuery);
      expect(yartsevo).toMatchObject({ state: 'accepted', versions: 1 });
      expect(replies(stack.mail.messages).filter((m) => m.to === 'yartsevo@mo.example.ru')).toHaveLength(1);
      // Processed twice, recorded once: the activity that stored the version wrote the audit entry,
      // keyed by the message's request id, and the retried message found it written.
      const yartsevoEntries = await stack.db.auditEntry.findMany({
        where: { quarter: QUARTER, municipality: 'yartsevo', action: 'submission' },
      });
      expect(yartsevoEntries).toHaveLength(1);
      expect(yartsevoEntries[0]).toMatchObject({
        actor: 'yartsevo@mo.example.ru',
        origin: 'email:yartsevo@mo.example.ru',
        actionId: expect.stringMatching(/^email-[0-9a-f]{64}$/),
      });
      expect(JSON.parse(yartsevoEntries[0]!.detail)).toMatchObject({
        version: 1,
        accepted: true,
        channel: 'email',
        kind: 'file',
      });

      // Once the collection is closed, a reply is refused and the sender is told so.
      const close = await stack.cli(['quarter', 'close', QUARTER]);
      expect(close.code, close.stderr).toBe(0);
      // The quarter passes the close on to each municipality's workflow: wait until it has arrived.
      const dorogobuzhHandle = temporal.workflow.getHandle(submissionWorkflowId(QUARTER, 'dorogobuzh'));
      for (let i = 0; (await dorogobuzhHandle.query(submissionStatusQuery)).state !== 'not_submitted'; i++) {
        expect(i, 'dorogobuzh is closed as «не представлено»').toBeLessThan(300);
        await new Promise((r) => setTimeout(r, 100));
      }
      const dorogobuzhRequest = await requestFor('dorogobuzh');
      await dovecot.append(
        rfc822({
          from: 'dorogobuzh@mo.example.ru',
          to: replyToOf(dorogobuzhRequest),
          subject: `Re: ${dorogobuzhRequest.subject}`,
          messageId: '<reply-4@mo.example.ru>',
          text: 'Поздно, но вот.',
          attachment: { filename: 'дорогобуж.docx', content: good },
        }),
      );
      expect(await pollMailbox(deps)).toMatchObject({ processed: 1, submitted: 0 });
      await stack.mail.waitFor(
        (all) => replies(all).some((m) => m.to === 'dorogobuzh@mo.example.ru'),
        30_000,
      );
      const toDorogobuzh = replies(stack.mail.messages).find((m) => m.to === 'dorogobuzh@mo.example.ru')!;
      expect(toDorogobuzh.subject).toContain('квартал закрыт');
      expect(toDorogobuzh.text).toContain('закрыт');
      expect(await flagsOf('<reply-4@mo.example.ru>')).toContain('\\Seen');
    },
  );
});

describe('SVODKA_IMAP_URL', () => {
  it('is read into connection settings, or null when unset', () => {
    expect(inboundConfigFromEnv({})).toBeNull();
    expect(inboundConfigFromEnv({ SVODKA_IMAP_URL: 'imap://svodka:p%40ss@127.0.0.1:1143' })).toEqual({
      host: '127.0.0.1',
      port: 1143,
      secure: false,
      user: 'svodka',
      pass: 'p@ss',
    });
    expect(inboundConfigFromEnv({ SVODKA_IMAP_URL: 'imaps://u:p@mail.region.ru/Svodka' })).toEqual({
      host: 'mail.region.ru',
      port: 993,
      secure: true,
      user: 'u',
      pass: 'p',
      mailbox: 'Svodka',
    });
    expect(() => inboundConfigFromEnv({ SVODKA_IMAP_URL: 'pop3://u:p@host' })).toThrow(/imap:\/\//);
  });
});
