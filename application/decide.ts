// What the coordinator's decisions on one municipality share: the Update goes to the municipality's
// own workflow under the request id, so a decision sent twice is carried out once; the workflow has
// its audit entry written by an activity keyed by the same id. A municipality whose run has ended
// (its answer settled) gets a new one first (application/municipality-run.ts).
import type { UpdateDefinition } from '@temporalio/client';
import { submissionStatusQuery } from '../workflows/api';
import type { ActionMeta, MunicipalitySummary } from '../workflows/api';
import { actionMeta } from './action';
import { decisionRecorded, onMunicipalityRun } from './municipality-run';
import type { UseCaseContext } from './use-case';

export async function decideOnMunicipality<Args extends { actor: string; action?: ActionMeta }>(
  ctx: UseCaseContext,
  target: { quarter: string; municipality: string; requestId: string },
  update: UpdateDefinition<MunicipalitySummary, [Args]>,
  args: Omit<Args, 'actor' | 'action'>,
): Promise<MunicipalitySummary> {
  const client = await ctx.temporal();
  const payload = {
    ...args,
    actor: ctx.actor.name,
    action: actionMeta(ctx, target.requestId),
  } as Args;
  return onMunicipalityRun(
    { client, db: ctx.db },
    target,
    (handle) => handle.executeUpdate(update, { args: [payload], updateId: target.requestId }),
    // Carried out by a run that has ended since: its last summary is the decision's outcome.
    async (handle) =>
      (await decisionRecorded(ctx.db, target.requestId)) ? handle.query(submissionStatusQuery) : null,
  );
}
