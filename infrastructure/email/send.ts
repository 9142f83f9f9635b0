// Sending through the outbox: the key (quarter, municipality, kind, sequence) is recorded before the
// email leaves and marked sent after, so a retried or replayed activity never sends it twice, and a
// resend after a crash between the two carries the same Message-ID for the receiver to drop.
import type { Db } from '../db/client';
import { countEmail } from '../metrics';
import type { Mailer, MailMessage } from './mailer';

export type OutboxKey = { quarter: string; municipality: string; kind: string; seq: number };

export function outboxKey(k: OutboxKey): string {
  return `${k.quarter}/${k.municipality}/${k.kind}/${k.seq}`;
}

export function stableMessageId(k: OutboxKey, domain: string): string {
  return `<${k.quarter}.${k.municipality}.${k.kind}.${k.seq}@${domain}>`.toLowerCase();
}

/** The outbox row of an email's first attempt. */
function pendingRow(key: OutboxKey, message: Omit<MailMessage, 'messageId'>, messageIdDomain: string) {
  return {
    key: outboxKey(key),
    quarter: key.quarter,
    municipality: key.municipality,
    kind: key.kind,
    seq: key.seq,
    to: message.to,
    cc: message.cc ?? null,
    subject: message.subject,
    messageId: stableMessageId(key, messageIdDomain),
    status: 'pending',
    attempts: 1,
  };
}

export type SendOutcome = { key: string; messageId: string; sent: boolean };

export async function sendOnce(
  db: Db,
  mailer: Mailer,
  key: OutboxKey,
  message: Omit<MailMessage, 'messageId'>,
  messageIdDomain: string,
): Promise<SendOutcome> {
  const id = outboxKey(key);
  const messageId = stableMessageId(key, messageIdDomain);
  // One statement records the attempt and tells whether an earlier one already sent it.
  const row = await db.emailOutbox.upsert({
    where: { key: id },
    create: pendingRow(key, message, messageIdDomain),
    update: { attempts: { increment: 1 } },
  });
  if (row.status === 'sent') return { key: id, messageId, sent: false };
  try {
    await mailer.sendMail({ ...message, messageId });
  } catch (err) {
    countEmail(key.kind, false);
    await db.emailOutbox.update({ where: { key: id }, data: { lastError: String(err).slice(0, 500) } });
    throw err;
  }
  countEmail(key.kind, true);
  await db.emailOutbox.update({
    where: { key: id },
    data: { status: 'sent', sentAt: new Date(), lastError: null },
  });
  return { key: id, messageId, sent: true };
}

export type OutboxItem = { key: OutboxKey; message: Omit<MailMessage, 'messageId'> };

/**
 * Records an attempt at each of many emails in two statements, where sendOnce takes one each: new
 * keys as pending, the ones tried before counted again. The caller has left out those already sent.
 */
export async function recordAttempts(db: Db, items: OutboxItem[], messageIdDomain: string): Promise<void> {
  const ids = items.map((i) => outboxKey(i.key));
  const known = new Set(
    (await db.emailOutbox.findMany({ where: { key: { in: ids } }, select: { key: true } })).map((r) => r.key),
  );
  const fresh = items.filter((_, n) => !known.has(ids[n]!));
  if (known.size > 0)
    await db.emailOutbox.updateMany({
      where: { key: { in: [...known] } },
      data: { attempts: { increment: 1 } },
    });
  if (fresh.length > 0)
    await db.emailOutbox.createMany({
      data: fresh.map(({ key, message }) => pendingRow(key, message, messageIdDomain)),
    });
}

/** Marks emails the relay has taken as sent, several in one statement. */
export async function markSent(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.emailOutbox.updateMany({
    where: { key: { in: ids } },
    data: { status: 'sent', sentAt: new Date(), lastError: null },
  });
}
