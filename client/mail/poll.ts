// The inbound email channel: a municipality replies to its request email with the filled Word
// template attached, and the reply is submitted as if it had been uploaded. The mailbox is read over
// IMAP; every unread message is handled once (keyed by its Message-ID in InboundMail):
//  - matched (token in the plus-address of SVODKA_REPLY_TO it was sent to, the only place Svodka
//    puts it), from one of the municipality's registry addresses, not failed by our server's
//    DKIM/DMARC verdict, with a .docx attached → stored as an upload (channel 'email'), submitted
//    through the municipality's workflow, the registry address answered with the result
//    (outbox-keyed: a re-poll never answers twice), the message marked \Seen;
//  - matched but from another address or failing authentication (held) → not submitted, not
//    answered, recorded as held (InboundMail and the audit log) for the coordinator, and left
//    unread and \Flagged in the mailbox;
//  - a closed quarter (the Update is refused) → the sender is told so, the message marked \Seen;
//  - no, unknown or expired token (unmatched), or no .docx attached (unreadable) → left in the
//    mailbox unread and \Flagged for a person to look at; nothing is ever deleted or moved.
// A failure on the way (Temporal or SMTP down) leaves the message unread: the next poll retries it,
// and the submission is not repeated (the Update's id derives from the Message-ID).
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import type { Attachment, ParsedMail } from 'mailparser';
import { useCaseContext } from '../../application/context';
import { submitAnswer } from '../../application/submit-answer';
import { execute, InvalidInputError, RefusedError } from '../../application/use-case';
import type { SubmissionResult } from '../../workflows/api';
import { appendAudit } from '../../infrastructure/audit';
import type { BlobStore } from '../../infrastructure/blobs';
import type { AppConfig } from '../../infrastructure/config';
import type { Db } from '../../infrastructure/db/client';
import type { Mailer } from '../../infrastructure/email/mailer';
import { sendOnce } from '../../infrastructure/email/send';
import { tlsOptions } from '../../infrastructure/email/tls';
import { plusAddress } from '../../infrastructure/email/plus-address';
import { UploadTooLargeError } from '../../infrastructure/uploads';
import type { ImapSettings } from './config';
import { keepAttachment } from './held-attachment';
import type { KeptAttachment } from './held-attachment';
import { matchMunicipality } from './match';
import { bareAddress, checkSender } from './screen';
import { refusedReply, resultReply, tooLargeReply } from './reply';
import type { ReplyText } from './reply';
import { countInbound } from '../../infrastructure/metrics';
import { workflowGone } from '../../application/refusal';

export type InboundDeps = {
  db: Db;
  files: BlobStore;
  temporal: Client;
  mailer: Mailer;
  config: AppConfig;
  imap: ImapSettings;
  /** Where to report problems that do not stop the poll; console.warn by default. */
  log?: (line: string) => void;
};

export type PollResult = { processed: number; submitted: number; flagged: number };

export type InboundStatus = 'submitted' | 'held' | 'unmatched' | 'unreadable' | 'error';

/**
 * Handled for good: never looked at again. ('error' is retried while the message is unread.)
 * 'assigned' and 'discarded': a coordinator decided in the portal's queue (routes-mail-queue.ts).
 */
const FINAL: readonly string[] = ['submitted', 'held', 'unmatched', 'unreadable', 'assigned', 'discarded'];
const DECIDED: readonly string[] = ['submitted', 'assigned', 'discarded'];

const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function messageIdHash(messageId: string): string {
  return createHash('sha256').update(messageId.trim().toLowerCase(), 'utf8').digest('hex');
}

/** The outbox sequence of the answer to one message: stable, from the Message-ID, fits an Int. */
export function replySeq(messageId: string): number {
  return parseInt(messageIdHash(messageId).slice(0, 7), 16);
}

/** A filled template: Word, or the same table saved as an Excel workbook (told apart when parsed). */
function isDocx(a: Attachment): boolean {
  const name = (a.filename ?? '').toLowerCase();
  const type = a.contentType?.toLowerCase();
  return name.endsWith('.docx') || name.endsWith('.xlsx') || type === DOCX_MIME || type === XLSX_MIME;
}

