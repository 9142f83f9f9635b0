// The middle of the tree for a large region: one group starts and watches up to groupSize
// municipalities, and tells the quarter its standing in batches — counts and the few codes the
// report needs, never a thousand summaries — so every execution stays well inside Temporal's limits.
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { requestRoundOptions } from './activity-options';
import {
  closeSubmissionSignal,
  groupChangedSignal,
  groupReopenSignal,
  groupReviveSignal,
  lockSignal,
  municipalityChangedSignal,
  requestedSummary,
  SETTLED_STATES,
  submissionWorkflowId,
} from './api';
import type { GroupInput, GroupSummary, MunicipalitySummary, SubmissionState } from './api';
import { municipalityRuns } from './municipality-runs';
import { startAndRequest } from './request-rounds';

const { sendRequestEmails } = proxyActivities<ReturnType<typeof createActivities>>(requestRoundOptions);

/** Changes within this window reach the quarter as one signal. */
const BATCH_MS = 1_000;
/** Progress reaches the quarter each time another tenth of the group has settled. */
const PROGRESS_STEPS = 10;

export async function submissionGroup(input: GroupInput): Promise<GroupSummary> {
  const { quarter, codes } = input;
  const states = new Map<string, MunicipalitySummary>();
  let dirty = true;
  let locked = false;
  let closeRequested = false;
  let closeForwarded = false;
  const reopenQueue: { code: string; comment: string; actor: string }[] = [];
  const reviveQueue: string[] = [];

  const summary = (): GroupSummary => {
    const counts: Partial<Record<SubmissionState, number>> = {};
    const excused: string[] = [];
    const notSubmitted: string[] = [];
    for (const code of codes) {
      const state = states.get(code)?.state ?? 'requested';
      counts[state] = (counts[state] ?? 0) + 1;
      if (state === 'excused') excused.push(code);
      if (state === 'not_submitted') notSubmitted.push(code);
    }
    const settled = codes.every((code) => SETTLED_STATES.includes(states.get(code)?.state ?? 'requested'));
    return { group: input.group, total: codes.length, counts, settled, excused, notSubmitted };
  };

  setHandler(municipalityChangedSignal, (s) => {
    states.set(s.code, s);
    dirty = true;
  });
  setHandler(closeSubmissionSignal, () => {
    closeRequested = true;
  });
  setHandler(groupReopenSignal, (r) => {
    reopenQueue.push(r);
  });
  setHandler(groupReviveSignal, ({ code }) => {
    if (codes.includes(code)) reviveQueue.push(code);
  });
  setHandler(lockSignal, () => {
    locked = true;
  });

  const runs = municipalityRuns({
    input: {
      quarter,
      deadline: input.deadline,
      policy: input.policy,
      timeScale: input.timeScale,
      startedAt: input.startedAt,
    },
    onFinished: (s) => {
      states.set(s.code, s);
      dirty = true;
    },
  });
  const lastSummary = (code: string) => () => states.get(code) ?? requestedSummary(code, input.deadline);
  // The group sends its municipalities' request round in one activity (see the quarter).
  const { rounds: requestRound } = await startAndRequest(
    codes,
    (code) => runs.start(code),
    (started) => sendRequestEmails({ quarter, deadline: input.deadline, codes: started }),
  );
  const parent = workflowInfo().parent!;
  const quarterHandle = getExternalWorkflowHandle(parent.workflowId);
  // A group speaks when it settles or unsettles and when another tenth of it has settled: at most a
  // dozen or so signals, however long a national round runs.
  const stepOf = (): number => {
    const settledCount = codes.filter((code) =>
      SETTLED_STATES.includes(states.get(code)?.state ?? 'requested'),
    ).length;
    return Math.floor((settledCount * PROGRESS_STEPS) / codes.length);
  };
  // The quarter counts a group it has not heard from as all 'requested': nothing to tell yet.
  let told = { settled: false, step: 0 };
  const worthTelling = (now: GroupSummary): boolean => now.settled !== told.settled || stepOf() !== told.step;

  while (!locked) {
    await condition(
      () =>
        dirty ||
        locked ||
        reopenQueue.length > 0 ||
        reviveQueue.length > 0 ||
        (closeRequested && !closeForwarded),
    );
    if (locked) break;
    if (closeRequested && !closeForwarded) {
      closeForwarded = true;
      // A settled municipality's run has ended; only those still owing an answer are told.
      await Promise.all(
        runs
          .runningCodes()
          .filter((code) => !SETTLED_STATES.includes(states.get(code)?.state ?? 'requested'))
          .map((code) =>
            getExternalWorkflowHandle(submissionWorkflowId(quarter, code))
              .signal(closeSubmissionSignal, { actor: 'coordinator' })
              .catch(() => undefined),
          ),
      );
    }
    while (reviveQueue.length > 0) {
      const code = reviveQueue.shift()!;
      await runs.revive(code, lastSummary(code), closeRequested);
    }
    while (reopenQueue.length > 0) {
      const { code, comment, actor } = reopenQueue.shift()!;
      await runs.revive(code, lastSummary(code), closeRequested, { comment, actor });
    }
    if (dirty && !locked) {
      dirty = false;
      if (!worthTelling(summary())) continue;
      // Let the answers of the next second join this batch.
      await sleep(BATCH_MS);
      dirty = false;
      const now = summary();
      told = { settled: now.settled, step: stepOf() };
      await quarterHandle.signal(groupChangedSignal, now);
    }
  }

  await runs.lockAll();
  await requestRound;
  await condition(allHandlersFinished);
  return summary();
}
