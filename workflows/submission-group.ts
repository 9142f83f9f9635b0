// The middle of the tree for a large region: one group starts and watches up to groupSize
// municipalities, and tells the quarter its standing in batches — counts and the few codes the
// report needs, never a thousand summaries — so every execution stays well inside Temporal's limits.
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import {
  closeSubmissionSignal,
  groupChangedSignal,
  groupReopenSignal,
  lockSignal,
  municipalityChangedSignal,
  reopenSignal,
  SETTLED_STATES,
  submissionWorkflowId,
} from './api';
import type { GroupInput, GroupSummary, MunicipalitySummary, SubmissionState } from './api';
import { municipalitySubmission } from './municipality-submission';

/** Changes within this window reach the quarter as one signal. */
const BATCH_MS = 1_000;

export async function submissionGroup(input: GroupInput): Promise<GroupSummary> {
  const { quarter, codes } = input;
  const states = new Map<string, MunicipalitySummary>();
  let dirty = true;
  let locked = false;
  let closeRequested = false;
  let closeForwarded = false;
  const reopenQueue: { code: string; comment: string; actor: string }[] = [];

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
  setHandler(lockSignal, () => {
    locked = true;
  });

  const handles = await Promise.all(
    codes.map((code) =>
      startChild(municipalitySubmission, {
        workflowId: submissionWorkflowId(quarter, code),
        args: [
          {
            quarter,
            municipality: code,
            deadline: input.deadline,
            policy: input.policy,
            timeScale: input.timeScale,
            startedAt: input.startedAt,
          },
        ],
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      }),
    ),
  );
  const parent = workflowInfo().parent!;
  const quarterHandle = getExternalWorkflowHandle(parent.workflowId);

  while (!locked) {
    await condition(() => dirty || locked || reopenQueue.length > 0 || (closeRequested && !closeForwarded));
    if (closeRequested && !closeForwarded) {
      closeForwarded = true;
      await Promise.all(
        codes
          .filter((code) => !SETTLED_STATES.includes(states.get(code)?.state ?? 'requested'))
          .map((code) =>
            getExternalWorkflowHandle(submissionWorkflowId(quarter, code)).signal(closeSubmissionSignal, {
              actor: 'coordinator',
            }),
          ),
      );
    }
    while (reopenQueue.length > 0) {
      const { code, comment, actor } = reopenQueue.shift()!;
      await getExternalWorkflowHandle(submissionWorkflowId(quarter, code)).signal(reopenSignal, {
        comment,
        actor,
      });
    }
    if (dirty && !locked) {
      // Let the answers of the next second join this batch.
      await sleep(BATCH_MS);
      dirty = false;
      await quarterHandle.signal(groupChangedSignal, summary());
    }
  }

  await Promise.all(
    codes.map((code) => getExternalWorkflowHandle(submissionWorkflowId(quarter, code)).signal(lockSignal)),
  );
  await Promise.all(handles.map((h) => h.result()));
  await condition(allHandlersFinished);
  return summary();
}
