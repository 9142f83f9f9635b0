// One municipality's answer for one quarter: the request, reminders and escalation on the policy's
// calendar, submissions through an Update, and the coordinator's controls. It stays open until the
// quarter is signed off, so a reopened or corrected answer lands in the same execution.
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
  initialState,
  nextWakeAt,
  parentAssumes,
  refusal,
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
// completes, and a local activity holds that task, so a worker killed mid-email took the Update down.
const { sendMunicipalityEmail, recordAndAcknowledge, recordAudit } =
  proxyActivities<Activities>(sideEffectOptions);

type Deferred = Exclude<SubmissionEffect, { type: 'publish' } | { type: 'record' }>;

export async function municipalitySubmission(input: SubmissionInput): Promise<MunicipalitySummary> {
  const { quarter, municipality } = input;
  const clock: VirtualClock = { originReal: Date.parse(input.startedAt), scale: input.timeScale };
  const nowVirtual = () => toVirtual(clock, Date.now());
  let state = initialState(input, nowVirtual());
  // Effects the handlers produced, carried out by the loop below in their order.
  const outbox: Deferred[] = [];
  let dirty = false;
  let busy = false;

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

  setHandler(
    extendUpdate,
    ({ until, action }) => feed({ type: 'extend', until, now: nowVirtual(), action }).state.summary,
    { validator: ({ until }) => validate({ type: 'extend', until }) },
  );
  setHandler(excuseUpdate, ({ reason, action }) => feed({ type: 'excuse', reason, action }).state.summary, {
    validator: ({ reason }) => validate({ type: 'excuse', reason }),
  });
  setHandler(remindUpdate, ({ action }) => feed({ type: 'remind', action }).state.summary, {
    validator: (_request) => validate({ type: 'remind' }),
  });
  setHandler(
    reopenUpdate,
    ({ comment, action }) => feed({ type: 'reopen', comment, now: nowVirtual(), action }).state.summary,
    { validator: ({ comment }) => validate({ type: 'reopen', comment }) },
  );
  setHandler(reopenSignal, ({ comment }) => void feed({ type: 'reopen', comment, now: nowVirtual() }));
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
      await getExternalWorkflowHandle(parent.workflowId).signal(municipalityChangedSignal, {
        ...state.summary,
      });
  };

  const carryOut = async (effect: Deferred) => {
    if (effect.type === 'audit') return void (await recordAudit(effect.entry));
    const { type: _type, ...mail } = effect;
    // The email names the deadline as it stands when it goes.
    await sendMunicipalityEmail({ quarter, municipality, deadline: state.summary.deadline, ...mail });
  };

  // The parent sent request № 1 and set the search attributes this summary would publish: nothing
  // to do until an answer, a reminder or a decision comes.
  const locked = () => state.locked;
  while (!locked()) {
    const wakeAt = nextWakeAt(state, nowVirtual());
    const woken =
      wakeAt !== null
        ? await condition(
            () => dirty || locked() || outbox.length > 0,
            Math.max(1, realDelayUntil(clock, Date.now(), wakeAt)),
          )
        : // condition() without a timeout resolves to undefined, not true: say what it means.
          await condition(() => dirty || locked() || outbox.length > 0).then(() => true);
    if (!woken) {
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
    if (dirty) await publish();
  }

  await condition(allHandlersFinished);
  return state.summary;
}