function firstAddress(value: ParsedMail['from']): string {
  return value?.value.find((v) => v.address)?.address?.trim() ?? '';
}

/** Every address of the From: header (a group's members too). */
function fromAddresses(parsed: ParsedMail): string[] {
  const out: string[] = [];
  const walk = (list: { address?: string; group?: unknown[] }[]) => {
    for (const v of list) {
      if (v.address) out.push(v.address);
      if (Array.isArray(v.group)) walk(v.group as { address?: string; group?: unknown[] }[]);
    }
  };
  walk(parsed.from?.value ?? []);
  return out;
}

/** Auto-replies (vacation notices, bounces) are never answered: two robots must not talk forever. */
function isAutomatic(parsed: ParsedMail): boolean {
  const auto = String(parsed.headers.get('auto-submitted') ?? '').toLowerCase();
  const precedence = String(parsed.headers.get('precedence') ?? '').toLowerCase();
  return (auto !== '' && auto !== 'no') || ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence);
}

type Outcome = {
  status: InboundStatus;
  quarter: string | null;
  municipality: string | null;
  detail: string;
  /** What to do with the message in the mailbox. */
  mark: 'seen' | 'flagged' | 'none';
};

/** One message, parsed: match it, submit it, answer it. Throws only on failures worth a retry. */
async function handleMessage(deps: InboundDeps, parsed: ParsedMail, messageId: string): Promise<Outcome> {
  const { db, files, temporal, mailer, config } = deps;
  const from = firstAddress(parsed.from);
  const match = await matchMunicipality(db, parsed.headerLines, config.replyTo);
  if (!match.ok) {
    return {
      status: 'unmatched',
      quarter: null,
      municipality: null,
      mark: 'flagged',
      detail:
        match.reason === 'no-token'
          ? 'Не удалось определить муниципальное образование: в адресе получателя нет ключа доступа (ответ не на письмо-запрос Сводки).'
          : 'Не удалось определить муниципальное образование: ключ доступа в адресе получателя неизвестен, отозван или истек.',
    };
  }
  const { quarter, municipality } = match.scope;
  const registry = await db.municipality.findUnique({ where: { code: municipality } });
  const name = registry?.name ?? municipality;
  const sender = registry
    ? checkSender({
        from: fromAddresses(parsed),
        registry,
        headerLines: parsed.headerLines,
        authservId: deps.imap.authservId ?? null,
      })
    : ({ ok: false, reason: `муниципального образования ${municipality} нет в реестре` } as const);
  if (!sender.ok) {
    const detail =
      `${name}, ${quarter}: письмо задержано для координатора — ${sender.reason}. ` +
      'Сведения не приняты, ответ не отправлялся; письмо оставлено в ящике непрочитанным и помечено флажком.';
    await appendAudit(db, {
      quarter,
      municipality,
      action: 'email.held',
      actor: from || 'email',
      origin: `email:${from}`,
      detail: {
        messageId: messageId.slice(0, 500),
        reason: sender.reason.slice(0, 1000),
        from: fromAddresses(parsed)
          .slice(0, 10)
          .map((a) => a.slice(0, 320)),
      },
    });
    return { status: 'held', quarter, municipality, mark: 'flagged', detail };
  }
  const attachment = parsed.attachments.find(isDocx);
  if (!attachment) {
    const others = parsed.attachments.map((a) => a.filename).filter(Boolean);
    return {
      status: 'unreadable',
      quarter,
      municipality,
      mark: 'flagged',
      detail:
        `${name}, ${quarter}: в письме нет заполненного шаблона — вложения .docx` +
        (others.length ? ` (вложения: ${others.join(', ')}).` : '; вложений нет.'),
    };
  }
  const fileName = attachment.filename || 'сведения.docx';
  // The answer goes to the registry's address the mail came from, never to its Reply-To: a forged
  // Reply-To must not turn Svodka into a sender of mail to strangers (backscatter).
  const replyTarget = sender.answerTo;
  const mayAnswer = !isAutomatic(parsed) && replyTarget !== bareAddress(config.mailFrom);
  // Answers carry the same plus-address back, so a corrected file can be sent by replying again.
  const replyTo = config.replyTo ? plusAddress(config.replyTo, match.token) : undefined;
  const answer = async (reply: ReplyText) => {
    if (!mayAnswer) return;
    await sendOnce(
      db,
      mailer,
      { quarter, municipality, kind: 'email-reply', seq: replySeq(messageId) },
      {
        from: config.mailFrom,
        to: replyTarget,
        subject: reply.subject,
        text: reply.text,
        replyTo,
        headers: {
          'In-Reply-To': messageId,
          References: messageId,
          'Auto-Submitted': 'auto-replied',
          'X-Svodka-Quarter': quarter,
          'X-Svodka-Municipality': municipality,
        },
      },
      config.messageIdDomain,
    );
  };

  const actor = from || 'email';
  const ctx = useCaseContext({
    db,
    files,
    temporal,
    actor: { name: actor, channel: 'email', origin: `email:${from}` },
  });
  let result: SubmissionResult;
  try {
    // The same message processed again (a retry after a failure) is the same request: its Update
    // id derives from the Message-ID, Temporal returns the first outcome instead of recording
    // another version, and the audit entry, keyed by that id, is written once by the activity.
    result = await execute(submitAnswer, ctx, {
      quarter,
      municipality,
      requestId: `email-${messageIdHash(messageId)}`,
      answer: { kind: 'file', fileName, bytes: attachment.content },
    });
  } catch (err) {
    if (err instanceof UploadTooLargeError) {
      await answer(tooLargeReply({ quarter, municipalityName: name, fileName, reason: err.message }));
      return {
        status: 'unreadable',
        quarter,
        municipality,
        mark: 'flagged',
        detail: `${name}, ${quarter}: ${err.message}`,
      };
    }
    let reason: string | null = null;
    if (err instanceof InvalidInputError) reason = err.message;
    // Refused on the way to an ended run: the quarter signed off, or never started.
    else if (err instanceof RefusedError) reason = err.message;
    else if (err instanceof WorkflowUpdateFailedError)
      reason = (err.cause as Error | undefined)?.message ?? err.message;
    else if (workflowGone(err))
      reason = `Квартал ${quarter} закрыт: сведения больше не принимаются.`;
    if (reason === null) throw err;
    await answer(refusedReply({ quarter, municipalityName: name, fileName, reason }));
    return { status: 'error', quarter, municipality, mark: 'seen', detail: `Отказано: ${reason}` };
  }

  await answer(
    resultReply({ quarter, municipalityName: name, fileName, result, canReply: Boolean(replyTo) }),
  );
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  return {
    status: 'submitted',
    quarter,
    municipality,
    mark: 'seen',
    detail: result.accepted
      ? `${name}: принято, версия ${result.version}, мероприятий: ${result.rowCount}${mayAnswer ? '' : ' (ответ не отправлялся)'}`
      : `${name}: не принято, версия ${result.version}, ошибок: ${errors}${mayAnswer ? '' : ' (ответ не отправлялся)'}`,
  };
}

