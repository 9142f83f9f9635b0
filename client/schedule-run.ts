// «Now»: a schedule's own action taken at once (even while paused), and the run it started waited
// for — shared by the quarter opener's and the daily notifications' schedules.
import type { Client, ScheduleHandle } from '@temporalio/client';
import { ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import { UserError } from './temporal';

/** What the coordinator is told, in the words of the schedule's job. */
export type RunWording = {
  /** The worker took no run in time. */
  notStarted: string;
  /** The run started, but the worker did not finish it in time. */
  notAnswered: string;
  /** The run failed; its reason follows. */
  failed: string;
};

export async function triggerAndWait<Result>(
  client: Client,
  handle: ScheduleHandle,
  before: { info: { recentActions: { action: { workflow: { firstExecutionRunId: string } } }[] } },
  wording: RunWording,
  timeoutMs: number,
): Promise<Result> {
  const seen = new Set(before.info.recentActions.map((a) => a.action.workflow.firstExecutionRunId));
  await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const taken = (await handle.describe()).info.recentActions.find(
      (a) => !seen.has(a.action.workflow.firstExecutionRunId),
    );
    if (taken) {
      const run = client.workflow.getHandle(
        taken.action.workflow.workflowId,
        taken.action.workflow.firstExecutionRunId,
      );
      const waited = Symbol('waited');
      let timer: NodeJS.Timeout | undefined;
      try {
        // A worker that is down leaves the run waiting: say so rather than wait with it.
        const outcome = await Promise.race([
          run.result() as Promise<Result>,
          new Promise<typeof waited>((resolve) => {
            timer = setTimeout(() => resolve(waited), Math.max(1_000, until - Date.now()));
          }),
        ]);
        if (outcome === waited) throw new UserError(wording.notAnswered);
        return outcome;
      } catch (err) {
        // The run refused (an empty registry, a bad policy): its reason, not a stack trace.
        if (err instanceof WorkflowFailedError)
          throw new UserError(
            `${wording.failed}: ${((err.cause?.cause ?? err.cause) as Error | undefined)?.message ?? err.message}`,
          );
        throw err;
      } finally {
        clearTimeout(timer);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new UserError(wording.notStarted);
}
