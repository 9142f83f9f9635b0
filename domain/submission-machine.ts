// One municipality's answer for one quarter as a pure state machine: (state, event) → (state,
// effects). The workflow (workflows/municipality-submission.ts) keeps the state, feeds it what
// happened and carries the effects out; every rule — when to remind, when a municipality is
// overdue, what extend, excuse and reopen do, which email number comes next — lives here.
// Times are the quarter's virtual clock (see domain/schedule.ts); `at` of an answer is real time.
import { endOfMoscowDay, plannedReminders } from './schedule';
import type { PlannedReminder, ReminderPolicy } from './schedule';
import type {
  AcknowledgementSeq,
  ActionMeta,
  Answerable,
  EmailKind,
  MunicipalitySummary,
  SubmissionResult,
  SubmissionState,
} from '../workflows/api';

/** A municipality as its quarter starts: requested, nothing sent back yet. */
export function requestedSummary(code: string, deadline: string): MunicipalitySummary {
  return {
    code,
    state: 'requested',
    deadline,
    reminders: 0,
    escalations: 0,
    versions: 0,
    acceptedSubmissionId: null,
    nil: false,
    rowCount: 0,
    warnings: 0,
    lastAnswerAt: null,
    excuseReason: null,
  };
}

export type SubmissionMachineState = {
  quarter: string;
  policy: ReminderPolicy;
  /** The deadline the quarter requested with: the parent assumes it until told otherwise. */
  requestedDeadline: string;
  summary: MunicipalitySummary;
  /** Signed off: nothing changes any more. */
  locked: boolean;
  /** The quarter's collection is closed (until a reopen). */
  closed: boolean;
  /** The reminders still to come, in time order. */
  plan: PlannedReminder[];
  /** When the municipality becomes overdue: the end of its deadline's day, Moscow time. */
  overdueAt: number;
  /** The last sequence number used for each kind of email: never reused (the idempotency key). */
  sequence: Partial<Record<EmailKind, number>>;
  /** The answer being checked, with the numbers its acknowledgement may take. */
  checking: { version: number; ackSeq: AcknowledgementSeq } | null;
};

/** A decision's audit entry, as the recordAudit activity writes it (keyed by the action's id). */
export type AuditRecord = {
  quarter: string;
  municipality: string | null;
  action: string;
  actor: string;
  origin: string;
  detail: Record<string, unknown>;
  actionId: string;
};

export type SubmissionEvent =
  /** An answer came and its check starts. */
  | { type: 'submit' }
  /** The answer was checked and recorded; `acknowledged`: its email already went out. */
  | { type: 'checked'; result: SubmissionResult; acknowledged: boolean; at: string }
  | { type: 'extend'; until: string; now: number; action?: ActionMeta }
  | { type: 'excuse'; reason: string; action?: ActionMeta }
  | { type: 'remind'; action?: ActionMeta }
  | { type: 'reopen'; comment: string; now: number; action?: ActionMeta }
  | { type: 'close' }
  | { type: 'lock' }
  /** The wake-up time came: marks overdue and sends at most one due reminder (fire again for more). */
  | { type: 'timer'; now: number };

export type SubmissionEffect =
  | { type: 'email'; kind: EmailKind; seq: number; submissionId?: string; comment?: string }
  /** Record the answer and acknowledge it in one activity (recordAndAcknowledge). */
  | { type: 'record'; version: number; ackSeq: AcknowledgementSeq; deadline: string }
  /** The summary changed: tell the quarter and the search attributes. */
  | { type: 'publish' }
  | { type: 'audit'; entry: AuditRecord };

export type Transition = { state: SubmissionMachineState; effects: SubmissionEffect[] };

/** What a coordinator or a municipality asks of the workflow, checked before it is accepted. */
export type SubmissionCommand =
  | { type: 'submit' }
  | { type: 'extend'; until: string }
  | { type: 'excuse'; reason: string }
  | { type: 'remind' }
  | { type: 'reopen'; comment: string };

