// The coordinator's notifications on a real dev server and a real SMTP sink, driven from the CLI as a
// coordinator drives them: the daily schedule's workflow sends the digest once per working day (run
// twice on one day: one email), nothing on a day off, the audit anchor to the auditors every day;
// «черновик готов» and «отчет подписан» go out once per report, and not at all when switched off.
// The worker's activities run on a clock the test sets, so «today» is a day of our choosing.
import { Client, Connection } from '@temporalio/client';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDailySchedule, describeDaily, triggerDailySchedule } from '../../client/notifications';
import { readNotificationSettings } from '../../infrastructure/notification-settings';
import { DAILY_SCHEDULE_ID } from '../../workflows/api';
import { hiddenValue, signInAs, testPortal } from '../e2e/fakes';
import type { DailyResult } from '../../workflows/api';
import { createSvodkaWorker } from '../../worker/worker';
import type { WorkerHandle } from '../../worker/worker';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';

const AUDITOR = 'auditor@svodka.example.ru';
const COORDINATOR = 'coordinator@svodka.example.ru';

let stack: Stack;
let client: Client;
let worker: WorkerHandle;
let running: Promise<void>;
/** The activities' «now»: a Moscow morning the test picks. */
let now = new Date('2027-05-13T09:00:00+03:00');

beforeAll(async () => {
  process.env.SVODKA_AUDITOR_EMAIL = AUDITOR;
  stack = await startStack({ database: 'sqlite', worker: false });
  client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  await stack.db.municipality.deleteMany({ where: { code: { notIn: ['velizh', 'vyazma'] } } });
  worker = await createSvodkaWorker({
    address: stack.temporalAddress,
    databaseUrl: stack.databaseUrl,
    smtpUrl: stack.mail.url,
    deps: { clock: () => now },
  });
  running = worker.worker.run();
}, 240_000);

afterAll(async () => {
  await client?.schedule
    .getHandle(DAILY_SCHEDULE_ID)
    .delete()
    .catch(() => {});
  await client?.connection.close();
  if (worker) {
    if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
    await running.catch(() => {});
    await worker.close();
  }
  await stack?.stop();
  delete process.env.SVODKA_AUDITOR_EMAIL;
});

const digests = () => stack.mail.messages.filter((m) => m.subject.startsWith('Svodka: сводка на'));
const anchors = () => stack.mail.messages.filter((m) => m.subject.startsWith('Svodka: якорь журнала аудита'));
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

/** «Send now» as `svodka notify run` does it (the CLI itself is run once below: each run costs seconds). */
function runNow(): Promise<DailyResult> {
  return triggerDailySchedule(client, stack.db, { actor: 'test-coordinator', origin: 'test' });
}

