// A quarter over weeks of policy time, compressed to seconds on a real dev server: reminders and
// the escalation of the policy and none after an answer, extend, excuse, reopen, close, sign-off,
// and the audit trail of it all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moscowDate, plannedReminders } from '../../domain/schedule';
import type { ReminderPolicy } from '../../domain/schedule';
import { quarterWorkflowId, statusQuery, TASK_QUEUE } from '../../workflows/api';
import type { QuarterInput, QuarterStatus } from '../../workflows/api';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';
import type { ReceivedMail } from '../support/mail-sink';
import { Client, Connection } from '@temporalio/client';

const DAY = 86_400_000;
/** A day of policy lasts five seconds. */
const SCALE = 86_400 / 5;
const POLICY: ReminderPolicy = {
  beforeDeadlineDays: [1],
  onDeadline: true,
  overdueEveryDays: 1,
  escalateAfterOverdue: 2,
  sendHourMoscow: 9,
  // Weekends would make the expected calendar depend on the day the test runs.
  workingDaysOnly: false,
};
const CODES = ['velizh', 'vyazma', 'gagarin', 'glinka', 'demidov'];

let stack: Stack;
let client: Client;

const mailsTo = (code: string) => (m: ReceivedMail) => m.headers.get('x-svodka-municipality') === code;
const kindOf = (m: ReceivedMail) => {
  const s = m.subject;
  if (s.startsWith('Запрос')) return 'request';
  if (s.startsWith('Напоминание')) return 'reminder';
  if (s.startsWith('Срок истек')) return 'overdue';
  if (s.startsWith('Не представлены')) return 'escalation';
  if (s.startsWith('Сведения приняты')) return 'accepted';
  if (s.startsWith('Срок продлен')) return 'extended';
  if (s.startsWith('Сведения возвращены')) return 'reopened';
  if (s.startsWith('Сведения 2') || s.includes('не требуются')) return 'excused';
  return s;
};

async function status(): Promise<QuarterStatus> {
  return client.workflow.getHandle(quarterWorkflowId('2023-Q3')).query(statusQuery);
}

