// One municipality's answer over weeks of its reminder calendar, in seconds of wall time: what the
// workflow asks its activities to send, and when (the test server's virtual time), as the
// coordinator extends, excuses, reopens, closes and locks, and as answers are rejected and corrected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { RU_YEARS } from '../../domain/calendar/russia';
import { addDays } from '../../domain/calendar/working-days';
import { moscowDate, moscowTime } from '../../domain/schedule';
import type { ReminderPolicy } from '../../domain/schedule';
import {
  answerableQuery,
  closeSubmissionSignal,
  excuseUpdate,
  extendUpdate,
  lockSignal,
  remindUpdate,
  reopenUpdate,
  submissionStatusQuery,
  submissionWorkflowId,
  submitUpdate,
} from '../../workflows/api';
import type { MunicipalitySummary, SubmissionInput, SubmissionPayload } from '../../workflows/api';
import { callsOf, DAY, emailsOf, refusal, resultOf, startHarness } from './support';
import type { Harness } from './support';

const QUARTER = '2024-Q2';
/** The policy without working days, so what is expected does not depend on the weekday. */
const POLICY: ReminderPolicy = {
  beforeDeadlineDays: [3, 1],
  onDeadline: true,
  overdueEveryDays: 2,
  escalateAfterOverdue: 2,
  sendHourMoscow: 9,
  workingDaysOnly: false,
};
const NIL: SubmissionPayload = { kind: 'nil', channel: 'web', actor: 'clerk' };
const file = (uploadId: string): SubmissionPayload => ({
  kind: 'file',
  uploadId,
  channel: 'web',
  actor: 'clerk',
});
const coordinator = { actor: 'coordinator' };

let h: Harness;

beforeAll(async () => {
  h = await startHarness('workflow-tests-municipality');
});
afterAll(async () => {
  await h?.stop();
});

/** Noon (Moscow) of a date: after that day's 09:00 reminder, before the next one. */
const noon = (date: string) => moscowTime(date, 12);

async function start(
  code: string,
  deadline: string,
  policy: ReminderPolicy = POLICY,
  resume?: SubmissionInput['resume'],
) {
  const input: SubmissionInput = {
    quarter: QUARTER,
    municipality: code,
    deadline,
    policy,
    timeScale: 1,
    startedAt: new Date(await h.now()).toISOString(),
    ...(resume ? { resume } : {}),
  };
  const handle = await h.env.client.workflow.start('municipalitySubmission', {
    taskQueue: h.taskQueue,
    workflowId: submissionWorkflowId(QUARTER, code),
    args: [input],
  });
  return { handle, emails: () => emailsOf(h.mocks.calls, handle.workflowId) };
}

/** A new run from where the last one ended, as the quarter starts it for a command (reviveUpdate). */
async function resume(code: string, deadline: string, last: MunicipalitySummary, closed = false) {
  return (await start(code, deadline, POLICY, { summary: last, closed })).handle;
}

/** A deadline ten days ahead, and a way to name the days around it. */
async function tenDaysAhead() {
  const deadline = moscowDate((await h.now()) + 10 * DAY);
  return { deadline, d: (n: number) => addDays(deadline, n) };
}

const summaryOf = (handle: WorkflowHandle) => handle.query(submissionStatusQuery);
const submit = (handle: WorkflowHandle, payload: SubmissionPayload) =>
  handle.executeUpdate(submitUpdate, { args: [payload] });

