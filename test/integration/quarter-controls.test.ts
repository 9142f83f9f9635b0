// A quarter's controls on the real parts: the CLI against a real dev server, emails through real
// SMTP, visibility by search attribute, and the audit trail. The reminder calendar itself (what is
// sent when, silence after an answer or an excuse, the plan an extension moves) is the workflow
// tests' (test/workflows/), on the time-skipping server in seconds; here policy time only runs fast
// enough for the escalation to go out by email while the coordinator works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moscowDate } from '../../domain/schedule';
import type { ReminderPolicy } from '../../domain/schedule';
import { quarterWorkflowId, statusQuery, TASK_QUEUE } from '../../workflows/api';
import type { QuarterInput, QuarterStatus } from '../../workflows/api';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';
import type { ReceivedMail } from '../support/mail-sink';
import { Client, Connection } from '@temporalio/client';

const DAY = 86_400_000;
/** A day of policy lasts three seconds. */
const SCALE = 86_400 / 3;
/** Straight to overdue reminders and the escalation after the first of them. */
const POLICY: ReminderPolicy = {
  beforeDeadlineDays: [],
  onDeadline: false,
  overdueEveryDays: 1,
  escalateAfterOverdue: 1,
  sendHourMoscow: 9,
  workingDaysOnly: false,
};
const CODES = ['velizh', 'vyazma', 'gagarin', 'glinka', 'demidov'];

let stack: Stack;
let client: Client;

const mailsTo = (code: string) => (m: ReceivedMail) => m.headers.get('x-svodka-municipality') === code;
const kindOf = (m: ReceivedMail) => {
  const s = m.subject;
  if (s.startsWith('Запрос')) return 'request';
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

  it(
    "escalates by email, obeys the coordinator's CLI, and writes it all down",
    { timeout: 150_000 },
    async () => {
      const startedAt = Date.now();
      const deadline = moscowDate(startedAt + DAY);
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

      // vyazma answers; glinka is excused; gagarin gets weeks more; demidov answers and is sent back.
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
      const newDeadline = moscowDate(startedAt + 90 * DAY);
      const extend = await stack.cli(['quarter', 'extend', '2023-Q3', 'gagarin', '--until', newDeadline]);
      expect(extend.code, extend.stderr).toBe(0);
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

      // velizh stays silent: the escalation goes out to its head, with the coordinator copied.
      await stack.mail.waitFor((all) => all.some((m) => mailsTo('velizh')(m) && kindOf(m) === 'escalation'));
      const escalation = stack.mail.messages.find((m) => mailsTo('velizh')(m) && kindOf(m) === 'escalation')!;
      expect(escalation.to).toBe('glava.velizh@mo.example.ru');
      expect(escalation.cc).toBe('coordinator@svodka.example.ru');
      expect((await stack.cli(['submit', '2023-Q3', 'velizh', '--nil'])).code).toBe(0);

      // Each decision reached its municipality by email.
      await stack.mail.waitFor(
        (all) =>
          all.some((m) => mailsTo('glinka')(m) && kindOf(m) === 'excused') &&
          all.some((m) => mailsTo('gagarin')(m) && kindOf(m) === 'extended') &&
          all.some((m) => mailsTo('demidov')(m) && kindOf(m) === 'reopened') &&
          all.some((m) => mailsTo('velizh')(m) && kindOf(m) === 'accepted'),
      );

      // Sent back for a correction, demidov has not answered since and its deadline has passed.
      let s = await waitForStatus(
        (x) => x.municipalities.find((m) => m.code === 'demidov')?.state === 'overdue',
      );
      const state = (code: string) => s.municipalities.find((m) => m.code === code)!;
      expect(state('glinka')).toMatchObject({
        state: 'excused',
        excuseReason: 'Реорганизация администрации',
      });
      expect(state('gagarin')).toMatchObject({ state: 'extended', deadline: newDeadline });
      expect(s.phase).toBe('collecting');

      // The search attribute answers who is where, as the Web UI would (visibility lags a little).
      const overdue = async () => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({
          query: 'Quarter="2023-Q3" AND SubmissionStatus="overdue"',
        }))
          ids.push(wf.workflowId);
        return ids;
      };
      const seen = Date.now() + 10_000;
      while ((await overdue()).length !== 1 && Date.now() < seen)
        await new Promise((r) => setTimeout(r, 250));
      expect(await overdue()).toEqual(['quarter/2023-Q3/demidov']);

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
      expect(kinds).toContain('email.overdue');
      expect(kinds).toContain('email.escalation');
      expect(kinds).toContain('accepted');
      expect(timeline.some((e) => e.kind === 'submission' && e.actor === 'test-coordinator')).toBe(true);
      const whole = await stack.cli(['audit', '2023-Q3']);
      expect(whole.stdout).toContain('сбор сведений закрыт координатором');
      expect(whole.stdout).toContain('подписание: А. А. Петрова');
      expect((await stack.cli(['audit', 'verify'])).code).toBe(0);
    },
  );
});