/** The action names of the audit log, as the CLI and the portal have always written them. */
const AUDIT_ACTION = {
  extend: 'quarter.extend',
  excuse: 'quarter.excuse',
  remind: 'quarter.remind',
  reopen: 'quarter.reopen',
} as const;

const SETTLED: readonly SubmissionState[] = ['accepted', 'excused', 'not_submitted'];

/** Reminders are owed only while the municipality has not answered acceptably. */
export const owesAnswer = (s: SubmissionMachineState): boolean => !SETTLED.includes(s.summary.state);

/** …and not while an answer is being checked, nor once the collection is closed. */
export const remindable = (s: SubmissionMachineState): boolean =>
  owesAnswer(s) && s.summary.state !== 'submitted' && !s.closed;

const planFrom = (policy: ReminderPolicy, deadline: string, after: number): PlannedReminder[] =>
  plannedReminders(policy, deadline).filter((p) => p.at > after);

export function initialState(
  input: { quarter: string; municipality: string; deadline: string; policy: ReminderPolicy },
  now: number,
): SubmissionMachineState {
  return {
    quarter: input.quarter,
    policy: input.policy,
    requestedDeadline: input.deadline,
    summary: requestedSummary(input.municipality, input.deadline),
    locked: false,
    closed: false,
    plan: planFrom(input.policy, input.deadline, now),
    overdueAt: endOfMoscowDay(input.deadline),
    // The quarter sent request № 1 itself.
    sequence: { request: 1 },
    checking: null,
  };
}

/**
 * A new run for a municipality whose last run finished: its summary and numbering as that run left
 * them, the quarter's close as the parent knows it, and the reminders still ahead of now.
 */
export function resumedState(
  input: { quarter: string; municipality: string; deadline: string; policy: ReminderPolicy },
  resume: { summary: MunicipalitySummary; closed: boolean },
  now: number,
): SubmissionMachineState {
  const base = initialState(input, now);
  const { sequence, ...summary } = resume.summary;
  return {
    ...base,
    summary: { ...summary, code: input.municipality },
    closed: resume.closed,
    sequence: { ...base.sequence, ...sequence },
    plan: planFrom(input.policy, summary.deadline, now),
    overdueAt: endOfMoscowDay(summary.deadline),
  };
}

/**
 * Whether this run has nothing left to do: signed off, or the answer is settled (accepted, excused,
 * or not submitted at close) with no check under way. A later command starts a new run.
 */
export const finishedCollecting = (s: SubmissionMachineState): boolean =>
  s.locked || (!owesAnswer(s) && s.checking === null);

/** The summary a run hands on (signal or result): with its email numbering, for a run after it. */
export const handedOn = (s: SubmissionMachineState): MunicipalitySummary => ({
  ...s.summary,
  sequence: { ...s.sequence },
});

/** The next wake-up (virtual time), or null: nothing is due until someone acts. */
export function nextWakeAt(s: SubmissionMachineState, now: number): number | null {
  if (s.locked || !remindable(s)) return null;
  const next = s.plan[0]?.at ?? Infinity;
  const markOverdue = s.summary.state !== 'overdue' && s.summary.state !== 'rejected' && s.overdueAt > now;
  const at = Math.min(next, markOverdue ? s.overdueAt : Infinity);
  return Number.isFinite(at) ? at : null;
}

/** Whether the municipality's answer is taken now, and if not, why (answerableQuery). */
export function answerable(s: SubmissionMachineState): Answerable {
  const reason = s.locked ? 'locked' : s.closed ? 'closed' : s.summary.state === 'excused' ? 'excused' : null;
  return { accepting: reason === null, reason, state: s.summary.state };
}

