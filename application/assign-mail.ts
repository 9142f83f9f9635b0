// «Назначить муниципальному образованию»: the coordinator says whose answer a queued reply is; its
// attached template then goes in as that municipality's emailed answer, through the same path an
// email answer takes (submitAsEmailAnswer below), and the municipality is told the result as usual.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { appendAudit } from '../infrastructure/audit';
import { storeUpload, UploadTooLargeError } from '../infrastructure/uploads';
import { submissionWorkflowId, submitUpdate } from '../workflows/api';
import type { SubmissionPayload, SubmissionResult } from '../workflows/api';
import { assigningStatus, mailIdField, queuedMail } from './mail-queue';
import { RefusedError } from './refusal';
import { municipalityField, quarterField, requestIdField } from './review-schemas';
import { defineUseCase } from './use-case';
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
 * The email channel's submit path, as client/mail/poll.ts takes it in this tree: the file stored as
 * an upload of the channel 'email', then the municipality's submitUpdate. One place to repoint once
 * the channels share application/submit-answer.ts.
 */
async function submitAsEmailAnswer(ctx: UseCaseContext, a: EmailAnswer): Promise<SubmissionResult> {
  const uploadId = await storeUpload(ctx.db, ctx.files, {
    quarter: a.quarter,
    municipality: a.municipality,
    fileName: a.fileName,
    bytes: a.bytes,
    channel: 'email',
    actor: a.sender,
    origin: `email:${a.sender}`,
  });
  const payload: SubmissionPayload = {
    kind: 'file',
    uploadId,
    channel: 'email',
    actor: a.sender,
    action: { id: a.actionId, actor: ctx.actor.name, origin: ctx.actor.origin },
  };
  const client = await ctx.temporal();
  return client.workflow
    .getHandle(submissionWorkflowId(a.quarter, a.municipality))
    .executeUpdate(submitUpdate, { args: [payload], updateId: a.actionId });
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
      throw new RefusedError('not-found', `Нет муниципального образования с кодом «${input.municipality}».`);
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
        throw new RefusedError('conflict', 'Форма устарела: обновите страницу и повторите.');
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
        'conflict',
        'В письме нет заполненного шаблона (.docx или .xlsx), назначать нечего. Отклоните письмо и попросите прислать файл.',
      );
    // Claimed first: two coordinators deciding at once must not submit the file twice.
    const claimed = await ctx.db.inboundMail.updateMany({
      where: { id: mail.id, status: { in: [mail.status, claim] } },
      data: { status: claim },
    });
    if (claimed.count === 0)
      throw new RefusedError('conflict', 'Это письмо уже разбирает другой координатор: обновите страницу.');
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
      if (err instanceof UploadTooLargeError) throw new RefusedError('conflict', err.message);
      if (err instanceof WorkflowUpdateFailedError)
        throw new RefusedError('conflict', (err.cause as Error | undefined)?.message ?? err.message);
      if (
        err instanceof WorkflowNotFoundError ||
        /not found|already completed/i.test((err as Error)?.message ?? '')
      )
        throw new RefusedError(
          'conflict',
          `«${m.name}» не участвует в сборе сведений за ${input.quarter}: квартал не запущен или уже закрыт.`,
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
