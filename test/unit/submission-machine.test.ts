// The rules of one municipality's answer, transition by transition, with no Temporal at all: the
// calendar of reminders, overdue and escalation, the coordinator's decisions and their refusals,
// the email sequence numbers and the audit entries of decisions that carry an action.
import { describe, expect, it } from 'vitest';
import { endOfMoscowDay, moscowTime, plannedReminders } from '../../domain/schedule';
import type { ReminderPolicy } from '../../domain/schedule';
import {
  answerable,
  finishedCollecting,
  handedOn,
  initialState,
  nextWakeAt,
  parentAssumes,
  refusal,
  resumedState,
  step,
} from '../../domain/submission-machine';
import type {
  SubmissionEffect,
  SubmissionEvent,
  SubmissionMachineState,
} from '../../domain/submission-machine';
import type { SubmissionResult } from '../../workflows/api';

const DAY = 86_400_000;
const POLICY: ReminderPolicy = {
  beforeDeadlineDays: [3, 1],
  onDeadline: true,
  overdueEveryDays: 1,
  escalateAfterOverdue: 2,
  sendHourMoscow: 9,
  workingDaysOnly: false,
};
const DEADLINE = '2023-07-10';
const START = moscowTime('2023-07-01', 12);
const fresh = () =>
  initialState({ quarter: '2023-Q2', municipality: 'vyazma', deadline: DEADLINE, policy: POLICY }, START);

/** Feeds events in order; returns the last state and every effect. */
function run(state: SubmissionMachineState, ...events: SubmissionEvent[]) {
  const effects: SubmissionEffect[] = [];
  for (const event of events) {
    const t = step(state, event);
    state = t.state;
    effects.push(...t.effects);
  }
  return { state, effects };
}

/** Fires the timer at `now` as the workflow does: again while a reminder went out. */
function fire(state: SubmissionMachineState, now: number) {
  const effects: SubmissionEffect[] = [];
  for (;;) {
    const t = step(state, { type: 'timer', now });
    state = t.state;
    effects.push(...t.effects);
    if (!t.effects.some((e) => e.type === 'email')) return { state, effects };
  }
}

const emails = (effects: SubmissionEffect[]) =>
  effects.flatMap((e) => (e.type === 'email' ? [`${e.kind}#${e.seq}`] : []));

const result = (accepted: boolean, id = 's1'): SubmissionResult => ({
  accepted,
  version: 1,
  submissionId: id,
  nil: false,
  rowCount: 3,
  findings: accepted
    ? [{ severity: 'warning', code: 'w', message: 'm' } as never]
    : [{ severity: 'error', code: 'e', message: 'm' } as never],
});

/** An answer checked: submit, then its outcome. */
const answer = (accepted: boolean, acknowledged = true, id = 's1'): SubmissionEvent[] => [
  { type: 'submit' },
  { type: 'checked', result: result(accepted, id), acknowledged, at: '2023-07-05T10:00:00.000Z' },
];

const action = (id: string) => ({ id, actor: 'ivanova', origin: 'web@10.0.0.1' });