describe('the reminder calendar', () => {
  it('on the production calendar: the May holidays of 2024 move every reminder to a working day', async () => {
    // The test server's clock starts at the real present and only goes forward, so the May of 2024
    // is replayed a whole number of weeks later: every weekday, holiday and working Saturday of the
    // 2024 calendar (Постановление № 1447) stays where it was in the week.
    const weeks = Math.ceil(((await h.now()) + 2 * DAY - moscowTime('2024-04-20', 0)) / (7 * DAY));
    const at = (date2024: string) => addDays(date2024, 7 * weeks);
    const year2024 = RU_YEARS.find((y) => y.year === 2024)!;
    const spring = (d: string) => d >= '2024-04-20' && d <= '2024-05-31';
    const daysOff = year2024.daysOff.filter(spring).map(at);
    const workingWeekends = year2024.workingWeekends.filter(spring).map(at);
    expect(daysOff).toEqual(['2024-04-29', '2024-04-30', '2024-05-01', '2024-05-09', '2024-05-10'].map(at));
    expect(workingWeekends).toEqual(['2024-04-27'].map(at));
    const policy: ReminderPolicy = {
      beforeDeadlineDays: [3, 1],
      onDeadline: true,
      overdueEveryDays: 1,
      escalateAfterOverdue: 2,
      sendHourMoscow: 9,
      workingDaysOnly: true,
      calendar: {
        years: [...new Set([...daysOff, ...workingWeekends].map((d) => Number(d.slice(0, 4))))],
        daysOff,
        workingWeekends,
      },
    };

    await h.sleepUntil(noon(at('2024-04-25')));
    const { handle, emails } = await start('velizh', at('2024-05-08'), policy);

    await h.sleepUntil(noon(at('2024-05-07')));
    expect(await summaryOf(handle)).toMatchObject({ state: 'reminded', reminders: 2 });
    // Thursday 9 May is Victory Day: the deadline of Wednesday 8 May has passed, the municipality is
    // overdue at once, but the overdue reminder waits for the first working day after the holidays.
    await h.sleepUntil(noon(at('2024-05-09')));
    expect((await summaryOf(handle)).state).toBe('overdue');
    expect(emails().length).toBe(3);

    await h.sleepUntil(noon(at('2024-05-16')));
    expect(emails()).toEqual([
      // 3 days before is Sunday 5 May; Saturday 4 May is a day off too: Friday 3 May.
      `reminder#1 ${at('2024-05-03')}`,
      `reminder#2 ${at('2024-05-07')}`,
      `deadline#1 ${at('2024-05-08')}`,
      // 9–12 May are days off: the first overdue reminder on Monday 13 May, then every working day,
      // and the escalation after two of them, counted once per day they went out.
      `overdue#1 ${at('2024-05-13')}`,
      `overdue#2 ${at('2024-05-14')}`,
      `escalation#1 ${at('2024-05-15')}`,
      `overdue#3 ${at('2024-05-16')}`,
    ]);
    expect(await summaryOf(handle)).toMatchObject({ state: 'overdue', reminders: 6, escalations: 1 });
    const escalation = callsOf(h.mocks.calls, 'sendMunicipalityEmail', handle.workflowId)[5]!;
    expect(escalation.input).toMatchObject({
      quarter: QUARTER,
      municipality: 'velizh',
      deadline: at('2024-05-08'),
    });

    // The answer ends the calendar: three weeks pass without another email.
    const result = await submit(handle, NIL);
    expect(result).toMatchObject({ accepted: true, version: 1, nil: true });
    expect(await summaryOf(handle)).toMatchObject({
      state: 'accepted',
      acceptedSubmissionId: result.submissionId,
    });
    await h.sleepUntil(noon(at('2024-06-06')));
    expect(emails().length).toBe(7);
  });

  it('extend moves the whole plan to the new deadline', async () => {
    const { deadline, d } = await tenDaysAhead();
    const { handle, emails } = await start('vyazma', deadline);
    await h.sleepUntil(noon(d(-3)));
    const extended = await handle.executeUpdate(extendUpdate, { args: [{ until: d(7), ...coordinator }] });
    expect(extended).toMatchObject({ state: 'extended', deadline: d(7) });

    await h.sleepUntil(noon(d(9)));
    expect(emails()).toEqual([
      `reminder#1 ${d(-3)}`,
      `extended#1 ${d(-3)}`,
      // Nothing on the old deadline nor the day before it.
      `reminder#2 ${d(4)}`,
      `reminder#3 ${d(6)}`,
      `deadline#1 ${d(7)}`,
      `overdue#1 ${d(9)}`,
    ]);
    // Every email after the extension names the new deadline.
    const deadlines = callsOf(h.mocks.calls, 'sendMunicipalityEmail', handle.workflowId).map(
      (c) => (c.input as { deadline: string }).deadline,
    );
    expect(deadlines).toEqual([deadline, d(7), d(7), d(7), d(7), d(7)]);
    expect(await summaryOf(handle)).toMatchObject({ state: 'overdue', deadline: d(7) });
    // A date that is not a date is refused and changes nothing.
    expect(
      await refusal(handle.executeUpdate(extendUpdate, { args: [{ until: '1 мая', ...coordinator }] })),
    ).toContain('ГГГГ-ММ-ДД');
  });

  it('excuse stops the reminders for good', async () => {
    const { deadline, d } = await tenDaysAhead();
    const { handle, emails } = await start('gagarin', deadline);
    await h.sleepUntil(noon(d(-1)));
    expect(
      await refusal(handle.executeUpdate(excuseUpdate, { args: [{ reason: '  ', ...coordinator }] })),
    ).toContain('причину');
    const excused = await handle.executeUpdate(excuseUpdate, {
      args: [{ reason: 'Реорганизация администрации', ...coordinator }],
    });
    expect(excused).toMatchObject({ state: 'excused', excuseReason: 'Реорганизация администрации' });

    await h.sleepUntil(noon(d(21)));
    expect(emails()).toEqual([`reminder#1 ${d(-3)}`, `reminder#2 ${d(-1)}`, `excused#1 ${d(-1)}`]);
    const excuseMail = callsOf(h.mocks.calls, 'sendMunicipalityEmail', handle.workflowId)[2]!;
    expect(excuseMail.input).toMatchObject({ comment: 'Реорганизация администрации' });
    // The excuse settles the answer: the run ends, and a run started after it takes no answer either.
    const last = await resultOf(h.env, handle);
    expect(last).toMatchObject({ state: 'excused' });
    const again = await resume('gagarin', deadline, last);
    expect(await again.query(answerableQuery)).toEqual({
      accepting: false,
      reason: 'excused',
      state: 'excused',
    });
    expect(await refusal(submit(again, NIL))).toContain('освобождено');
    expect(callsOf(h.mocks.calls, 'recordAndAcknowledge', handle.workflowId)).toEqual([]);
  });
});

