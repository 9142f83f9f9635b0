// Quarters that open themselves, on a real dev server, from the CLI as a coordinator runs it: the
// schedule is created, paused and resumed, «open now» opens the quarter the rule makes due today with
// the deadline the production calendar gives, the coordinator's email arrives at the SMTP sink, and
// a second «open now» and a start by hand are both refused. Then a quarter started by hand with its
// own reminder policy carries that policy, and a bad one is refused in Russian.
import { Client, Connection } from '@temporalio/client';
import { hiddenValue, signInAs, testPortal } from '../e2e/fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { workingCalendar } from '../../infrastructure/calendar';
import { loadConfig } from '../../infrastructure/config';
import { createMailer } from '../../infrastructure/email/mailer';
import { createOpenerActivities } from '../../activities/opener';
import { addDays } from '../../domain/calendar/working-days';
import { russianDate } from '../../domain/emails';
import { DEFAULT_OPENING_RULE, dueQuarter } from '../../domain/opening';
import { moscowDate } from '../../domain/schedule';
import { OPENER_SCHEDULE_ID, quarterWorkflowId } from '../../workflows/api';
import type { OpenerResult, QuarterInput } from '../../workflows/api';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';

let stack: Stack;
let client: Client;

beforeAll(async () => {
  stack = await startStack({ database: 'sqlite' });
  client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  // Two municipalities are enough, and spare the shared machine the others' emails.
  await stack.db.municipality.deleteMany({ where: { code: { notIn: ['velizh', 'vyazma'] } } });
}, 120_000);

afterAll(async () => {
  await client?.schedule
    .getHandle(OPENER_SCHEDULE_ID)
    .delete()
    .catch(() => {});
  await client?.connection.close();
  await stack?.stop();
});

async function quarterInput(quarter: string): Promise<QuarterInput> {
  const history = await client.workflow.getHandle(quarterWorkflowId(quarter)).fetchHistory();
  const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  return JSON.parse(Buffer.from(payload.data!).toString('utf8')) as QuarterInput;
}

const openedMails = () => stack.mail.messages.filter((m) => m.subject.startsWith('Открыт сбор сведений'));

