// Sign-off: the coordinator approves the draft; the quarter renders the final report, and the
// activity that signs it records the approval under the request id (sent twice, signed once).
// Re-authentication (the password asked again in the portal) is the surface's job: it knows how
// its user signed in.
import { z } from 'zod';
import { approveUpdate, quarterWorkflowId } from '../workflows/api';
import type { ApproveResult } from '../workflows/api';
import { actionMeta } from './action';
import { quarterField, requestIdField, textField } from './fields';
import { defineUseCase } from './use-case';

export const approveReportInput = z.object({
  quarter: quarterField,
  requestId: requestIdField,
  signer: textField('Укажите, кто подписывает отчет.', 200),
  position: z
    .string()
    .trim()
    .max(300, 'Должность слишком длинная: не больше 300 знаков.')
    .nullish()
    .transform((p) => p || null),
});

export const approveReport = defineUseCase({
  name: 'approveReport',
  input: approveReportInput,
  async run(ctx, { quarter, requestId, signer, position }): Promise<ApproveResult> {
    const client = await ctx.temporal();
    return client.workflow.getHandle(quarterWorkflowId(quarter)).executeUpdate(approveUpdate, {
      args: [{ signer, position, actor: ctx.actor.name, action: actionMeta(ctx, requestId) }],
      updateId: requestId,
    });
  },
});
