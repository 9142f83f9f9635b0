// The review screens in a real Chromium against the real stack (Temporal dev server, SMTP sink,
// SQLite, worker): the coordinator compares two versions of Вязьма's answer (changed cells marked),
// reads the duplicate check on the draft («Дружба без границ», Смоленск and Дорогобуж), ticks those
// two rows and requests changes — exactly those two are reopened and emailed the comment — and then
// assigns a held email reply to Смоленск from the mail queue and discards a stray one.
import { deliverAnswer } from '../../application/deliver-answer';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../../client/web/auth';
import { DEFAULT_POLICY } from '../../domain/schedule';
import type { EventRow } from '../../domain/types';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { quarterWorkflowId, TASK_QUEUE } from '../../workflows/api';
import type { QuarterInput, SubmissionPayload } from '../../workflows/api';
import { wordSubmission } from '../fixtures/docx-builders';
import { loadReference } from '../fixtures/reference';
import { launchBrowser, pollStatus, screenshot, signIn, startPortalStack, text } from './support';
import type { Browser, PortalStack } from './support';

const Q = '2023-Q2';
const CODES = ['smolensk', 'vyazma', 'dorogobuzh', 'velizh'];
const PASSWORD = 'Zvezda-Dnepr-7311';
const COMMENT = 'Концерт «Дружба без границ» указан дважды: уточните, кто его проводил.';
const reference = loadReference();
const rowsOf = (code: string): EventRow[] =>
  reference.sections.find((s) => s.code === code)?.rows.map((r) => r.row) ?? [];
let env: PortalStack;
let browser: Browser;

/** As the surfaces deliver an answer: a correction after acceptance goes to a new run. */
const submit = (code: string, payload: SubmissionPayload) =>
  deliverAnswer(
    { client: env.temporal, db: env.stack.db },
    { quarter: Q, municipality: code, requestId: randomUUID() },
    payload,
  );

