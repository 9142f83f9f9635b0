// Reaching a municipality's execution with a command. Its run ends once the answer is settled, so a
// command that finds it ended (Temporal: not found) first makes sure the command was not carried
// out already (the same request id, recorded by a run that has since ended), then asks the quarter
// to start a new run (reviveUpdate, refused once the report is signed) and sends it again.
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Db } from '../infrastructure/db/client';
import { quarterFinished } from '../infrastructure/quarter-archive';
import { quarterWorkflowId, reviveUpdate, submissionWorkflowId } from '../workflows/api';
import { RefusedError } from './use-case';

export type RunTarget = { quarter: string; municipality: string; requestId: string };

/** How long a caller waits for the new run (a large region's group starts it a moment later). */
const REVIVE_WAIT_MS = 30_000;

export async function onMunicipalityRun<T>(
  deps: { client: Client; db: Db },
  target: RunTarget,
  send: (handle: WorkflowHandle) => Promise<T>,
  /** What the request came to when an ended run carried it out; null when none did. */
  carriedOut: (handle: WorkflowHandle) => Promise<T | null>,
): Promise<T> {
  const { client, db } = deps;
  const handle = client.workflow.getHandle(submissionWorkflowId(target.quarter, target.municipality));
  try {
    return await send(handle);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const earlier = await carriedOut(handle);
  if (earlier !== null) return earlier;
  try {
    await client.workflow
      .getHandle(quarterWorkflowId(target.quarter))
      .executeUpdate(reviveUpdate, { args: [{ code: target.municipality }] });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    if (await quarterFinished(db, target.quarter))
      throw new RefusedError(
        `Квартал ${target.quarter} закрыт: отчет подписан, сведения и изменения больше не принимаются.`,
      );
    throw new RefusedError(`Сбор сведений за ${target.quarter} не запущен.`, 'not-found');
  }
  const until = Date.now() + REVIVE_WAIT_MS;
  for (let pause = 100; ; pause = Math.min(pause * 2, 2_000)) {
    try {
      return await send(handle);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) || Date.now() > until) throw err;
    }
    await sleep(pause);
  }
}

/** Whether a decision under this request id was already written to the audit log. */
export async function decisionRecorded(db: Db, requestId: string): Promise<boolean> {
  return (await db.auditEntry.count({ where: { actionId: requestId } })) > 0;
}