/** The parent counts every municipality as freshly requested until told otherwise. */
export function parentAssumes(s: SubmissionMachineState): boolean {
  const { summary } = s;
  return (
    summary.state === 'requested' &&
    summary.reminders === 0 &&
    summary.versions === 0 &&
    summary.deadline === s.requestedDeadline
  );
}

/** Why a command is refused now, in the words its Update's validator throws; null: accepted. */
export function refusal(s: SubmissionMachineState, command: SubmissionCommand): string | null {
  const { quarter } = s;
  const signedOff = `Квартал ${quarter} закрыт: отчет подписан.`;
  switch (command.type) {
    case 'submit':
      if (s.locked) return `Квартал ${quarter} закрыт: отчет подписан, сведения больше не принимаются.`;
      if (s.closed) return `Сбор сведений за ${quarter} закрыт координатором; обратитесь к нему.`;
      if (s.summary.state === 'excused')
        return 'Муниципальное образование освобождено от представления сведений за этот квартал.';
      return null;
    case 'extend':
      if (s.locked) return signedOff;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(command.until)) return 'Новый срок указывается как ГГГГ-ММ-ДД.';
      return null;
    case 'excuse':
      if (s.locked) return signedOff;
      if (!command.reason.trim()) return 'Укажите причину освобождения.';
      if (s.summary.state === 'accepted') return 'Сведения уже приняты; освобождать не нужно.';
      return null;
    case 'remind':
      if (s.locked || s.closed) return `Сбор сведений за ${quarter} закрыт.`;
      if (!owesAnswer(s)) return 'Напоминать не о чем: сведения приняты или муниципалитет освобожден.';
      return null;
    case 'reopen':
      if (s.locked) return signedOff;
      if (!command.comment.trim()) return 'Напишите, что нужно исправить.';
      if (s.summary.state !== 'accepted') return 'Вернуть на доработку можно только принятые сведения.';
      return null;
  }
}

/** Builds one transition: a copy of the state to change, and the effects in the order they go. */
function transition(s: SubmissionMachineState) {
  const state: SubmissionMachineState = {
    ...s,
    summary: { ...s.summary },
    plan: [...s.plan],
    sequence: { ...s.sequence },
  };
  const effects: SubmissionEffect[] = [];
  let changed = false;
  return {
    state,
    change(patch: Partial<MunicipalitySummary>) {
      Object.assign(state.summary, patch);
      changed = true;
    },
    email(kind: EmailKind, extra: { submissionId?: string; comment?: string; seq?: number } = {}) {
      const { seq: reserved, ...rest } = extra;
      const seq = reserved ?? (state.sequence[kind] ?? 0) + 1;
      state.sequence[kind] = Math.max(state.sequence[kind] ?? 0, seq);
      effects.push({ type: 'email', kind, seq, ...rest });
    },
    audit(action: ActionMeta | undefined, name: string, detail: Record<string, unknown>) {
      if (!action) return;
      effects.push({
        type: 'audit',
        entry: {
          quarter: state.quarter,
          municipality: state.summary.code,
          action: name,
          actor: action.actor,
          origin: action.origin,
          detail,
          actionId: action.id,
        },
      });
    },
    effect(effect: SubmissionEffect) {
      effects.push(effect);
    },
    done(): Transition {
      return { state, effects: changed ? [...effects, { type: 'publish' }] : effects };
    },
  };
}

