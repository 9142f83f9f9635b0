// «Назначить муниципальному образованию»: the coordinator says whose answer a queued reply is; its
// attached template then goes in as that municipality's emailed answer, through the same path an
// email answer takes (submitAsEmailAnswer below), and the municipality is told the result as usual.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { appendAudit } from '../infrastructure/audit';
import { UploadTooLargeError } from '../infrastructure/uploads';
import type { SubmissionResult } from '../workflows/api';
import { assigningStatus, mailIdField, queuedMail } from './mail-queue';
import { RefusedError, workflowGone } from './refusal';
import { municipalityField, quarterField, requestIdField } from './review-schemas';
import { submitAnswer } from './submit-answer';
import { defineUseCase, execute } from './use-case';
import type { UseCaseContext } from './use-case';

export type AssignedMail = {
  quarter: string;
  municipality: { code: string; name: string };
  result: Pick<SubmissionResult, 'accepted' | 'version' | 'rowCount' | 'nil'>;
};

type EmailAnswer = {
  quarter: string;
  municipality: string;
  fileName: string;
  bytes: Buffer;
  /** Who sent the file: the reply's From address. */
  sender: string;
  /** The action's id: the Update's id, so a retry is the same answer. */
  actionId: string;
};

/**
 * The file goes in as the municipality's emailed answer, through the one submit path every channel
 * takes (application/submit-answer.ts), from the reply's sender. Its request id is the assignment's
 * with a suffix: the answer's audit entry and the assignment's are two entries, each written once.
 */
async function submitAsEmailAnswer(ctx: UseCaseContext, a: EmailAnswer): Promise<SubmissionResult> {
  return execute(
    submitAnswer,
    // The answer is the sender's; who assigned it is in the assignment's own entry (email.assign).
    { ...ctx, actor: { name: a.sender, channel: 'email', origin: `email:${a.sender}` } },
    {
      quarter: a.quarter,
      municipality: a.municipality,
      requestId: `${a.actionId}-answer`,
      answer: { kind: 'file', fileName: a.fileName, bytes: a.bytes },
    },
  );
}

export const assignMail = defineUseCase({
  name: 'assignMail',
  input: z.object({
    mailId: mailIdField,
    quarter: quarterField,
    municipality: municipalityField,
    requestId: requestIdField,
  }),
  async run(ctx, input): Promise<AssignedMail> {
    const { name: actor, origin } = ctx.actor;
    const done = await ctx.db.auditEntry.findUnique({ where: { actionId: input.requestId } });
    const m = await ctx.db.municipality.findUnique({ where: { code: input.municipality } });
    if (!m)
      throw new RefusedError(`Нет муниципального образования с кодом «${input.municipality}».`, 'not-found');
    // The same form posted again: the answer went in once; say what came of it.
    if (done) {
      const d = JSON.parse(done.detail) as {
        mailId?: string;
        quarter: string;
        version: number;
        accepted: boolean;
        rowCount: number;
      };
      // An id another action was recorded under is no form of this one.
      if (done.action !== 'email.assign' || d.mailId !== input.mailId)
        throw new RefusedError('Форма устарела: обновите страницу и повторите.', 'conflict');
      return {
        quarter: d.quarter,
        municipality: { code: m.code, name: m.name },
        result: { accepted: d.accepted, version: d.version, rowCount: d.rowCount, nil: false },
      };
    }
    const claim = assigningStatus(input.requestId);
    const mail = await queuedMail(ctx.db, input.mailId, claim);
    // Back to the queue on a failure: as it was, or (taken up after a crash) by what it knows.
    const queued = mail.status !== claim ? mail.status : mail.municipality ? 'held' : 'unmatched';
    const bytes = mail.attachmentSha256 ? await ctx.files.get(mail.attachmentSha256) : null;
    if (!bytes)
      throw new RefusedError(
        'В письме нет заполненного шаблона (.docx или .xlsx), назначать нечего. Отклоните письмо и попросите прислать файл.',
        'conflict',
      );
    // Claimed first: two coordinators deciding at once must not submit the file twice.
    const claimed = await ctx.db.inboundMail.updateMany({
      where: { id: mail.id, status: { in: [mail.status, claim] } },
      data: { status: claim },
    });
    if (claimed.count === 0)
      throw new RefusedError('Это письмо уже разбирает другой координатор: обновите страницу.', 'conflict');
    let result: SubmissionResult;
    try {
      result = await submitAsEmailAnswer(ctx, {
        quarter: input.quarter,
        municipality: m.code,
        fileName: mail.attachmentName ?? 'сведения.docx',
        bytes,
        sender: mail.fromAddress,
        actionId: input.requestId,
      });
    } catch (err) {
      await ctx.db.inboundMail.update({ where: { id: mail.id }, data: { status: queued } });
      if (err instanceof UploadTooLargeError) throw new RefusedError(err.message, 'conflict');
      if (err instanceof WorkflowUpdateFailedError)
        throw new RefusedError((err.cause as Error | undefined)?.message ?? err.message, 'conflict');
      if (
        (err instanceof RefusedError && err.kind === 'not-found') ||
        workflowGone(err)
      )
        throw new RefusedError(
          `«${m.name}» не участвует в сборе сведений за ${input.quarter}: квартал не запущен или уже закрыт.`,
          'conflict',
        );
      throw err;
    }
    const outcome = result.accepted
      ? `принято, версия ${result.version}, мероприятий: ${result.rowCount}`
      : `не принято, версия ${result.version}`;
    await ctx.db.inboundMail.update({
      where: { id: mail.id },
      data: {
        status: 'assigned',
        quarter: input.quarter,
        municipality: m.code,
        detail:
          `${mail.detail}\nНазначено координатором ${actor}: ${m.name}, ${input.quarter} — ${outcome}.`.slice(
            0,
            2000,
          ),
      },
    });
    await appendAudit(ctx.db, {
      quarter: input.quarter,
      municipality: m.code,
      action: 'email.assign',
      actor,
      origin,
      detail: {
        mailId: mail.id,
        messageId: mail.messageId,
        from: mail.fromAddress,
        quarter: input.quarter,
        version: result.version,
        accepted: result.accepted,
        rowCount: result.rowCount,
        submissionId: result.submissionId,
      },
      actionId: input.requestId,
    });
    return {
      quarter: input.quarter,
      municipality: { code: m.code, name: m.name },
      result: {
        accepted: result.accepted,
        version: result.version,
        rowCount: result.rowCount,
        nil: result.nil,
      },
    };
  },
});