async function waitForStatus(
  predicate: (s: QuarterStatus) => boolean,
  timeoutMs = 60_000,
): Promise<QuarterStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await status();
    if (predicate(s)) return s;
    if (Date.now() > until)
      throw new Error(
        `status not reached: ${JSON.stringify(s.municipalities.map((m) => [m.code, m.state]))}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a quarter in depth', () => {
  beforeAll(async () => {
    stack = await startStack({ database: 'sqlite' });
    client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  });
  afterAll(async () => {
    await client?.connection.close();
    await stack?.stop();
  });

  it('reminds, escalates, stops on answer, and obeys the coordinator', { timeout: 240_000 }, async () => {
    const startedAt = Date.now();
    // Eight policy days ahead: the first reminder is due 35 seconds after the start, time enough for
    // the CLI calls below even on a loaded machine.
    const deadline = moscowDate(startedAt + 8 * DAY);
    const input: QuarterInput = {
      quarter: '2023-Q3',
      deadline,
      policy: POLICY,
      timeScale: SCALE,
      startedAt: new Date(startedAt).toISOString(),
      municipalities: CODES,
    };
    await client.workflow.start('quarterlyReport', {
      taskQueue: TASK_QUEUE,
      workflowId: quarterWorkflowId('2023-Q3'),
      args: [input],
    });
    await stack.mail.waitFor((all) => all.filter((m) => kindOf(m) === 'request').length === CODES.length);

    // vyazma answers at once; glinka is excused; gagarin gets a week more.
    expect((await stack.cli(['submit', '2023-Q3', 'vyazma', '--nil'])).code).toBe(0);
    const excuse = await stack.cli([
      'quarter',
      'excuse',
      '2023-Q3',
      'glinka',
      '--reason',
      'Реорганизация администрации',
    ]);
    expect(excuse.code, excuse.stderr).toBe(0);
    const newDeadline = moscowDate(startedAt + 20 * DAY);
    const extend = await stack.cli(['quarter', 'extend', '2023-Q3', 'gagarin', '--until', newDeadline]);
    expect(extend.code, extend.stderr).toBe(0);
    // demidov answers with rows, then the coordinator sends them back for a correction.
    expect((await stack.cli(['submit', '2023-Q3', 'demidov', '--nil'])).code).toBe(0);
    const reopen = await stack.cli([
      'quarter',
      'reopen',
      '2023-Q3',
      'demidov',
      '--comment',
      'Проверьте, были ли встречи с делегацией',
    ]);
    expect(reopen.code, reopen.stderr).toBe(0);
    // Reopening what is not accepted is refused with a reason.
    const badReopen = await stack.cli(['quarter', 'reopen', '2023-Q3', 'velizh', '--comment', 'x']);
    expect(badReopen.code).toBe(1);
    expect(badReopen.stderr).toContain('только принятые');

    // velizh stays silent until the escalation has gone out to its head, with the coordinator copied.
    await stack.mail.waitFor(
      (all) => all.some((m) => mailsTo('velizh')(m) && kindOf(m) === 'escalation'),
      150_000,
    );
    const escalation = stack.mail.messages.find((m) => mailsTo('velizh')(m) && kindOf(m) === 'escalation')!;
    expect(escalation.to).toBe('glava.velizh@mo.example.ru');
    expect(escalation.cc).toBe('coordinator@svodka.example.ru');
    expect((await stack.cli(['submit', '2023-Q3', 'velizh', '--nil'])).code).toBe(0);
    const answeredAt = stack.mail.messages.length;

    // Exactly the policy's reminders up to the escalation, in order.
    const expected = plannedReminders(POLICY, deadline)
      .filter((p) => p.at > startedAt)
      .map((p) => (p.kind === 'deadline' ? 'reminder' : p.kind));
    const velizh = stack.mail.messages.filter(mailsTo('velizh')).map(kindOf);
    const upToEscalation = velizh.slice(0, velizh.indexOf('escalation') + 1);
    expect(upToEscalation).toEqual(['request', ...expected.slice(0, expected.indexOf('escalation') + 1)]);

    // Three more policy days pass: nobody who answered or was excused hears from us again.
    await new Promise((r) => setTimeout(r, 15_000));
    const later = stack.mail.messages.slice(answeredAt);
    expect(later.filter((m) => ['velizh', 'vyazma', 'glinka'].some((c) => mailsTo(c)(m)))).toEqual([]);
    // vyazma answered before any reminder: it got the request and the acceptance, nothing else.
    expect(stack.mail.messages.filter(mailsTo('vyazma')).map(kindOf)).toEqual(['request', 'accepted']);
    expect(stack.mail.messages.filter(mailsTo('glinka')).map(kindOf)).toEqual(['request', 'excused']);
    // gagarin's extension moved its deadline: no overdue reminder yet.
    const gagarin = stack.mail.messages.filter(mailsTo('gagarin')).map(kindOf);
    expect(gagarin).toContain('extended');
    expect(gagarin).not.toContain('overdue');
    expect(stack.mail.messages.filter(mailsTo('demidov')).map(kindOf)).toContain('reopened');

    let s = await status();
    const state = (code: string) => s.municipalities.find((m) => m.code === code)!;
    expect(state('velizh')).toMatchObject({ state: 'accepted', escalations: 1 });
    expect(state('velizh').reminders).toBeGreaterThanOrEqual(4);
    expect(state('glinka')).toMatchObject({ state: 'excused', excuseReason: 'Реорганизация администрации' });
    expect(state('gagarin')).toMatchObject({ deadline: newDeadline });
    // Sent back for a correction before the deadline, demidov has not answered since: overdue now.
    expect(state('demidov').state).toBe('overdue');
    expect(s.phase).toBe('collecting');

    // The search attribute answers who is where, as the Web UI would.
    const overdue: string[] = [];
    for await (const wf of client.workflow.list({
      query: 'Quarter="2023-Q3" AND SubmissionStatus="overdue"',
    })) {
      overdue.push(wf.workflowId);
    }
    expect(overdue).toEqual(['quarter/2023-Q3/demidov']);

    // demidov corrects (version 2); the coordinator closes: gagarin becomes «не представлено».
    expect((await stack.cli(['submit', '2023-Q3', 'demidov', '--nil'])).code).toBe(0);
    expect((await stack.cli(['quarter', 'close', '2023-Q3'])).code).toBe(0);
    s = await waitForStatus((x) => x.phase === 'awaiting_approval');
    expect(s.municipalities.map((m) => [m.code, m.state])).toEqual([
      ['velizh', 'accepted'],
      ['vyazma', 'accepted'],
      ['gagarin', 'not_submitted'],
      ['glinka', 'excused'],
      ['demidov', 'accepted'],
    ]);
    expect(state('demidov').versions).toBe(2);
    const late = await stack.cli(['submit', '2023-Q3', 'gagarin', '--nil']);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('закрыт');

    const approve = await stack.cli(['report', 'approve', '2023-Q3', '--signer', 'А. А. Петрова']);
    expect(approve.code, approve.stderr).toBe(0);
    await waitForStatus((x) => x.phase === 'approved');

    // The audit timeline tells the story, joined with who did it.
    const audit = await stack.cli(['audit', '2023-Q3', '--municipality', 'velizh', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    const timeline = JSON.parse(audit.stdout) as { kind: string; actor?: string }[];
    const kinds = timeline.map((e) => e.kind);
    expect(kinds).toContain('email.request');
    expect(kinds).toContain('email.escalation');
    expect(kinds.filter((k) => k === 'email.overdue').length).toBeGreaterThanOrEqual(2);
    expect(kinds).toContain('accepted');
    expect(timeline.some((e) => e.kind === 'submission' && e.actor === 'test-coordinator')).toBe(true);
    const whole = await stack.cli(['audit', '2023-Q3']);
    expect(whole.stdout).toContain('сбор сведений закрыт координатором');
    expect(whole.stdout).toContain('подписание: А. А. Петрова');
    expect((await stack.cli(['audit', 'verify'])).code).toBe(0);
  });
});