describe('the daily digest and the audit anchor', () => {
  it(
    'sends the digest once per working day, nothing on a day off, and the anchor to the auditors daily',
    { timeout: 420_000 },
    async () => {
      // A quarter whose deadline was Friday 7 May 2027; Velizh has not answered, Vyazma sent a file
      // that was rejected and has not corrected it.
      const start = await stack.cli(['quarter', 'start', '2027-Q1', '--deadline', '2027-05-07']);
      expect(start.code, start.stderr).toBe(0);
      await stack.mail.waitFor(
        (all) => all.filter((m) => m.subject.startsWith('Запрос сведений')).length === 2,
      );
      const bad = path.join(stack.dir, 'bad.docx');
      writeFileSync(bad, '%PDF-1.4\n');
      expect((await stack.cli(['submit', '2027-Q1', 'vyazma', '--file', bad])).code).toBe(1);
      // A reply held for the coordinator, and an email the relay keeps refusing.
      await stack.db.inboundMail.create({
        data: {
          id: 'held-1',
          messageId: '<held-1@example.ru>',
          fromAddress: 'neizvestny@example.ru',
          subject: 'Сведения за квартал',
          status: 'held',
          detail: 'Отправитель не найден в реестре',
        },
      });
      await stack.db.emailOutbox.create({
        data: {
          key: '2027-Q1/velizh/reminder/9',
          quarter: '2027-Q1',
          municipality: 'velizh',
          kind: 'reminder',
          seq: 9,
          to: 'velizh@mo.example.ru',
          subject: 'Напоминание о сроке',
          messageId: '<2027-q1.velizh.reminder.9@svodka.local>',
          status: 'pending',
          attempts: 4,
          lastError: '550 5.1.1 mailbox unavailable',
        },
      });

      const created = await stack.cli(['notify', 'schedule']);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toContain('Ежедневная рассылка создана');
      // Daily at 08:30 Moscow: 05:30 UTC.
      const description = await client.schedule.getHandle(DAILY_SCHEDULE_ID).describe();
      expect(description.info.nextActionTimes[0]!.toISOString()).toMatch(/T05:30:00\.000Z$/);
      expect(
        await createDailySchedule(client, stack.db, { actor: 'test-coordinator', origin: 'test' }),
      ).toEqual({
        created: false,
      });

      // Thursday 13 May 2027, a working day: the digest, and the anchor.
      const cliRun = await stack.cli(['notify', 'run', '--json']);
      expect(cliRun.code, cliRun.stderr).toBe(0);
      const first = JSON.parse(cliRun.stdout) as DailyResult;
      expect(first.digest).toMatchObject({ day: '2027-05-13', outcome: 'sent' });
      expect(first.anchor).toMatch(/^[0-9a-f]{64}$/);
      await stack.mail.waitFor(() => digests().length === 1 && anchors().length === 1, 30_000);
      const digest = digests()[0]!;
      expect(digest.to).toBe(COORDINATOR);
      // 10 May 2027 (for 9 May, a Sunday) is a day off: 11, 12 and 13 May are three working days.
      expect(digest.text).toContain('Велижский район');
      expect(digest.text).toMatch(
        /Велижский район[^\n]*: просрочка 3 рабочих дня \(срок — 7 мая 2027 года\)/,
      );
      expect(digest.text).toMatch(
        /Вяземский район[^\n]*: просрочка 3 рабочих дня[^\n]*последний ответ отклонен/,
      );
      expect(digest.text).toContain('neizvestny@example.ru, «Сведения за квартал» (задержано)');
      expect(digest.text).toContain(
        'velizh@mo.example.ru, «Напоминание о сроке»: 4 попытки, ошибка: 550 5.1.1',
      );
      expect(anchors()[0]!.to).toBe(AUDITOR);
      expect(anchors()[0]!.text).toContain(first.anchor!);

      // The same day again (a retried run, a second «send now»): no second digest, no second anchor.
      const again = await runNow();
      expect(again.digest.outcome).toBe('already-sent');
      await settle();
      expect(digests()).toHaveLength(1);
      expect(anchors()).toHaveLength(1);
      expect(await stack.db.emailOutbox.count({ where: { kind: 'digest' } })).toBe(1);

      // Monday 10 May 2027, a day off by the Government's decree: no digest; the anchor still goes.
      now = new Date('2027-05-10T09:00:00+03:00');
      const dayOff = await runNow();
      expect(dayOff.digest).toEqual({ day: '2027-05-10', outcome: 'day-off' });
      await stack.mail.waitFor(() => anchors().length === 2, 30_000);
      expect(digests()).toHaveLength(1);
      expect(anchors()[1]!.subject).toContain('2027-05-10');
      expect(describeDaily(dayOff)[0]).toContain('нерабочий день по производственному календарю');

      // Switched off: nothing on a working day either; back on with two recipients.
      const off = await stack.cli(['notify', 'set', '--digest', 'off']);
      expect(off.code, off.stderr).toBe(0);
      expect(off.stdout).toContain('Ежедневная сводка (рабочие дни): отключено');
      now = new Date('2027-05-14T09:00:00+03:00');
      expect((await runNow()).digest).toEqual({ day: '2027-05-14', outcome: 'off' });
      const badSwitch = await stack.cli(['notify', 'set', '--digest', 'может быть']);
      expect(badSwitch.code).toBe(2);
      expect(badSwitch.stderr).toContain('--digest: ожидается on или off');
      // An address with a header smuggled into it is refused, and nothing changes.
      const injected = await stack.cli([
        'notify',
        'set',
        '--recipients',
        'a@example.ru\nBcc: spy@evil.example',
      ]);
      expect(injected.code).toBe(2);
      expect(injected.stderr).toContain('не похоже на адрес электронной почты');
      const on = await stack.cli([
        'notify',
        'set',
        '--digest',
        'on',
        '--recipients',
        'head@region.example.ru, deputy@region.example.ru',
      ]);
      expect(on.code, on.stderr).toBe(0);
      expect((await runNow()).digest.outcome).toBe('sent');
      await stack.mail.waitFor(() => digests().length === 2, 30_000);
      expect(digests()[1]!.to).toBe('head@region.example.ru,deputy@region.example.ru');
      expect(digests()[1]!.text).toContain('просрочка 4 рабочих дня');

      const shown = JSON.parse((await stack.cli(['notify', 'show', '--json'])).stdout) as {
        settings: { digest: boolean };
        recipients: string[];
        auditorEmail: string;
        schedule: { paused: boolean } | null;
      };
      expect(shown).toMatchObject({
        settings: { digest: true },
        recipients: ['head@region.example.ru', 'deputy@region.example.ru'],
        auditorEmail: AUDITOR,
        schedule: { paused: false },
      });
      const audit = await stack.db.auditEntry.findMany({
        where: { action: { startsWith: 'notifications.' } },
      });
      expect(audit.map((a) => a.action)).toContain('notifications.set');
      expect(audit.map((a) => a.action)).toContain('notifications.schedule.create');

      // Back to the coordinator for the report notifications below.
      expect((await stack.cli(['notify', 'set', '--recipients', ''])).code).toBe(0);
    },
  );
});