describe('answers', () => {
  it('a rejected answer keeps the reminders going; the corrected one stops them', async () => {
    const { deadline, d } = await tenDaysAhead();
    const { handle, emails } = await start('glinka', deadline);
    await h.sleepUntil(noon(d(1)));
    expect((await summaryOf(handle)).state).toBe('overdue');

    const rejected = await submit(handle, file('broken-scan'));
    expect(rejected).toMatchObject({ accepted: false, version: 1 });
    expect(await summaryOf(handle)).toMatchObject({
      state: 'rejected',
      versions: 1,
      acceptedSubmissionId: null,
    });
    await h.sleepUntil(noon(d(2)));
    // Reminded again while the answer stays rejected, and still counted as rejected, not overdue.
    expect((await summaryOf(handle)).state).toBe('rejected');

    // The relay is down when the correction is recorded: the workflow sends the acknowledgement
    // itself, under the number the activity was given.
    h.mocks.behaviour.acknowledges = (input) => !(input.municipality === 'glinka' && input.version === 2);
    const corrected = await submit(handle, file('corrected-scan'));
    expect(corrected).toMatchObject({ accepted: true, version: 2 });
    await h.sleepUntil(noon(d(16)));

    expect(
      callsOf(h.mocks.calls, 'recordAndAcknowledge', handle.workflowId).map((c) => c.input),
    ).toMatchObject([
      {
        quarter: QUARTER,
        municipality: 'glinka',
        version: 1,
        deadline,
        ackSeq: { accepted: 1, rejected: 1 },
      },
      {
        quarter: QUARTER,
        municipality: 'glinka',
        version: 2,
        deadline,
        ackSeq: { accepted: 1, rejected: 2 },
      },
    ]);
    expect(emails()).toEqual([
      `reminder#1 ${d(-3)}`,
      `reminder#2 ${d(-1)}`,
      `deadline#1 ${d(0)}`,
      `overdue#1 ${d(2)}`,
      `accepted#1 ${d(2)}`,
    ]);
    expect(await summaryOf(handle)).toMatchObject({
      state: 'accepted',
      versions: 2,
      acceptedSubmissionId: `${QUARTER}/glinka/v2`,
    });
  });

  it('remind, answer, reopen: the calendar starts again and the numbers go on', async () => {
    const { deadline, d } = await tenDaysAhead();
    const { handle, emails } = await start('demidov', deadline);
    expect(
      await refusal(handle.executeUpdate(reopenUpdate, { args: [{ comment: 'Исправьте', ...coordinator }] })),
    ).toContain('только принятые');
    expect(await handle.executeUpdate(remindUpdate, { args: [coordinator] })).toMatchObject({
      state: 'reminded',
      reminders: 1,
    });
    expect((await submit(handle, NIL)).accepted).toBe(true);
    // Accepted: the run ends, handing on its summary and the numbers its emails took.
    const accepted = await resultOf(h.env, handle);
    expect(accepted).toMatchObject({
      state: 'accepted',
      versions: 1,
      sequence: { request: 1, reminder: 1, accepted: 1 },
    });
    let run = await resume('demidov', deadline, accepted);
    expect(await refusal(run.executeUpdate(remindUpdate, { args: [coordinator] }))).toContain(
      'Напоминать не о чем',
    );

    await h.sleepUntil(noon(d(-5)));
    expect(emails()).toEqual([`reminder#1 ${d(-10)}`]);
    // No command came within its grace: that run has ended as it began.
    const idle = await resultOf(h.env, run);
    expect(idle).toMatchObject({ state: 'accepted', versions: 1 });
    run = await resume('demidov', deadline, idle);
    const reopened = await run.executeUpdate(reopenUpdate, {
      args: [{ comment: 'Проверьте, были ли встречи с делегацией', ...coordinator }],
    });
    expect(reopened.state).toBe('reopened');
    await h.sleepUntil(noon(d(0)));
    expect((await submit(run, file('second'))).version).toBe(2);
    await h.sleepUntil(noon(d(14)));

    expect(emails()).toEqual([
      `reminder#1 ${d(-10)}`,
      `reopened#1 ${d(-5)}`,
      `reminder#2 ${d(-3)}`,
      `reminder#3 ${d(-1)}`,
      `deadline#1 ${d(0)}`,
    ]);
    const reopenMail = callsOf(h.mocks.calls, 'sendMunicipalityEmail', handle.workflowId)[1]!;
    expect(reopenMail.input).toMatchObject({
      kind: 'reopened',
      comment: 'Проверьте, были ли встречи с делегацией',
    });
    // The second answer's acknowledgement is the second «accepted».
    expect(
      callsOf(h.mocks.calls, 'recordAndAcknowledge', handle.workflowId).map((c) => c.input),
    ).toMatchObject([
      { version: 1, ackSeq: { accepted: 1 } },
      { version: 2, ackSeq: { accepted: 2 } },
    ]);
    expect(await resultOf(h.env, run)).toMatchObject({ state: 'accepted', versions: 2 });
  });
});

