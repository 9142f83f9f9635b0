// One municipality's answer for one quarter: the request, reminders and escalation on the policy's
// calendar, submissions through an Update, and the coordinator's controls. The execution ends once
// the answer is settled — accepted, excused, or not submitted at close — and hands its summary to
// the parent as its result: at national scale a municipality then costs about what an empty child
// costs. A correction, a reopening or a decision after that runs in a new execution the parent
// starts from where this one left off (`resume`), under the same workflow id.
// The rules are domain/submission-machine.ts's: the handlers feed it what happened and this
// function carries out what it says — emails, the recorded answer, audit entries, the summary
// published to the quarter — at the times it names.
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { sideEffectOptions } from './activity-options';
import { realDelayUntil, toVirtual } from '../domain/schedule';
import type { VirtualClock } from '../domain/schedule';
import {
  answerable,
  finishedCollecting,
  handedOn,
  initialState,
  nextWakeAt,
  parentAssumes,
  refusal,
  resumedState,
  sentReminder,
  step,
} from '../domain/submission-machine';
import type {
  SubmissionCommand,
  SubmissionEffect,
  SubmissionEvent,
  Transition,
} from '../domain/submission-machine';
import {
  answerableQuery,
  closeSubmissionSignal,
  excuseUpdate,
  extendUpdate,
  lockSignal,
  MunicipalityAttribute,
  municipalityChangedSignal,
  QuarterAttribute,
  remindUpdate,
  reopenSignal,
  reopenUpdate,
  SubmissionStatusAttribute,
  submissionStatusQuery,
  submitUpdate,
} from './api';
import type { MunicipalitySummary, SubmissionInput, SubmissionResult } from './api';

type Activities = ReturnType<typeof createActivities>;

// Scheduled, not local: an Update is accepted only when the workflow task running its handler
// completes, and a local activity holds that task. A worker killed mid-task, or a server restarted
// while it ran, took the Update down with the answer already stored and acknowledged (README, «Side
// effects are scheduled activities»).
const { sendMunicipalityEmail, recordAndAcknowledge, recordAudit } =
  proxyActivities<Activities>(sideEffectOptions);

type Deferred = Exclude<SubmissionEffect, { type: 'publish' } | { type: 'record' }>;

/** How long a run started for a command waits for it before it ends again (real time). */
const COMMAND_GRACE_MS = 2 * 60_000;