describe('«черновик готов» and «отчет подписан»', () => {
  const draftReady = (q: string) =>
    stack.mail.messages.filter((m) => m.subject === `Готов черновик сводного отчета за ${q}`);
  const signedOff = (q: string) =>
    stack.mail.messages.filter((m) => m.subject === `Сводный отчет за ${q} подписан`);

  async function collectAndSign(quarter: string) {
    const start = await stack.cli(['quarter', 'start', quarter, '--deadline', '2099-07-10']);
    expect(start.code, start.stderr).toBe(0);
    for (const code of ['velizh', 'vyazma'])
      expect((await stack.cli(['submit', quarter, code, '--nil'])).code).toBe(0);
    // The draft is rendered when both answers are in; approval waits for it.
    const until = Date.now() + 180_000;
    while ((await stack.db.report.count({ where: { quarter, kind: 'draft' } })) === 0 && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 250));
    const approve = await stack.cli([
      'report',
      'approve',
      quarter,
      '--signer',
      'А. П. Иванова',
      '--position',
      'начальник отдела',
    ]);
    expect(approve.code, approve.stderr).toBe(0);
  }

  it(
    'go out once per report, to the coordinator, and not when switched off',
    { timeout: 420_000 },
    async () => {
      await collectAndSign('2023-Q2');
      await stack.mail.waitFor(
        () => draftReady('II квартал 2023 года').length >= 1 && signedOff('II квартал 2023 года').length >= 1,
        60_000,
      );
      await settle();
      const draft = draftReady('II квартал 2023 года');
      const signed = signedOff('II квартал 2023 года');
      expect(draft).toHaveLength(1);
      expect(signed).toHaveLength(1);
      expect(draft[0]!.to).toBe(COORDINATOR);
      expect(draft[0]!.text).toContain('Мероприятий в черновике: 0.');
      expect(signed[0]!.text).toContain('подписан (А. П. Иванова, начальник отдела)');
      const report = await stack.db.report.findFirstOrThrow({ where: { quarter: '2023-Q2', kind: 'final' } });
      expect(signed[0]!.text).toContain(report.blobSha256);

      const off = await stack.cli(['notify', 'set', '--draft-ready', 'off', '--signed-off', 'off']);
      expect(off.code, off.stderr).toBe(0);
      await collectAndSign('2023-Q3');
      // The signed report itself still goes to its recipients: only the coordinator's notices are off.
      const final = await stack.db.report.findFirstOrThrow({ where: { quarter: '2023-Q3', kind: 'final' } });
      await stack.mail.waitFor(
        (all) =>
          all.some(
            (m) =>
              m.subject ===
                'Сводный отчет о мероприятиях в международной сфере в III квартале 2023 года подписан' &&
              m.text.includes(final.blobSha256),
          ),
        60_000,
      );
      await settle();
      expect(draftReady('III квартал 2023 года')).toHaveLength(0);
      expect(signedOff('III квартал 2023 года')).toHaveLength(0);
      expect(
        await stack.db.emailOutbox.count({ where: { quarter: '2023-Q3', municipality: 'coordinator' } }),
      ).toBe(0);
    },
  );
});