describe('the reminder calendar', () => {
  it('starts requested, with request № 1 sent by the quarter and the whole plan ahead', () => {
    const s = fresh();
    expect(s.summary.state).toBe('requested');
    expect(s.sequence).toEqual({ request: 1 });
    expect(s.plan).toEqual(plannedReminders(POLICY, DEADLINE));
    expect(parentAssumes(s)).toBe(true);
    // The first wake-up is the first reminder, three days before the deadline at 09:00 Moscow time.
    expect(nextWakeAt(s, START)).toBe(moscowTime('2023-07-07', 9));
  });

  it('reminds on the calendar, marks overdue after the deadline day, then escalates once', () => {
    let s = fresh();
    const sent: string[] = [];
    const states: string[] = [];
    for (let i = 0; i < 7; i++) {
      const at = nextWakeAt(s, START)!;
      const fired = fire(s, at);
      s = fired.state;
      sent.push(...emails(fired.effects));
      states.push(s.summary.state);
    }
    // Reminders 3 and 1 day before, on the day, overdue at midnight (no email), two overdue
    // reminders, then the escalation in place of the third.
    expect(sent).toEqual([
      'reminder#1',
      'reminder#2',
      'deadline#1',
      'overdue#1',
      'overdue#2',
      'escalation#1',
    ]);
    expect(states).toEqual(['reminded', 'reminded', 'reminded', 'overdue', 'overdue', 'overdue', 'overdue']);
    expect(s.summary.reminders).toBe(5);
    expect(s.summary.escalations).toBe(1);
    expect(parentAssumes(s)).toBe(false);
  });

  it('becomes overdue at the end of the deadline day, Moscow time, with a publish and no email', () => {
    const s = fire(fresh(), moscowTime(DEADLINE, 9)).state;
    expect(s.summary.state).toBe('reminded');
    expect(nextWakeAt(s, moscowTime(DEADLINE, 9))).toBe(endOfMoscowDay(DEADLINE));
    const t = step(s, { type: 'timer', now: endOfMoscowDay(DEADLINE) });
    expect(t.state.summary.state).toBe('overdue');
    expect(t.effects).toEqual([{ type: 'publish' }]);
  });

  it('sends every reminder that fell due while the worker was away, one per firing', () => {
    const { state, effects } = fire(fresh(), moscowTime('2023-07-10', 10));
    expect(emails(effects)).toEqual(['reminder#1', 'reminder#2', 'deadline#1']);
    expect(state.summary.reminders).toBe(3);
  });

  it('stops reminding once an answer is accepted, and has nothing to wake for', () => {
    const { state } = run(fresh(), ...answer(true));
    expect(nextWakeAt(state, START)).toBeNull();
    const later = fire(state, moscowTime('2023-07-20', 10));
    expect(emails(later.effects)).toEqual([]);
    expect(later.state.summary.state).toBe('accepted');
  });

  it('sends no reminder while an answer is being checked', () => {
    const { state } = run(fresh(), { type: 'submit' });
    expect(state.summary.state).toBe('submitted');
    expect(nextWakeAt(state, START)).toBeNull();
    expect(emails(fire(state, moscowTime('2023-07-07', 10)).effects)).toEqual([]);
  });

  it('keeps reminding a rejected answer but never calls it overdue', () => {
    const { state } = run(fresh(), ...answer(false));
    const fired = fire(state, moscowTime('2023-07-12', 10));
    expect(emails(fired.effects)).toEqual([
      'reminder#1',
      'reminder#2',
      'deadline#1',
      'overdue#1',
      'overdue#2',
    ]);
    expect(fired.state.summary.state).toBe('rejected');
  });
});

describe('answers', () => {
  it('records the next version with the acknowledgement numbers it may take, then accepts', () => {
    const submitted = step(fresh(), { type: 'submit' });
    expect(submitted.effects).toEqual([
      { type: 'record', version: 1, ackSeq: { accepted: 1, rejected: 1 }, deadline: DEADLINE },
    ]);
    const checked = step(submitted.state, answer(true)[1]!);
    expect(checked.state.summary).toMatchObject({
      state: 'accepted',
      versions: 1,
      acceptedSubmissionId: 's1',
      rowCount: 3,
      warnings: 1,
      lastAnswerAt: '2023-07-05T10:00:00.000Z',
    });
    // Acknowledged by the activity itself: no email of the workflow's, the number is spent.
    expect(checked.effects).toEqual([{ type: 'publish' }]);
    expect(checked.state.sequence.accepted).toBe(1);
  });

  it('sends the acknowledgement itself, under the reserved number, when the relay could not take it', () => {
    const { effects } = run(fresh(), ...answer(false, false, 's9'));
    expect(effects.filter((e) => e.type === 'email')).toEqual([
      { type: 'email', kind: 'rejected', seq: 1, submissionId: 's9' },
    ]);
  });

  it('never reuses a number: acknowledged or not, each answer takes the next', () => {
    const { state, effects } = run(fresh(), ...answer(false, true), ...answer(false, false, 's2'), {
      type: 'submit',
    });
    expect(emails(effects)).toEqual(['rejected#2']);
    expect(effects.at(-1)).toMatchObject({
      type: 'record',
      version: 3,
      ackSeq: { accepted: 1, rejected: 3 },
    });
    expect(state.summary.versions).toBe(3);
  });

  it('keeps the accepted answer when a correction is rejected', () => {
    const { state } = run(fresh(), ...answer(true, true, 'good'), ...answer(false, true, 'bad'));
    expect(state.summary.state).toBe('rejected');
    expect(state.summary.acceptedSubmissionId).toBe('good');
    expect(state.summary.versions).toBe(2);
  });
});