describe('the schedule that opens quarters', () => {
  it(
    'opens the due quarter once, emails the coordinator, and refuses a second start',
    { timeout: 180_000 },
    async () => {
      const created = await stack.cli(['schedule', 'create', '--remind-before', '4,2']);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toContain('Расписание создано');

      const shown = await stack.cli(['schedule', 'show', '--json']);
      expect(shown.code, shown.stderr).toBe(0);
      const view = JSON.parse(shown.stdout) as { paused: boolean; rule: unknown; policy: unknown };
      expect(view).toMatchObject({
        paused: false,
        rule: DEFAULT_OPENING_RULE,
        policy: { remindBefore: '4,2' },
      });
      // Daily at 09:00 Moscow: 06:00 UTC.
      const description = await client.schedule.getHandle(OPENER_SCHEDULE_ID).describe();
      expect(description.info.nextActionTimes[0]!.toISOString()).toMatch(/T06:00:00\.000Z$/);

      expect((await stack.cli(['schedule', 'pause', '--note', 'отпуск'])).code).toBe(0);
      expect((await client.schedule.getHandle(OPENER_SCHEDULE_ID).describe()).state).toMatchObject({
        paused: true,
        note: 'отпуск',
      });
      expect((await stack.cli(['schedule', 'show'])).stdout).toContain('приостановлено (отпуск)');
      expect((await stack.cli(['schedule', 'resume'])).code).toBe(0);
      expect((await client.schedule.getHandle(OPENER_SCHEDULE_ID).describe()).state.paused).toBe(false);

      // What the rule makes due today, on the calendar in force (unit tests pin the rule on fixed dates).
      const due = dueQuarter(moscowDate(Date.now()), DEFAULT_OPENING_RULE, await workingCalendar(stack.db));
      const opened = await stack.cli(['schedule', 'trigger', '--json']);
      const result = JSON.parse(opened.stdout) as OpenerResult;
      if (!due) {
        // The first days of a quarter, before its predecessor's opening day: nothing to open.
        expect(result).toEqual({ opened: false, quarter: null, reason: 'not-due' });
        return;
      }
      expect(opened.code, opened.stderr).toBe(0);
      expect(result).toEqual({ opened: true, quarter: due.quarter, deadline: due.deadline, notified: true });

      const input = await quarterInput(due.quarter);
      expect(input.deadline).toBe(due.deadline);
      expect(input.municipalities).toEqual(['velizh', 'vyazma']);
      // The schedule's policy, over the installation's defaults.
      expect(input.policy).toMatchObject({
        beforeDeadlineDays: [4, 2],
        overdueEveryDays: 2,
        escalateAfterOverdue: 2,
      });
      expect(input.policy.calendar?.years.length).toBeGreaterThan(0);

      await stack.mail.waitFor(() => openedMails().length === 1, 30_000);
      const mail = openedMails()[0]!;
      expect(mail.to).toBe('coordinator@svodka.example.ru');
      expect(mail.text).toContain(`Срок представления сведений — ${russianDate(due.deadline)}`);
      expect(mail.text).toContain('за 4, 2 дн. до срока');
      await stack.mail.waitFor(
        (all) =>
          all.filter((m) => m.subject.includes('Запрос') || m.to.includes('@mo.example.ru')).length >= 2,
        30_000,
      );

      // «Open now» again: refused, and the coordinator is not told twice.
      const again = await stack.cli(['schedule', 'trigger']);
      expect(again.code).toBe(1);
      expect(again.stdout).toContain(`Сбор сведений за ${due.quarter} уже был запущен — второй не начат.`);
      // By hand: refused too.
      const byHand = await stack.cli(['quarter', 'start', due.quarter]);
      expect(byHand.code, byHand.stderr).toBe(0);
      expect(byHand.stdout).toContain('уже был запущен — второй не начат');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(openedMails()).toHaveLength(1);
      const runs = [];
      for await (const run of client.workflow.list({
        query: `WorkflowId = "${quarterWorkflowId(due.quarter)}"`,
      }))
        runs.push(run);
      expect(runs).toHaveLength(1);

      const audit = await stack.db.auditEntry.findMany({
        where: { quarter: due.quarter, action: 'quarter.start' },
      });
      expect(audit.map((a) => a.origin)).toEqual(['schedule']);
      const changes = await stack.db.auditEntry.findMany({ where: { action: { startsWith: 'schedule.' } } });
      expect(changes.map((a) => a.action)).toEqual([
        'schedule.create',
        'schedule.pause',
        'schedule.resume',
        'schedule.trigger',
        'schedule.trigger',
      ]);
    },
  );

  it(
    'starts a quarter by hand with the reminder policy given, and refuses a bad one',
    { timeout: 60_000 },
    async () => {
      const deadline = addDays(moscowDate(Date.now()), 40);
      const bad = await stack.cli([
        'quarter',
        'start',
        '2023-Q2',
        '--deadline',
        deadline,
        '--overdue-every',
        '0',
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('Интервал напоминаний после срока: нужно целое число от 1 до 30.');
      await expect(client.workflow.getHandle(quarterWorkflowId('2023-Q2')).describe()).rejects.toThrow();

      const start = await stack.cli([
        'quarter',
        'start',
        '2023-Q2',
        '--deadline',
        deadline,
        '--remind-before',
        '5,2',
        '--overdue-every',
        '1',
        '--escalate-after',
        '3',
      ]);
      expect(start.code, start.stderr).toBe(0);
      expect(start.stdout).toContain(
        'Напоминания: за 5, 2 дн. до срока; в день срока; после срока — каждые 1 дн.',
      );
      const input = await quarterInput('2023-Q2');
      expect(input.policy).toMatchObject({
        beforeDeadlineDays: [5, 2],
        overdueEveryDays: 1,
        escalateAfterOverdue: 3,
      });
      expect(input.policy.calendar?.years.length).toBeGreaterThan(0);
    },
  );

  it(
    'is kept from the portal: shown, paused and resumed, «open now»; forms need their CSRF token',
    { timeout: 90_000 },
    async () => {
      const app = await testPortal(stack.db, client);
      try {
        const cookies = await signInAs(app, stack.db, {
          login: 'coord',
          name: 'Координатор',
          role: 'coordinator',
          password: 'Zvezda-Dnepr-7311',
        });
        const schedule = () => client.schedule.getHandle(OPENER_SCHEDULE_ID).describe();

        const page = await app.inject({ method: 'GET', url: '/schedule', cookies });
        expect(page.statusCode).toBe(200);
        expect(page.body).toContain('Действует');
        expect(page.body).toContain('Открыть сейчас');
        expect(page.body).toContain('срок — 10 рабочих дней после');
        const csrf = hiddenValue(page.body, '_csrf');
        const post = (payload: Record<string, string>) =>
          app.inject({ method: 'POST', url: '/schedule', cookies, payload });

        // Without the form's token nothing changes.
        expect((await post({ action: 'pause' })).statusCode).toBe(403);
        expect((await schedule()).state.paused).toBe(false);

        expect((await post({ _csrf: csrf, action: 'pause', note: 'проверка' })).statusCode).toBe(303);
        expect((await schedule()).state.paused).toBe(true);
        expect((await app.inject({ method: 'GET', url: '/schedule', cookies })).body).toContain(
          'Приостановлено',
        );
        expect((await post({ _csrf: csrf, action: 'resume' })).statusCode).toBe(303);
        expect((await schedule()).state.paused).toBe(false);

        // The quarter due today was opened by the first test: «open now» from the portal is refused.
        const due = dueQuarter(moscowDate(Date.now()), DEFAULT_OPENING_RULE, await workingCalendar(stack.db));
        const trigger = await post({ _csrf: csrf, action: 'trigger' });
        expect(trigger.statusCode).toBe(303);
        expect(trigger.headers.location).toBe(`/schedule?done=${due ? 'already-started' : 'not-due'}`);

        // Signed out: to the sign-in page; an auditor: refused, the schedule untouched.
        const anonymous = await app.inject({
          method: 'POST',
          url: '/schedule',
          payload: { action: 'pause' },
        });
        expect(anonymous.statusCode).toBe(303);
        expect(anonymous.headers.location).toMatch(/^\/login/);
        const auditor = await signInAs(app, stack.db, {
          login: 'aud',
          name: 'Аудитор',
          role: 'auditor',
          password: 'Lipa-Gagarin-4820',
        });
        expect((await app.inject({ method: 'GET', url: '/schedule', cookies: auditor })).statusCode).toBe(
          403,
        );
        const auditorPause = await app.inject({
          method: 'POST',
          url: '/schedule',
          cookies: auditor,
          payload: { _csrf: csrf, action: 'pause' },
        });
        expect(auditorPause.statusCode).toBe(403);
        expect((await schedule()).state.paused).toBe(false);

        const badRule = await post({ _csrf: csrf, action: 'save', openOn: '0', deadlineDays: '10' });
        expect(badRule.statusCode).toBe(400);
        expect(badRule.body).toContain(
          'День открытия (рабочий день после конца квартала): не раньше первого рабочего дня',
        );
        const saved = await post({
          _csrf: csrf,
          action: 'save',
          openOn: '2',
          deadlineDays: '15',
          overdueEvery: '3',
        });
        expect(saved.headers.location).toBe('/schedule?done=updated');
        const [args] = ((await schedule()).action as { args: unknown[] }).args as [
          { rule: unknown; policy: unknown },
        ];
        expect(args.rule).toEqual({ openOnWorkingDay: 2, deadlineWorkingDays: 15 });
        expect(args.policy).toEqual({ overdueEvery: '3' });

        // The start form takes the policy too, and says what is wrong with it.
        const list = await app.inject({ method: 'GET', url: '/quarters', cookies });
        expect(list.body).toContain('name="remindBefore"');
        const badStart = await app.inject({
          method: 'POST',
          url: '/quarters',
          cookies,
          payload: { _csrf: hiddenValue(list.body, '_csrf'), quarter: '2023-Q3', remindBefore: '3,100' },
        });
        expect(badStart.statusCode).toBe(400);
        expect(badStart.body).toContain('Напоминания до срока: «100» — не число дней от 1 до 60');
      } finally {
        await app.close();
      }
    },
  );

  it(
    'leaves a quarter started by hand alone, and opens nothing before the opening day',
    { timeout: 60_000 },
    async () => {
      // The opener's activity on a clock of its own: on 2 April 2024 (Moscow) 2024-Q1 is due; on
      // 5 January 2025 nothing is (2024-Q4 opens on the 9th, after the New Year holidays).
      const mailer = createMailer(stack.mail.url);
      const openerOn = (iso: string) =>
        createOpenerActivities({
          prisma: stack.db,
          mailer,
          files: createDbBlobStore(stack.db),
          clock: () => new Date(iso),
          config: loadConfig(),
        });
      const input = { rule: DEFAULT_OPENING_RULE, actor: 'test-coordinator' };
      const env = new MockActivityEnvironment(undefined, { client });
      try {
        expect(await env.run(openerOn('2025-01-05T09:00:00+03:00').openDueQuarter, input)).toEqual({
          opened: false,
          quarter: null,
          reason: 'not-due',
        });
        // Started by hand first (a deadline ahead, so no reminder falls due while the test runs).
        const byHand = await stack.cli([
          'quarter',
          'start',
          '2024-Q1',
          '--deadline',
          addDays(moscowDate(Date.now()), 40),
        ]);
        expect(byHand.code, byHand.stderr).toBe(0);
        const mailsBefore = openedMails().length;
        expect(await env.run(openerOn('2024-04-02T09:00:00+03:00').openDueQuarter, input)).toEqual({
          opened: false,
          quarter: '2024-Q1',
          reason: 'already-started',
        });
        expect(openedMails()).toHaveLength(mailsBefore);
        expect(
          await stack.db.emailOutbox.count({ where: { quarter: '2024-Q1', kind: 'quarter-opened' } }),
        ).toBe(0);
      } finally {
        mailer.close?.();
      }
    },
  );
});