async function record(
  db: Db,
  messageId: string,
  fromAddress: string,
  subject: string,
  o: Outcome,
  kept: KeptAttachment | null = null,
): Promise<void> {
  const data = {
    status: o.status,
    quarter: o.quarter,
    municipality: o.municipality,
    detail: o.detail.slice(0, 2000),
    ...(kept ?? {}),
  };
  await db.inboundMail.upsert({
    where: { messageId },
    create: {
      id: randomUUID(),
      messageId,
      fromAddress: fromAddress.slice(0, 320),
      subject: subject.slice(0, 500),
      ...data,
    },
    update: data,
  });
}

/** Reads the unread messages of the mailbox once and handles each. */
export async function pollMailbox(deps: InboundDeps): Promise<PollResult> {
  const log = deps.log ?? ((line: string) => console.warn(line));
  const counts: PollResult = { processed: 0, submitted: 0, flagged: 0 };
  const client = new ImapFlow({
    host: deps.imap.host,
    port: deps.imap.port,
    secure: deps.imap.secure,
    auth: { user: deps.imap.user, pass: deps.imap.pass },
    logger: false,
    // The server's certificate is verified (STARTTLS too) unless SVODKA_TLS_INSECURE=1 says otherwise.
    tls: tlsOptions(deps.imap.insecure === true),
  });
  // A dropped connection is reported through the pending command; keep the emitter from throwing.
  client.on('error', (err: Error) => log(`IMAP: ${err.message}`));
  await client.connect();
  try {
    const lock = await client.getMailboxLock(deps.imap.mailbox || 'INBOX');
    try {
      const uids = (await client.search({ seen: false }, { uid: true })) || [];
      if (uids.length === 0) return counts;
      const heads = await client.fetchAll(uids, { uid: true, envelope: true, flags: true }, { uid: true });
      heads.sort((a, b) => a.uid - b.uid);
      for (const head of heads) {
        const flags = head.flags ?? new Set<string>();
        const mark = async (how: 'seen' | 'flagged' | 'none') => {
          const flag = how === 'seen' ? '\\Seen' : how === 'flagged' ? '\\Flagged' : null;
          if (flag && !flags.has(flag)) await client.messageFlagsAdd(String(head.uid), [flag], { uid: true });
        };
        const known = async (messageId: string) => {
          const row = await deps.db.inboundMail.findUnique({ where: { messageId } });
          if (!row || !FINAL.includes(row.status)) return false;
          // Handled before (a crash may have come between the database and the flags).
          await mark(DECIDED.includes(row.status) ? 'seen' : 'flagged');
          return true;
        };
        const envelopeId = head.envelope?.messageId?.trim();
        if (envelopeId && (await known(envelopeId))) continue;
        const fetched = await client.fetchOne(String(head.uid), { uid: true, source: true }, { uid: true });
        if (!fetched || !fetched.source) continue;
        const parsed = await simpleParser(fetched.source);
        const messageId =
          parsed.messageId?.trim() ||
          envelopeId ||
          `<${createHash('sha256').update(fetched.source).digest('hex')}@no-message-id.svodka>`;
        if (messageId !== envelopeId && (await known(messageId))) continue;
        const fromAddress = firstAddress(parsed.from) || head.envelope?.from?.[0]?.address || '';
        const subject = parsed.subject ?? '';
        let outcome: Outcome;
        try {
          outcome = await handleMessage(deps, parsed, messageId);
        } catch (err) {
          // Left unread: the next poll tries again.
          log(`Входящее письмо ${messageId} от ${fromAddress}: ${(err as Error)?.message ?? String(err)}`);
          outcome = {
            status: 'error',
            quarter: null,
            municipality: null,
            mark: 'none',
            detail: `Сбой при обработке, письмо будет обработано повторно: ${(err as Error)?.message ?? String(err)}`,
          };
        }
        // Kept for the coordinator's queue: a held or unmatched reply can be assigned from the portal.
        const kept =
          outcome.status === 'held' || outcome.status === 'unmatched'
            ? await keepAttachment(deps.files, parsed, isDocx)
            : null;
        await record(deps.db, messageId, fromAddress, subject, outcome, kept);
        await mark(outcome.mark);
        counts.processed++;
        if (outcome.status === 'submitted') counts.submitted++;
        if (outcome.mark === 'flagged') counts.flagged++;
        countInbound(outcome.status);
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return counts;
}

export type InboundPoller = { stop(): Promise<void> };

/** Polls every intervalMs (one poll at a time) until stopped; failures are logged, not thrown. */
export function startInboundPoller(deps: InboundDeps, options: { intervalMs: number }): InboundPoller {
  const log = deps.log ?? ((line: string) => console.warn(line));
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let current: Promise<void> | null = null;
  const tick = () => {
    timer = null;
    current = pollMailbox(deps)
      .then(
        () => {},
        (err: unknown) => log(`Входящая почта: ${(err as Error)?.message ?? String(err)}`),
      )
      .finally(() => {
        current = null;
        if (!stopped) timer = setTimeout(tick, options.intervalMs);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await current;
    },
  };
}