describe('the coordinator', () => {
  it('extends: a new deadline moves the plan and the overdue mark, with an email', () => {
    const now = moscowTime('2023-07-08', 12);
    const { state, effects } = run(fresh(), { type: 'extend', until: '2023-07-20', now });
    expect(state.summary).toMatchObject({ state: 'extended', deadline: '2023-07-20' });
    expect(state.overdueAt).toBe(endOfMoscowDay('2023-07-20'));
    expect(state.plan).toEqual(plannedReminders(POLICY, '2023-07-20').filter((p) => p.at > now));
    expect(state.plan[0]).toEqual({ kind: 'reminder', at: moscowTime('2023-07-17', 9) });
    expect(emails(effects)).toEqual(['extended#1']);
    expect(effects.at(-1)).toEqual({ type: 'publish' });
    // The old deadline's midnight passes without an overdue mark.
    expect(fire(state, endOfMoscowDay(DEADLINE) + 1).state.summary.state).toBe('extended');
  });

  it('extends an answered municipality silently, and a rejected one without hiding the rejection', () => {
    const accepted = run(fresh(), ...answer(true), { type: 'extend', until: '2023-07-20', now: START });
    expect(accepted.state.summary).toMatchObject({ state: 'accepted', deadline: '2023-07-20' });
    expect(emails(accepted.effects)).toEqual([]);
    const rejected = run(fresh(), ...answer(false), { type: 'extend', until: '2023-07-20', now: START });
    expect(rejected.state.summary.state).toBe('rejected');
    expect(emails(rejected.effects)).toEqual(['extended#1']);
  });

  it('excuses: no more reminders, the reason in the email, answers refused', () => {
    const { state, effects } = run(fresh(), { type: 'excuse', reason: 'Реорганизация' });
    expect(state.summary).toMatchObject({ state: 'excused', excuseReason: 'Реорганизация' });
    expect(effects).toContainEqual({ type: 'email', kind: 'excused', seq: 1, comment: 'Реорганизация' });
    expect(nextWakeAt(state, START)).toBeNull();
    expect(answerable(state)).toEqual({ accepting: false, reason: 'excused', state: 'excused' });
    expect(refusal(state, { type: 'submit' })).toBe(
      'Муниципальное образование освобождено от представления сведений за этот квартал.',
    );
  });

  it('reminds by hand: the next reminder number, counted, requested becomes reminded', () => {
    const { state, effects } = run(fresh(), { type: 'remind' }, { type: 'remind' });
    expect(emails(effects)).toEqual(['reminder#1', 'reminder#2']);
    expect(state.summary).toMatchObject({ state: 'reminded', reminders: 2 });
    // The calendar's next reminder takes the number after them.
    expect(emails(fire(state, moscowTime('2023-07-07', 9)).effects)).toEqual(['reminder#3']);
  });

  it('reopens an accepted answer: the comment emailed, the plan from now, reminders resume', () => {
    const accepted = run(fresh(), ...answer(true)).state;
    const now = moscowTime('2023-07-08', 12);
    const { state, effects } = run(accepted, { type: 'reopen', comment: 'Проверьте даты', now });
    expect(state.summary.state).toBe('reopened');
    expect(effects).toContainEqual({ type: 'email', kind: 'reopened', seq: 1, comment: 'Проверьте даты' });
    expect(nextWakeAt(state, now)).toBe(moscowTime('2023-07-09', 9));
  });

  it('refuses to reopen what is not accepted, or without a comment', () => {
    expect(refusal(fresh(), { type: 'reopen', comment: 'x' })).toBe(
      'Вернуть на доработку можно только принятые сведения.',
    );
    const rejected = run(fresh(), ...answer(true), ...answer(false)).state;
    expect(refusal(rejected, { type: 'reopen', comment: 'x' })).toBe(
      'Вернуть на доработку можно только принятые сведения.',
    );
    const accepted = run(fresh(), ...answer(true)).state;
    expect(refusal(accepted, { type: 'reopen', comment: '  ' })).toBe('Напишите, что нужно исправить.');
    expect(refusal(accepted, { type: 'reopen', comment: 'Проверьте' })).toBeNull();
  });

  it('refuses to excuse an accepted answer, or without a reason; to remind one who owes nothing', () => {
    const accepted = run(fresh(), ...answer(true)).state;
    expect(refusal(accepted, { type: 'excuse', reason: 'x' })).toBe(
      'Сведения уже приняты; освобождать не нужно.',
    );
    expect(refusal(fresh(), { type: 'excuse', reason: ' ' })).toBe('Укажите причину освобождения.');
    expect(refusal(accepted, { type: 'remind' })).toBe(
      'Напоминать не о чем: сведения приняты или муниципалитет освобожден.',
    );
    expect(refusal(fresh(), { type: 'extend', until: '10.07.2023' })).toBe(
      'Новый срок указывается как ГГГГ-ММ-ДД.',
    );
  });
});

