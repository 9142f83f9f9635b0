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

/**
 * The status of a reply while its assignment is under way, naming the form that claimed it: that
 * form, posted again after a crash, may finish the job (its Update id makes the answer one answer).
 */
export const assigningStatus = (requestId: string): string => `assigning:${requestId}`;

/**
 * The queued message, or why it is not there to decide on. `claim`: the assigning status this
 * request would hold, which it may take up again.
 */
export async function queuedMail(db: Db, id: string, claim: string | null = null) {
  const mail = await db.inboundMail.findUnique({ where: { id } });
  if (!mail) throw new RefusedError('Такого письма нет в очереди.', 'not-found');
  if (!QUEUED_MAIL_STATUSES.includes(mail.status) && mail.status !== claim)
    throw new RefusedError(
      mail.status === 'assigned'
        ? 'Это письмо уже назначено муниципальному образованию.'
        : mail.status === 'discarded'
          ? 'Это письмо уже отклонено.'
          : 'Это письмо уже разбирается или разобрано: обновите страницу.',
      'conflict',
    );
  return mail;
}
