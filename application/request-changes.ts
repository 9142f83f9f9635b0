// «Запросить исправления» on the draft: the quarter reopens the municipalities the chosen rows come
// from and emails each the coordinator's comment (the quarter workflow's requestChangesUpdate).
// The request id is the Update's id and the audit entry's, which the quarter workflow writes through
// its recordAudit activity: a form posted twice is one action, recorded once.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { quarterWorkflowId, requestChangesUpdate } from '../workflows/api';
import { RefusedError, workflowGone } from './refusal';
import { municipalityField, quarterField, requestIdField } from './review-schemas';
import { defineUseCase } from './use-case';

const MAX_COMMENT = 2000;

export const requestChanges = defineUseCase({
  name: 'requestChanges',
  input: z.object({
    quarter: quarterField,
    municipalities: z
      .array(municipalityField, { error: 'Отметьте строки, которые нужно исправить.' })
      .min(
        1,
        'Отметьте хотя бы одну строку (или укажите муниципальное образование), которую нужно исправить.',
      )
      .max(20_000, 'Слишком много муниципальных образований в одном запросе.')
      .transform((codes) => [...new Set(codes)]),
    comment: z
      .string({ error: 'Напишите, что нужно исправить.' })
      .trim()
      .min(1, 'Напишите, что нужно исправить.')
      .max(MAX_COMMENT, `Комментарий длиннее ${MAX_COMMENT} знаков: сократите его.`),
    requestId: requestIdField,
    /** The draft's rows the coordinator marked (municipality and row number), for the audit log. */
    rows: z
      .array(z.object({ municipality: municipalityField, number: z.number().int().positive() }))
      .max(5_000)
      .optional(),
  }),
  async run(ctx, input): Promise<{ reopened: string[] }> {
    const { quarter, municipalities, comment, requestId } = input;
    const registry = await ctx.db.municipality.findMany({
      where: { code: { in: municipalities } },
      select: { code: true },
    });
    const unknown = municipalities.filter((code) => !registry.some((r) => r.code === code));
    if (unknown.length > 0)
      throw new RefusedError(`Нет муниципальных образований с кодами: ${unknown.join(', ')}.`, 'not-found');
    const { name: actor, origin } = ctx.actor;
    const client = await ctx.temporal();
    let result: { reopened: string[] };
    try {
      result = await client.workflow
        .getHandle(quarterWorkflowId(quarter))
        .executeUpdate(requestChangesUpdate, {
          args: [{ municipalities, comment, actor, action: { id: requestId, actor, origin } }],
          updateId: requestId,
        });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError)
        throw new RefusedError((err.cause as Error | undefined)?.message ?? err.message, 'conflict');
      if (workflowGone(err))
        throw new RefusedError(
          `Сбор сведений за ${quarter} не идет: квартал не запущен или отчет уже подписан.`,
          'conflict',
        );
      throw err;
    }
    return result;
  },
});