describe('close and lock', () => {
  it('close marks who owes an answer as not submitted and stops the calendar; a reopen opens again', () => {
    const { state, effects } = run(fresh(), { type: 'close' });
    expect(state.summary.state).toBe('not_submitted');
    expect(effects).toEqual([{ type: 'publish' }]);
    expect(nextWakeAt(state, START)).toBeNull();
    expect(refusal(state, { type: 'submit' })).toBe(
      'Сбор сведений за 2023-Q2 закрыт координатором; обратитесь к нему.',
    );
    expect(refusal(state, { type: 'remind' })).toBe('Сбор сведений за 2023-Q2 закрыт.');
    expect(answerable(state)).toMatchObject({ accepting: false, reason: 'closed' });

    const accepted = run(fresh(), ...answer(true), { type: 'close' }).state;
    expect(accepted.summary.state).toBe('accepted');
    const reopened = run(accepted, { type: 'reopen', comment: 'Исправьте', now: START }).state;
    expect(reopened.closed).toBe(false);
    expect(refusal(reopened, { type: 'submit' })).toBeNull();
  });

  it('locked: every command refused with the signed-off text, late signals change nothing', () => {
    const accepted = run(fresh(), ...answer(true)).state;
    const { state, effects } = run(
      accepted,
      { type: 'lock' },
      { type: 'reopen', comment: 'поздно', now: START },
      { type: 'close' },
    );
    expect(effects).toEqual([]);
    expect(state.summary.state).toBe('accepted');
    const signedOff = 'Квартал 2023-Q2 закрыт: отчет подписан.';
    expect(refusal(state, { type: 'submit' })).toBe(
      'Квартал 2023-Q2 закрыт: отчет подписан, сведения больше не принимаются.',
    );
    expect(refusal(state, { type: 'extend', until: '2023-08-01' })).toBe(signedOff);
    expect(refusal(state, { type: 'excuse', reason: 'x' })).toBe(signedOff);
    expect(refusal(state, { type: 'reopen', comment: 'x' })).toBe(signedOff);
    expect(refusal(state, { type: 'remind' })).toBe('Сбор сведений за 2023-Q2 закрыт.');
    expect(answerable(state)).toMatchObject({ accepting: false, reason: 'locked' });
    expect(nextWakeAt(state, START)).toBeNull();
  });
});

