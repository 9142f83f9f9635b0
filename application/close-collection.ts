// The coordinator stops waiting: whoever has not answered is marked «не представлено» and the draft
// report is compiled. A signal, not an Update: the quarter answers nothing; the action's id lets the
// workflow record the close once however often it is sent.
import { z } from 'zod';
import { closeSignal, quarterWorkflowId } from '../workflows/api';
import { actionMeta } from './action';
import { quarterField, requestIdField } from './fields';
import { defineUseCase } from './use-case';

export const closeCollectionInput = z.object({ quarter: quarterField, requestId: requestIdField });

export const closeCollection = defineUseCase({
  name: 'closeCollection',
  input: closeCollectionInput,
  async run(ctx, { quarter, requestId }): Promise<{ quarter: string }> {
    const client = await ctx.temporal();
    await client.workflow
      .getHandle(quarterWorkflowId(quarter))
      .signal(closeSignal, { actor: ctx.actor.name, action: actionMeta(ctx, requestId) });
    return { quarter };
  },
});
