// The municipality executions a parent (the quarter of a flat region, or a group of a large one)
// owns. Each run ends once its municipality's answer is settled and its result is the summary the
// parent keeps; a command for a finished municipality starts a new run from that summary (revive).
// At sign-off only the runs still going are locked: a settled region costs no task per municipality.
import {
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  startChild,
} from '@temporalio/workflow';
import {
  announcedAttributes,
  lockSignal,
  reopenSignal,
  submissionWorkflowId,
} from './api';
import type { MunicipalitySummary, SubmissionInput } from './api';
import { municipalitySubmission } from './municipality-submission';

/** How long a revival waits for the result of a run that has just ended. */
const REVIVE_WAIT = '10 seconds';

type RunInput = Omit<SubmissionInput, 'municipality' | 'resume' | 'reopen'>;

export type MunicipalityRuns = ReturnType<typeof municipalityRuns>;

export function municipalityRuns(options: {
  input: RunInput;
  /** A run ended: its summary is the municipality's standing until a new run says otherwise. */
  onFinished: (summary: MunicipalitySummary) => void;
}) {
  const { input } = options;
  const { quarter } = input;
  /** The runs going now, by municipality (a token per run, so a late result never clears a newer one). */
  const running = new Map<string, object>();

  const start = async (code: string, from?: Pick<SubmissionInput, 'resume' | 'reopen'>) => {
    const handle = await startChild(municipalitySubmission, {
      workflowId: submissionWorkflowId(quarter, code),
      args: [{ ...input, municipality: code, ...from }],
      parentClosePolicy: ParentClosePolicy.TERMINATE,
      typedSearchAttributes: announcedAttributes(quarter, code, from?.resume?.summary.state),
    });
    const token = {};
    running.set(code, token);
    const done = () => {
      if (running.get(code) === token) running.delete(code);
    };
    handle.result().then(
      (summary) => {
        done();
        options.onFinished(summary);
      },
      // A run terminated or failed by hand leaves the last summary standing; a new one may be revived.
      done,
    );
    return handle;
  };

  return {
    start,
    isRunning: (code: string) => running.has(code),
    runningCodes: () => [...running.keys()],
    /**
     * Makes sure the municipality has a run: a running one gets the reopening as a signal; a
     * finished one is started again from its last summary. A signal that finds the run just ended
     * waits for its result and starts the new run after it.
     */
    async revive(
      code: string,
      last: () => MunicipalitySummary,
      closed: boolean,
      reopen?: { comment: string; actor: string },
    ): Promise<boolean> {
      if (running.has(code) && reopen) {
        try {
          await getExternalWorkflowHandle(submissionWorkflowId(quarter, code)).signal(reopenSignal, reopen);
          return false;
        } catch {
          // The run ended as the signal went: the reopening starts the next one.
        }
      }
      // A caller revives a run it found ended; the parent may not have its result yet. A run still
      // going after a while is another caller's revival: the command goes there.
      const ended = await condition(() => !running.has(code), REVIVE_WAIT);
      if (!ended) return false;
      await start(code, { resume: { summary: last(), closed }, ...(reopen ? { reopen } : {}) });
      return true;
    },
    /** Sign-off: the runs still going stop for good; the parent waits until every one has ended. */
    async lockAll(): Promise<void> {
      await Promise.all(
        [...running.keys()].map((code) =>
          getExternalWorkflowHandle(submissionWorkflowId(quarter, code))
            .signal(lockSignal)
            .catch(() => undefined),
        ),
      );
      await condition(() => running.size === 0);
    },
  };
}
