// The coordinator's queue of email replies Svodka could not take by itself: held (a sender not in the
// registry, failed DKIM/DMARC), unmatched (no or an unknown access key), unreadable (no template).
import { z } from 'zod';
import type { Db } from '../infrastructure/db/client';
import { RefusedError } from './refusal';
import { defineUseCase } from './use-case';

/** Nobody has decided yet what these replies are. */
export const QUEUED_MAIL_STATUSES: readonly string[] = ['held', 'unmatched', 'unreadable'];

export const mailIdField = z.string({ error: 'Не указано письмо.' }).uuid('Такого письма нет в очереди.');

export type QueuedMail = {
  id: string;
  messageId: string;
  from: string;
  subject: string;
  receivedAt: Date;
  status: 'held' | 'unmatched' | 'unreadable';
  /** Why it waits, as the channel recorded it (Russian). */
  reason: string;
  quarter: string | null;
  municipality: string | null;
  attachmentName: string | null;
};

export const listMailQueue = defineUseCase({
  name: 'listMailQueue',
  input: z.object({ limit: z.number().int().positive().max(1000).default(300) }),
  async run(ctx, input): Promise<{ mails: QueuedMail[]; total: number }> {
    const where = { status: { in: [...QUEUED_MAIL_STATUSES] } };
    const [rows, total] = await Promise.all([
      ctx.db.inboundMail.findMany({ where, orderBy: { createdAt: 'desc' }, take: input.limit }),
      ctx.db.inboundMail.count({ where }),
    ]);
    return {
      total,
      mails: rows.map((r) => ({
        id: r.id,
        messageId: r.messageId,
        from: r.fromAddress,
        subject: r.subject,
        receivedAt: r.createdAt,
        status: r.status as QueuedMail['status'],
        reason: r.detail,
        quarter: r.quarter,
        municipality: r.municipality,
        attachmentName: r.attachmentSha256 ? r.attachmentName : null,
      })),
    };
  },
});

/** The queued message, or why it is not there to decide on. */
export async function queuedMail(db: Db, id: string) {
  const mail = await db.inboundMail.findUnique({ where: { id } });
  if (!mail) throw new RefusedError('not-found', 'Такого письма нет в очереди.');
  if (!QUEUED_MAIL_STATUSES.includes(mail.status))
    throw new RefusedError(
      'conflict',
      mail.status === 'assigned'
        ? 'Это письмо уже назначено муниципальному образованию.'
        : mail.status === 'discarded'
          ? 'Это письмо уже отклонено.'
          : 'Это письмо уже разбирается или разобрано: обновите страницу.',
    );
  return mail;
}