beforeAll(async () => {
  env = await startPortalStack();
  browser = await launchBrowser();
  await createUser(env.stack.db, {
    login: 'coordinator',
    name: 'Ирина Смирнова',
    role: 'coordinator',
    password: PASSWORD,
  });
  const input: QuarterInput = {
    quarter: Q,
    deadline: '2099-07-10',
    policy: DEFAULT_POLICY,
    timeScale: 1,
    startedAt: new Date().toISOString(),
    municipalities: CODES,
  };
  await env.temporal.workflow.start('quarterlyReport', {
    taskQueue: TASK_QUEUE,
    workflowId: quarterWorkflowId(Q),
    args: [input],
  });
  // Each municipality's workflow is there once its request has gone out.
  await env.stack.mail.waitFor(
    (all) => all.filter((m) => m.subject.startsWith('Запрос')).length === CODES.length,
    60_000,
  );
  for (const code of ['smolensk', 'dorogobuzh'])
    await submit(code, { kind: 'rows', rows: rowsOf(code), channel: 'form', actor: 'test' });
  await submit('velizh', { kind: 'nil', channel: 'form', actor: 'test' });
  // Вязьма answers, then corrects a date, drops a row and adds one.
  const vyazma = rowsOf('vyazma');
  await submit('vyazma', { kind: 'rows', rows: vyazma, channel: 'form', actor: 'test' });
  await submit('vyazma', {
    kind: 'rows',
    rows: [
      { ...vyazma[0]!, dates: '30 апреля 2023 года' },
      ...vyazma.slice(2),
      { ...vyazma[0]!, title: 'Круглый стол «Побратимы»', dates: '12 мая 2023 года' },
    ],
    channel: 'form',
    actor: 'test',
  });
  await pollStatus(
    env.temporal,
    Q,
    (s) => s.phase === 'awaiting_approval' && s.draftReportId !== null,
    120_000,
  );
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

it(
  'compares versions, shows the duplicate, requests changes on two rows, and clears the mail queue',
  { timeout: 300_000 },
  async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await signIn(page, env.url, 'coordinator', PASSWORD);

    // --- two versions of Вязьма's answer ---
    await page.goto(`${env.url}/quarters/${Q}/m/vyazma`);
    await Promise.all([page.waitForURL(/\/diff$/), page.click('a:has-text("Сравнить версии")')]);
    expect(await text(page)).toContain('добавлено: 1; удалено: 1; изменено: 1');
    const changed = page.locator('table.diff td.changed');
    expect(await changed.count()).toBe(2);
    expect(await changed.nth(1).innerText()).toContain('30 апреля 2023 года');
    // Marked so a person sees it: a background of its own, unlike an unchanged cell's.
    const background = (selector: string) =>
      page
        .locator(selector)
        .first()
        .evaluate(
          (el) =>
            (
              globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
            ).getComputedStyle(el).backgroundColor,
        );
    expect(await background('table.diff tr.after td.changed')).not.toBe(
      await background('table.diff tr.after td:not(.changed):not(.marker)'),
    );
    expect(await page.locator('table.diff tr.added').innerText()).toContain('Круглый стол «Побратимы»');
    expect(await page.locator('table.diff tr.removed').count()).toBe(1);
    await screenshot(page, 'review-diff');
    // Any two versions: the same one twice is no change at all.
    await page.selectOption('#from', '2');
    await Promise.all([page.waitForURL(/from=2&to=2/), page.click('button:has-text("Сравнить")')]);
    expect(await text(page)).toContain('Версии совпадают');

    // --- the draft: duplicates and «Запросить исправления» ---
    await page.goto(`${env.url}/quarters/${Q}/report`);
    const duplicates = await text(page, '#duplicates');
    expect(duplicates).toContain('Дружба без границ');
    expect(duplicates).toContain('город Смоленск (строка 9)');
    expect(duplicates).toMatch(/Дорогобужский район \(строка \d+\)/);
    const dorogobuzhRow = /Дорогобужский район \(строка (\d+)\)/.exec(duplicates)![1]!;
    await page.check('input[name="row"][value="smolensk:9"]');
    await page.check(`input[name="row"][value="dorogobuzh:${dorogobuzhRow}"]`);
    await page.fill('#request-changes-comment', COMMENT);
    await screenshot(page, 'review-draft');
    const mailsBefore = env.stack.mail.messages.length;
    await Promise.all([
      page.waitForURL(/done=changes-requested/),
      page.click('button:has-text("Запросить исправления")'),
    ]);
    expect(await text(page)).toContain('Исправления запрошены');
    const status = await pollStatus(
      env.temporal,
      Q,
      (s) => s.municipalities.filter((m) => m.state === 'reopened').length === 2,
    );
    expect(Object.fromEntries(status.municipalities.map((m) => [m.code, m.state]))).toEqual({
      smolensk: 'reopened',
      vyazma: 'accepted',
      dorogobuzh: 'reopened',
      velizh: 'accepted',
    });
    await env.stack.mail.waitFor(
      (all) => all.slice(mailsBefore).filter((m) => m.subject.startsWith('Сведения возвращены')).length === 2,
    );
    const reopened = env.stack.mail.messages
      .slice(mailsBefore)
      .filter((m) => m.subject.startsWith('Сведения возвращены'));
    expect(reopened.map((m) => m.headers.get('x-svodka-municipality')).sort()).toEqual([
      'dorogobuzh',
      'smolensk',
    ]);
    for (const m of reopened) expect(m.text.replace(/\s+/g, ' ')).toContain(COMMENT);

    // --- the mail queue: Смоленск's corrected file came from an address not in the registry ---
    const files = createDbBlobStore(env.stack.db);
    const corrected = rowsOf('smolensk').filter((_, i) => i !== 8);
    const heldId = randomUUID();
    const strayId = randomUUID();
    await env.stack.db.inboundMail.create({
      data: {
        id: heldId,
        messageId: `<${heldId}@mail.test>`,
        fromAddress: 'ivanova.private@mail.test',
        subject: 'Re: Сведения возвращены на доработку',
        status: 'held',
        quarter: Q,
        municipality: 'smolensk',
        detail: 'город Смоленск, 2023-Q2: письмо задержано для координатора — адрес не из реестра.',
        attachmentSha256: await files.put(await wordSubmission({ rows: corrected })),
        attachmentName: 'смоленск-исправлено.docx',
      },
    });
    await env.stack.db.inboundMail.create({
      data: {
        id: strayId,
        messageId: `<${strayId}@mail.test>`,
        fromAddress: 'promo@shop.test',
        subject: 'Скидки недели',
        status: 'unmatched',
        detail: 'Не удалось определить муниципальное образование: в адресе получателя нет ключа доступа.',
      },
    });
    await page.goto(`${env.url}/quarters`);
    await Promise.all([page.waitForURL(/\/mail$/), page.click('nav a:has-text("Входящая почта")')]);
    expect(await text(page)).toContain('2 письма ждут решения');
    expect(await text(page, `tr[data-mail="${heldId}"]`)).toContain('ivanova.private@mail.test');
    expect(await text(page, `tr[data-mail="${heldId}"]`)).toContain('адрес не из реестра');
    await screenshot(page, 'review-mail-queue');
    await page.selectOption(`#assign-${heldId}-m`, 'smolensk');
    await Promise.all([
      page.waitForURL(/done=assigned/),
      page.click(`tr[data-mail="${heldId}"] button:has-text("Назначить муниципальному образованию")`),
    ]);
    expect(await text(page)).toMatch(/город Смоленск, 2023-Q2 — принято, версия 2, мероприятий: \d+/);
    await Promise.all([
      page.waitForURL(/done=discarded/),
      page.click(`tr[data-mail="${strayId}"] button:has-text("Отклонить")`),
    ]);
    expect(await text(page)).toContain('Писем на разбор нет.');
    const smolensk = await pollStatus(
      env.temporal,
      Q,
      (s) => s.municipalities.find((m) => m.code === 'smolensk')?.state === 'accepted',
    );
    expect(smolensk.municipalities.find((m) => m.code === 'smolensk')).toMatchObject({
      versions: 2,
      rowCount: corrected.length,
    });
    expect(
      (
        await env.stack.db.submission.findFirstOrThrow({
          where: { quarter: Q, municipality: 'smolensk', version: 2 },
        })
      ).channel,
    ).toBe('email');
    expect(consoleErrors).toEqual([]);
  },
);