describe('the end of the collection', () => {
  it('close: not submitted ends the run; a run after it takes no answers and sends no reminders', async () => {
    const { deadline, d } = await tenDaysAhead();
    const { handle, emails } = await start('dorogobuzh', deadline);
    await h.sleepUntil(noon(d(1)));
    await handle.signal(closeSubmissionSignal, coordinator);
    const last = await resultOf(h.env, handle);
    expect(last).toMatchObject({ code: 'dorogobuzh', state: 'not_submitted' });

    const again = await resume('dorogobuzh', deadline, last, true);
    expect(await again.query(answerableQuery)).toEqual({
      accepting: false,
      reason: 'closed',
      state: 'not_submitted',
    });
    expect(await refusal(submit(again, NIL))).toContain('закрыт координатором');
    expect(await refusal(again.executeUpdate(remindUpdate, { args: [coordinator] }))).toContain('закрыт');
    // Nothing it would take came: that run ends after its grace, and no reminder went meanwhile.
    await h.sleepUntil(noon(d(15)));
    expect(await resultOf(h.env, again)).toMatchObject({ state: 'not_submitted' });
    expect(emails()).toEqual([`reminder#1 ${d(-3)}`, `reminder#2 ${d(-1)}`, `deadline#1 ${d(0)}`]);
  });

  it('lock of a municipality still owing stops its calendar and its answers', async () => {
    const { deadline, d } = await tenDaysAhead();
    const { handle, emails } = await start('duhovshchina', deadline);
    await h.sleepUntil(noon(d(-3)));
    await handle.signal(lockSignal);
    expect(await handle.result()).toMatchObject({ state: 'reminded', reminders: 1 });
    await h.sleepUntil(noon(d(10)));
    expect(emails()).toEqual([`reminder#1 ${d(-3)}`]);
    await expect(submit(handle, NIL)).rejects.toThrow();
  });
});
