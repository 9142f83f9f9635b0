// Sending through the outbox: the key (quarter, municipality, kind, sequence) is recorded before the
// email leaves and marked sent after, so a retried or replayed activity never sends it twice, and a
// resend after a crash between the two carries the same Message-ID for the receiver to drop.
import type { Db } from '../db/client';
import type { Mailer, MailMessage } from './mailer';

export type OutboxKey = { quarter: string; municipality: string; kind: string; seq: number };

export function outboxKey(k: OutboxKey): string {
  return `${k.quarter}/${k.municipality}/${k.kind}/${k.seq}`;
}

export function stableMessageId(k: OutboxKey, domain: string): string {
  return `<${k.quarter}.${k.municipality}.${k.kind}.${k.seq}@${domain}>`.toLowerCase();
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
    create: {
      key: id,
      quarter: key.quarter,
      municipality: key.municipality,
      kind: key.kind,
      seq: key.seq,
      to: message.to,
      cc: message.cc ?? null,
      subject: message.subject,
      messageId,
      status: 'pending',
      attempts: 1,
    },
    update: { attempts: { increment: 1 } },
  });
  if (row.status === 'sent') return { key: id, messageId, sent: false };
  try {
    await mailer.sendMail({ ...message, messageId });
  } catch (err) {
    await db.emailOutbox.update({ where: { key: id }, data: { lastError: String(err).slice(0, 500) } });
    throw err;
  }
  await db.emailOutbox.update({
    where: { key: id },
    data: { status: 'sent', sentAt: new Date(), lastError: null },
  });
  return { key: id, messageId, sent: true };
}