export async function municipalitySubmission(input: SubmissionInput): Promise<MunicipalitySummary> {
  const { quarter, municipality } = input;
  const clock: VirtualClock = { originReal: Date.parse(input.startedAt), scale: input.timeScale };
  const nowVirtual = () => toVirtual(clock, Date.now());
  let state = input.resume
    ? resumedState(input, input.resume, nowVirtual())
    : initialState(input, nowVirtual());
  // Effects the handlers produced, carried out by the loop below in their order.
  const outbox: Deferred[] = [];
  let dirty = false;
  let busy = false;
  // A run started for a command (a correction, a decision) waits for it before it may end again.
  let awaitingCommand = input.resume !== undefined && input.reopen === undefined;
  const graceEndsAt = Date.now() + COMMAND_GRACE_MS;

  /** Feeds the machine; queues what can wait for the loop and returns the transition. */
  const feed = (event: SubmissionEvent): Transition => {
    const t = step(state, event);
    state = t.state;
    for (const effect of t.effects) {
      if (effect.type === 'publish') dirty = true;
      else if (effect.type !== 'record') outbox.push(effect);
    }
    return t;
  };
  const validate = (command: SubmissionCommand) => {
    const reason = refusal(state, command);
    if (reason) throw new Error(reason);
  };

  setHandler(submissionStatusQuery, () => state.summary);
  // The same refusals as submitUpdate's validator, asked before anything is stored.
  setHandler(answerableQuery, () => answerable(state));

  setHandler(
    submitUpdate,
    async (payload): Promise<SubmissionResult> => {
      awaitingCommand = false;
      // Answers are checked one at a time. Two waiting answers wake in the same activation, so each
      // looks again once it runs.
      while (busy) await condition(() => !busy);
      busy = true;
      try {
        const record = feed({ type: 'submit' }).effects.find((e) => e.type === 'record')!;
        // The answer is recorded and its result emailed in one activity; the workflow sends the
        // email itself only when the relay could not take it then.
        const { acknowledged, ...result } = await recordAndAcknowledge({
          quarter,
          municipality,
          version: record.version,
          payload,
          deadline: record.deadline,
          ackSeq: record.ackSeq,
        });
        feed({ type: 'checked', result, acknowledged, at: new Date().toISOString() });
        return result;
      } finally {
        busy = false;
      }
    },
    { validator: (_payload) => validate({ type: 'submit' }) },
  );

  /** A decision: the command that woke a new run has come. */
  const decide = (event: SubmissionEvent) => {
    awaitingCommand = false;
    return feed(event).state.summary;
  };
  setHandler(extendUpdate, ({ until, action }) => decide({ type: 'extend', until, now: nowVirtual(), action }), {
    validator: ({ until }) => validate({ type: 'extend', until }),
  });
  setHandler(excuseUpdate, ({ reason, action }) => decide({ type: 'excuse', reason, action }), {
    validator: ({ reason }) => validate({ type: 'excuse', reason }),
  });
  setHandler(remindUpdate, ({ action }) => decide({ type: 'remind', action }), {
    validator: (_request) => validate({ type: 'remind' }),
  });
  setHandler(
    reopenUpdate,
    ({ comment, action }) => decide({ type: 'reopen', comment, now: nowVirtual(), action }),
    { validator: ({ comment }) => validate({ type: 'reopen', comment }) },
  );
  setHandler(reopenSignal, ({ comment }) => void decide({ type: 'reopen', comment, now: nowVirtual() }));
  setHandler(closeSubmissionSignal, () => void feed({ type: 'close' }));
  setHandler(lockSignal, () => void feed({ type: 'lock' }));

  const publish = async () => {
    dirty = false;
    upsertSearchAttributes([
      { key: QuarterAttribute, value: quarter },
      { key: MunicipalityAttribute, value: municipality },
      { key: SubmissionStatusAttribute, value: state.summary.state },
    ]);
    const parent = workflowInfo().parent;
    if (parent && !parentAssumes(state))
      await getExternalWorkflowHandle(parent.workflowId).signal(municipalityChangedSignal, handedOn(state));
  };

  const carryOut = async (effect: Deferred) => {
    if (effect.type === 'audit') return void (await recordAudit(effect.entry));
    const { type: _type, ...mail } = effect;
    // The email names the deadline as it stands when it goes.
    await sendMunicipalityEmail({ quarter, municipality, deadline: state.summary.deadline, ...mail });
  };

  // The quarter asked for changes to an accepted answer that had finished its run: this run is the
  // reopening.
  if (input.reopen) feed({ type: 'reopen', comment: input.reopen.comment, now: nowVirtual() });

  const finished = () =>
    state.locked || (finishedCollecting(state) && !busy && outbox.length === 0 && !awaitingCommand);
  // The parent sent request № 1 and set the search attributes this summary would publish: nothing
  // to do until an answer, a reminder or a decision comes.
  for (;;) {
    if (finished()) {
      // An Update admitted at the last moment is carried out, and may leave more to do.
      await condition(allHandlersFinished);
      if (finished()) break;
    }
    const wakeAt = nextWakeAt(state, nowVirtual());
    const timeouts: number[] = [];
    if (wakeAt !== null) timeouts.push(realDelayUntil(clock, Date.now(), wakeAt));
    if (awaitingCommand) timeouts.push(graceEndsAt - Date.now());
    const wake = () => dirty || finished() || outbox.length > 0;
    const woken =
      timeouts.length > 0
        ? await condition(wake, Math.max(1, Math.min(...timeouts)))
        : // condition() without a timeout resolves to undefined, not true: say what it means.
          await condition(wake).then(() => true);
    if (!woken) {
      if (Date.now() >= graceEndsAt) awaitingCommand = false;
      const now = nowVirtual();
      // One due reminder at a time: an answer that comes while one goes stops the rest.
      for (;;) {
        const t = step(state, { type: 'timer', now });
        state = t.state;
        if (t.effects.some((e) => e.type === 'publish')) dirty = true;
        for (const effect of t.effects) if (effect.type === 'email') await carryOut(effect);
        if (!sentReminder(t)) break;
      }
    }
    while (outbox.length > 0) await carryOut(outbox.shift()!);
    // A run about to end tells its parent through its result, not a signal.
    if (dirty && !finished()) await publish();
  }

  // Found by its last state, set in the task that ends the run.
  upsertSearchAttributes([
    { key: QuarterAttribute, value: quarter },
    { key: MunicipalityAttribute, value: municipality },
    { key: SubmissionStatusAttribute, value: state.summary.state },
  ]);
  return handedOn(state);
}