describe('a run ends with the settled answer; the next one goes on from it', () => {
  const input = { quarter: '2023-Q2', municipality: 'vyazma', deadline: DEADLINE, policy: POLICY };

  it('ends once accepted, excused or not submitted at close, never while an answer is checked', () => {
    expect(finishedCollecting(fresh())).toBe(false);
    expect(finishedCollecting(run(fresh(), { type: 'submit' }).state)).toBe(false);
    expect(finishedCollecting(run(fresh(), ...answer(false)).state)).toBe(false);
    expect(finishedCollecting(run(fresh(), ...answer(true)).state)).toBe(true);
    expect(finishedCollecting(run(fresh(), { type: 'excuse', reason: 'x' }).state)).toBe(true);
    expect(finishedCollecting(run(fresh(), { type: 'close' }).state)).toBe(true);
    // A correction under way keeps the run going even after an earlier acceptance.
    expect(finishedCollecting(run(fresh(), ...answer(true), { type: 'submit' }).state)).toBe(false);
  });

  it('a new run keeps the summary and the email numbers, so a reopening and a second answer go on counting', () => {
    const first = fire(run(fresh(), { type: 'remind' }, ...answer(true)).state, START).state;
    const handed = handedOn(first);
    expect(handed.sequence).toEqual({ request: 1, reminder: 1, accepted: 1 });

    const later = START + 2 * DAY;
    const next = resumedState(input, { summary: handed, closed: false }, later);
    expect(next.summary).toMatchObject({ state: 'accepted', versions: 1, reminders: 1 });
    expect(next.summary).not.toHaveProperty('sequence');
    // Reminders already behind the new run's start are not sent again.
    expect(next.plan.every((p) => p.at > later)).toBe(true);
    const { state, effects } = run(
      next,
      { type: 'reopen', comment: 'Исправьте', now: later },
      { type: 'remind' },
      ...answer(true, false, 's2'),
    );
    expect(emails(effects)).toEqual(['reopened#1', 'reminder#2', 'accepted#2']);
    expect(state.summary).toMatchObject({ state: 'accepted', versions: 2, acceptedSubmissionId: 's2' });
  });

  it('a run started after the close keeps the quarter closed', () => {
    const closed = handedOn(run(fresh(), { type: 'close' }).state);
    const next = resumedState(input, { summary: closed, closed: true }, START);
    expect(refusal(next, { type: 'submit' })).toBe(
      'Сбор сведений за 2023-Q2 закрыт координатором; обратитесь к нему.',
    );
    expect(nextWakeAt(next, START)).toBeNull();
  });
});

describe('audit entries of decisions', () => {
  it('come first, keyed by the action, with the detail the clients always wrote', () => {
    const accepted = run(fresh(), ...answer(true)).state;
    const cases: [SubmissionMachineState, SubmissionEvent, string, Record<string, unknown>][] = [
      [
        fresh(),
        { type: 'extend', until: '2023-07-20', now: START, action: action('a1') },
        'quarter.extend',
        { until: '2023-07-20' },
      ],
      [
        fresh(),
        { type: 'excuse', reason: 'Причина', action: action('a2') },
        'quarter.excuse',
        { reason: 'Причина' },
      ],
      [fresh(), { type: 'remind', action: action('a3') }, 'quarter.remind', {}],
      [
        accepted,
        { type: 'reopen', comment: 'Исправьте', now: START, action: action('a4') },
        'quarter.reopen',
        { comment: 'Исправьте' },
      ],
    ];
    for (const [state, event, name, detail] of cases) {
      const { effects } = step(state, event);
      expect(effects[0]).toEqual({
        type: 'audit',
        entry: {
          quarter: '2023-Q2',
          municipality: 'vyazma',
          action: name,
          actor: 'ivanova',
          origin: 'web@10.0.0.1',
          detail,
          actionId: (event as { action: { id: string } }).action.id,
        },
      });
      expect(effects.filter((e) => e.type === 'audit')).toHaveLength(1);
    }
  });

  it('are not written for a decision without an action (the quarter reopening for its changes)', () => {
    const accepted = run(fresh(), ...answer(true)).state;
    const { effects } = step(accepted, { type: 'reopen', comment: 'x', now: START });
    expect(effects.some((e) => e.type === 'audit')).toBe(false);
  });
});

describe('the state given', () => {
  it('is never changed in place', () => {
    const s = fresh();
    const copy = structuredClone(s);
    run(s, { type: 'remind' }, ...answer(true), { type: 'extend', until: '2023-07-20', now: START });
    fire(s, moscowTime('2023-07-20', 10));
    expect(s).toEqual(copy);
    expect(DAY).toBeGreaterThan(0);
  });
});