export function step(s: SubmissionMachineState, event: SubmissionEvent): Transition {
  const t = transition(s);
  const { state } = t;
  // After sign-off nothing moves: a late signal changes nothing. (An answer accepted just before the
  // lock still goes through its check: its Update was admitted while the quarter was open.)
  if (state.locked && event.type !== 'submit' && event.type !== 'checked') return t.done();
  switch (event.type) {
    case 'submit': {
      const version = state.summary.versions + 1;
      const ackSeq = {
        accepted: (state.sequence.accepted ?? 0) + 1,
        rejected: (state.sequence.rejected ?? 0) + 1,
      };
      // 'submitted' lasts as long as the check; the quarter needs only its outcome (no publish).
      Object.assign(state.summary, { versions: version, state: 'submitted' });
      state.checking = { version, ackSeq };
      t.effect({ type: 'record', version, ackSeq, deadline: state.summary.deadline });
      return t.done();
    }
    case 'checked': {
      const { result } = event;
      const ackSeq = state.checking?.ackSeq ?? {
        accepted: (state.sequence.accepted ?? 0) + 1,
        rejected: (state.sequence.rejected ?? 0) + 1,
      };
      state.checking = null;
      if (result.accepted)
        t.change({
          state: 'accepted',
          acceptedSubmissionId: result.submissionId,
          nil: result.nil,
          rowCount: result.rowCount,
          warnings: result.findings.filter((f) => f.severity === 'warning').length,
          lastAnswerAt: event.at,
        });
      // A rejected correction does not take back an answer that was accepted before.
      else t.change({ state: 'rejected', lastAnswerAt: event.at });
      const kind = result.accepted ? 'accepted' : 'rejected';
      // The number is taken now, sent or not, so the next answer's result never reuses it.
      if (event.acknowledged) state.sequence[kind] = Math.max(state.sequence[kind] ?? 0, ackSeq[kind]);
      else t.email(kind, { submissionId: result.submissionId, seq: ackSeq[kind] });
      return t.done();
    }
    case 'extend': {
      const owes = owesAnswer(state);
      t.audit(event.action, AUDIT_ACTION.extend, { until: event.until });
      t.change({
        deadline: event.until,
        state: owes && state.summary.state !== 'rejected' ? 'extended' : state.summary.state,
      });
      state.plan = planFrom(state.policy, event.until, event.now);
      state.overdueAt = endOfMoscowDay(event.until);
      if (owes) t.email('extended');
      return t.done();
    }
    case 'excuse':
      t.audit(event.action, AUDIT_ACTION.excuse, { reason: event.reason });
      t.change({ state: 'excused', excuseReason: event.reason });
      t.email('excused', { comment: event.reason });
      return t.done();
    case 'remind':
      t.audit(event.action, AUDIT_ACTION.remind, {});
      t.email('reminder');
      t.change({
        reminders: state.summary.reminders + 1,
        state: state.summary.state === 'requested' ? 'reminded' : state.summary.state,
      });
      return t.done();
    case 'reopen':
      t.audit(event.action, AUDIT_ACTION.reopen, { comment: event.comment });
      state.closed = false;
      t.change({ state: 'reopened' });
      t.email('reopened', { comment: event.comment });
      state.plan = planFrom(state.policy, state.summary.deadline, event.now);
      return t.done();
    case 'close':
      state.closed = true;
      if (owesAnswer(state)) t.change({ state: 'not_submitted' });
      return t.done();
    case 'lock':
      state.locked = true;
      return t.done();
    case 'timer': {
      const { now } = event;
      const rejected = () => state.summary.state === 'rejected';
      // An answer or a decision may have come meanwhile; it, not the calendar, decides the state.
      if (remindable(state) && now >= state.overdueAt && !rejected() && state.summary.state !== 'overdue')
        t.change({ state: 'overdue' });
      const due = state.plan[0];
      if (!due || due.at > now || !remindable(state)) return t.done();
      state.plan.shift();
      t.email(due.kind);
      if (due.kind === 'escalation') t.change({ escalations: state.summary.escalations + 1 });
      else t.change({ reminders: state.summary.reminders + 1 });
      if (remindable(state) && !rejected())
        t.change({ state: due.kind === 'overdue' || now >= state.overdueAt ? 'overdue' : 'reminded' });
      return t.done();
    }
  }
}

/** Whether a timer transition sent a reminder: then another may be due at the same instant. */
export const sentReminder = (t: Transition): boolean => t.effects.some((e) => e.type === 'email');
