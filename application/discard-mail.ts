// «Отклонить»: the coordinator decides a queued reply is not an answer (spam, a stray letter). It
// leaves the queue; the message stays in the mailbox, and the next poll marks it read.
import { z } from 'zod';
import { appendAudit } from '../infrastructure/audit';
import { mailIdField, queuedMail, QUEUED_MAIL_STATUSES } from './mail-queue';
import { RefusedError } from './refusal';
import { requestIdField } from './review-schemas';
import { defineUseCase } from './use-case';

export const discardMail = defineUseCase({
  name: 'discardMail',
  input: z.object({
    mailId: mailIdField,
    requestId: requestIdField,
    reason: z.string().trim().max(500, 'Причина длиннее 500 знаков: сократите ее.').optional(),
  }),
  async run(ctx, input): Promise<{ discarded: true }> {
    // The same form posted again: the action is done, nothing to repeat.
    const done = await ctx.db.auditEntry.findUnique({ where: { actionId: input.requestId } });
    if (done) {
      // An id another action was recorded under is no form of this one.
      const detail = JSON.parse(done.detail) as { mailId?: string };
      if (done.action !== 'email.discard' || detail.mailId !== input.mailId)
        throw new RefusedError('Форма устарела: обновите страницу и повторите.', 'conflict');
      return { discarded: true };
    }
    const mail = await queuedMail(ctx.db, input.mailId);
    const { name: actor, origin } = ctx.actor;
    const note = `Отклонено координатором ${actor}${input.reason ? `: ${input.reason}` : ''}.`;
    const { count } = await ctx.db.inboundMail.updateMany({
      where: { id: mail.id, status: { in: [...QUEUED_MAIL_STATUSES] } },
      data: { status: 'discarded', detail: `${mail.detail}\n${note}`.slice(0, 2000) },
    });
    if (count === 0)
      throw new RefusedError('Это письмо уже разобрано другим координатором: обновите страницу.', 'conflict');
    await appendAudit(ctx.db, {
      quarter: mail.quarter,
      municipality: mail.municipality,
      action: 'email.discard',
      actor,
      origin,
      detail: {
        mailId: mail.id,
        messageId: mail.messageId,
        from: mail.fromAddress,
        reason: input.reason ?? null,
      },
      actionId: input.requestId,
    });
    return { discarded: true };
  },
});