describe("the portal's notifications page", () => {
  it(
    'shows and switches the notifications; forms need their CSRF token; auditors may not',
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
        const page = await app.inject({ method: 'GET', url: '/notifications', cookies });
        expect(page.statusCode).toBe(200);
        expect(page.body).toContain('Уведомления координатору');
        expect(page.body).toContain('Действует');
        expect(page.body).toContain(AUDITOR);
        // The schedule page says whether the daily run exists and links here.
        const schedulePage = await app.inject({ method: 'GET', url: '/schedule', cookies });
        expect(schedulePage.body).toContain('Ежедневная рассылка');
        expect(schedulePage.body).toContain('href="/notifications"');

        const csrf = hiddenValue(page.body, '_csrf');
        const post = (payload: Record<string, string>) =>
          app.inject({ method: 'POST', url: '/notifications', cookies, payload });
        const before = await readNotificationSettings(stack.db);
        expect((await post({ action: 'save', digest: 'on' })).statusCode).toBe(403);
        expect(await readNotificationSettings(stack.db)).toEqual(before);

        // Ticked: the digest; unticked: the two report notices.
        const saved = await post({
          _csrf: csrf,
          action: 'save',
          digest: 'on',
          recipients: 'otdel@region.example.ru',
        });
        expect(saved.statusCode).toBe(303);
        expect(saved.headers.location).toBe('/notifications?done=saved');
        expect(await readNotificationSettings(stack.db)).toMatchObject({
          digest: true,
          draftReady: false,
          signedOff: false,
          recipients: ['otdel@region.example.ru'],
          updatedBy: 'coord',
        });
        const bad = await post({
          _csrf: csrf,
          action: 'save',
          digest: 'on',
          recipients: 'otdel@region.example.ru, ne-adres',
        });
        expect(bad.statusCode).toBe(400);
        expect(bad.body).toContain('«ne-adres» не похоже на адрес электронной почты');
        expect((await readNotificationSettings(stack.db)).recipients).toEqual(['otdel@region.example.ru']);

        // «Send now» from the portal: the day's digest went out already, and the page says so in its own words.
        const run = await post({ _csrf: csrf, action: 'run' });
        expect(run.statusCode).toBe(303);
        expect(run.headers.location).toMatch(/^\/notifications\?ran=(already-sent|sent|nothing|day-off)$/);
        const forged = await app.inject({
          method: 'GET',
          url: '/notifications?ran=<b>Позвоните по номеру</b>',
          cookies,
        });
        expect(forged.body).not.toContain('Позвоните');

        const auditor = await signInAs(app, stack.db, {
          login: 'aud',
          name: 'Аудитор',
          role: 'auditor',
          password: 'Lipa-Gagarin-4820',
        });
        expect(
          (await app.inject({ method: 'GET', url: '/notifications', cookies: auditor })).statusCode,
        ).toBe(403);
        const auditorSave = await app.inject({
          method: 'POST',
          url: '/notifications',
          cookies: auditor,
          payload: { _csrf: csrf, action: 'save' },
        });
        expect(auditorSave.statusCode).toBe(403);
        expect((await readNotificationSettings(stack.db)).digest).toBe(true);
      } finally {
        await app.close();
      }
    },
  );
});
