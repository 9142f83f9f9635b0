// The portal in a real browser against the real stack: Q2 2023 for all 27 municipalities of
// Smolensk oblast through their pages (a Word file, the form, a rejected file corrected, and nil
// reports), then the coordinator signs off and downloads the final report, and the auditor reads
// the timeline and verifies the file. Screenshots go to test-results/screenshots/.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readReportDocx } from '../../infrastructure/docx/read';
import { issueToken } from '../../infrastructure/tokens';
import { createUser } from '../../client/web/auth';
import { useCaseContext } from '../../application/context';
import { startQuarter } from '../../application/start-quarter';
import { execute } from '../../application/use-case';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import { COLUMN_KEYS } from '../../domain/types';
import type { EventRow } from '../../domain/types';
import { wordSubmission } from '../fixtures/docx-builders';
import { loadReference } from '../fixtures/reference';
import { launchBrowser, pollStatus, screenshot, signIn, startPortalStack, text } from './support';
import type { Browser, PortalStack } from './support';

const Q = '2023-Q2';
let env: PortalStack;
let browser: Browser;
const timings: Record<string, number> = {};
const mark = (name: string, since: number) => (timings[name] = Date.now() - since);

beforeAll(async () => {
  const t0 = Date.now();
  // Every page of this test comes from 127.0.0.1: lift the per-IP limit of the token pages.
  env = await startPortalStack({
    rateLimits: { token: { limit: 5_000, windowMs: 60_000 }, upload: { limit: 5_000, windowMs: 60_000 } },
  });
  mark('stack', t0);
  const t1 = Date.now();
  browser = await launchBrowser();
  mark('browser', t1);
  await createUser(env.stack.db, {
    login: 'coordinator',
    name: 'Ирина Петровна Смирнова',
    role: 'coordinator',
    password: 'Sinyaya-Reka-88',
  });
  await createUser(env.stack.db, {
    login: 'auditor',
    name: 'Олег Васильевич Кузнецов',
    role: 'auditor',
    password: 'Tikhaya-Gavan-31',
  });
});

afterAll(async () => {
  await browser?.close();
  await env?.stop();
  console.log('[portal e2e] timings, ms:', JSON.stringify(timings));
});

async function fillRow(page: Page, index: number, row: EventRow): Promise<void> {
  for (const key of COLUMN_KEYS) await page.fill(`#r${index}_${key}`, row[key]);
}

async function uploadFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  await page.setInputFiles('#file', {
    name,
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    buffer: Buffer.from(bytes),
  });
  await Promise.all([page.waitForURL(/\/versions\/\d+$/), page.click('button:has-text("Отправить файл")')]);
}

it('runs Q2 2023 through the portal: answers, sign-off, final report, audit', async () => {
  const reference = loadReference();
  const section = (code: string) => reference.sections.find((s) => s.code === code)!.rows.map((r) => r.row);

  // The coordinator launches the quarter (the portal's shared start logic) and links are issued.
  let t0 = Date.now();
  const started = await execute(
    startQuarter,
    useCaseContext({
      db: env.stack.db,
      temporal: env.temporal,
      actor: { name: 'test', channel: 'cli', origin: 'test' },
    }),
    { quarter: Q, deadline: '2099-07-10' },
  );
  expect(started).toMatchObject({ started: true, municipalities: 27 });
  await pollStatus(env.temporal, Q, (s) => s.municipalities.length === 27);
  const tokens = new Map<string, string>();
  for (const m of SMOLENSK_MUNICIPALITIES)
    tokens.set(m.code, await issueToken(env.stack.db, { quarter: Q, municipality: m.code }));
  const link = (code: string) => `${env.url}/m/${tokens.get(code)}`;
  mark('start', t0);

  // The coordinator signs in and sees the empty table.
  const coordinator = await browser.newPage();
  await signIn(coordinator, env.url, 'coordinator', 'Sinyaya-Reka-88');
  await expect.poll(() => text(coordinator)).toContain('II квартал 2023 года');
  await screenshot(coordinator, '00-quarters');
  await coordinator.goto(`${env.url}/quarters/${Q}`);
  await expect.poll(() => coordinator.textContent('body')).toContain('Готово 0 из 27');
  await screenshot(coordinator, '01-coordinator-status-empty');

  // Вязьма uploads its Word file: accepted.
  t0 = Date.now();
  const clerk = await browser.newPage();
  await clerk.goto(link('vyazma'));
  expect(await text(clerk, 'h1')).toBe('Вяземский район');
  await screenshot(clerk, '02-municipality-page');
  await uploadFile(clerk, 'вязьма.docx', await wordSubmission({ rows: section('vyazma') }));
  expect(await text(clerk, 'h1')).toContain('сведения приняты');
  expect(await text(clerk, 'body')).toContain('Сведения приняты: 4 мероприятия');
  await screenshot(clerk, '03-upload-accepted');
  mark('upload', t0);

  // Краснинский район types its two events into the form: accepted.
  t0 = Date.now();
  const krasny = section('krasny');
  expect(krasny).toHaveLength(2);
  await clerk.goto(link('krasny'));
  await clerk.click('text=Открыть форму');
  await fillRow(clerk, 0, krasny[0]!);
  await Promise.all([
    clerk.waitForURL(/\/form(#.*)?$/),
    clerk.click('button:has-text("Добавить мероприятие")'),
  ]);
  expect(await clerk.inputValue('#r0_title')).toBe(krasny[0]!.title);
  await fillRow(clerk, 1, krasny[1]!);
  await screenshot(clerk, '04-form-two-rows');
  await Promise.all([
    clerk.waitForURL(/\/versions\/1$/),
    clerk.click('button:has-text("Отправить сведения")'),
  ]);
  expect(await text(clerk, 'body')).toContain('Сведения приняты: 2 мероприятия');
  mark('form', t0);

  // Десногорск sends a file with a row missing its dates: rejected, with row and column named;
  // then the corrected file: accepted.
  t0 = Date.now();
  const desnogorsk = section('desnogorsk');
  const broken = desnogorsk.map((row, i) => (i === 1 ? { ...row, dates: '' } : row));
  await clerk.goto(link('desnogorsk'));
  await uploadFile(clerk, 'десногорск.docx', await wordSubmission({ rows: broken }));
  const rejection = await text(clerk, 'body');
  expect(rejection).toContain('Сведения не приняты');
  expect(rejection).toContain('Строка 2, столбец «Сроки проведения мероприятия»');
  await screenshot(clerk, '05-upload-rejected');
  await clerk.click('text=К странице муниципального образования');
  expect(await text(clerk, 'body')).toContain('Последняя версия сведений не принята');
  await uploadFile(clerk, 'десногорск-исправлено.docx', await wordSubmission({ rows: desnogorsk }));
  expect(await text(clerk, 'h1')).toBe('Версия 2: сведения приняты');
  mark('reject-and-fix', t0);

  // Everyone else: «мероприятия не проводились», four clerks at a time.
  t0 = Date.now();
  const rest = SMOLENSK_MUNICIPALITIES.map((m) => m.code).filter(
    (c) => !['vyazma', 'krasny', 'desnogorsk'].includes(c),
  );
  expect(rest).toHaveLength(24);
  const clerks = [clerk, await browser.newPage(), await browser.newPage(), await browser.newPage()];
  for (let i = 0; i < rest.length; i += clerks.length) {
    await Promise.all(
      rest.slice(i, i + clerks.length).map(async (code, j) => {
        const page = clerks[j]!;
        await page.goto(link(code));
        await page.check('input[name=confirm]');
        await Promise.all([
          page.waitForURL(/\/versions\/1$/),
          page.click('button:has-text("мероприятия не проводились")'),
        ]);
        expect(await text(page, 'body')).toContain('Принято: мероприятия не проводились');
      }),
    );
  }
  await screenshot(clerks[0]!, '06-nil-accepted');
  mark('nil x24', t0);

  // The coordinator's table fills: 27 accepted; the draft is ready.
  t0 = Date.now();
  await pollStatus(env.temporal, Q, (s) => s.phase === 'awaiting_approval');
  await coordinator.goto(`${env.url}/quarters/${Q}`);
  const table = await text(coordinator, 'body');
  expect(table).toContain('Готово 27 из 27');
  // Each count is a filter link of the dashboard.
  expect(table).toMatch(/принято — 27/i);
  // The state column's badges (the timeliness column has badges of its own).
  expect(await coordinator.locator('tbody .st-accepted:not(.timeliness)').count()).toBe(27);
  expect(await coordinator.getAttribute('progress', 'value')).toBe('27');
  await screenshot(coordinator, '07-coordinator-status-full');

  // The draft previewed as a table; approved with name and position.
  await coordinator.click('text=Просмотреть проект и подписать');
  expect(await text(coordinator, 'h2#sign')).toBe('Подписание');
  expect(await coordinator.locator('table.report tbody tr').count()).toBe(3 + 4 + 2 + 3); // sections + events
  expect(await text(coordinator, 'table.report')).toContain('Вяземский район');
  await screenshot(coordinator, '08-draft-preview');
  await coordinator.fill('#signer', 'И. И. Иванов');
  await coordinator.fill('#position', 'Начальник департамента');
  await coordinator.fill('#reauth', 'Sinyaya-Reka-88');
  await Promise.all([
    coordinator.waitForURL(/done=approved/),
    coordinator.click('button:has-text("Подписать отчет")'),
  ]);
  expect(await text(coordinator, 'body')).toContain('Отчет подписан');
  await screenshot(coordinator, '09-approved');
  mark('approve', t0);

  // The final report downloads, and its SHA-256 is the one the workflow reports.
  const final = await pollStatus(env.temporal, Q, (s) => s.finalSha256 !== null);
  const [download] = await Promise.all([
    coordinator.waitForEvent('download'),
    coordinator.click('text=Скачать итоговый отчет'),
  ]);
  const file = readFileSync((await download.path())!);
  expect(file.subarray(0, 2).toString()).toBe('PK');
  expect(createHash('sha256').update(file).digest('hex')).toBe(final.finalSha256);
  const report = readReportDocx(file);
  expect(report.sections.map((s) => s.rows.length)).toEqual([4, 3, 2]);
  expect(report.trailing.join('\n')).toContain('И. И. Иванов');

  // The municipality's link is now useless: «закрыт», no forms.
  await clerk.goto(link('velizh'));
  expect(await text(clerk, 'body')).toContain('Сбор сведений за II квартал 2023 года закрыт');
  expect(await clerk.locator('form').count()).toBe(0);
  await screenshot(clerk, '10-municipality-closed');

  // The auditor reads the timeline and verifies the file; coordinator actions are refused.
  t0 = Date.now();
  const auditorBrowser = await launchBrowser();
  const auditor = await auditorBrowser.newPage();
  try {
    await signIn(auditor, env.url, 'auditor', 'Tikhaya-Gavan-31');
    await auditor.goto(`${env.url}/quarters/${Q}/audit`);
    const timeline = await text(auditor, 'body');
    expect(timeline).toContain('сбор сведений запущен');
    expect(timeline).toContain('версия 1 отклонена');
    expect(timeline).toContain('подписание: И. И. Иванов, Начальник департамента');
    expect(timeline).toContain('журнал: подписание отчета');
    expect(timeline).toContain('Журнал аудита цел');
    expect(
      await auditor.getAttribute('a[href*="namespaces/default/workflows/quarter%2F2023-Q2"]', 'href'),
    ).toBe('http://127.0.0.1:8233/namespaces/default/workflows/quarter%2F2023-Q2');
    await screenshot(auditor, '11-auditor-timeline-quarter');
    await auditor.selectOption('#m', 'desnogorsk');
    await Promise.all([auditor.waitForURL(/m=desnogorsk/), auditor.click('button:has-text("Показать")')]);
    const one = await text(auditor, 'tbody');
    expect(one).toContain('версия 1 отклонена');
    expect(one).toContain('версия 2 принята');
    expect(one).not.toContain('Вяземский');
    await screenshot(auditor, '12-auditor-timeline-municipality');

    await auditor.goto(`${env.url}/quarters/${Q}/final`);
    expect(await text(auditor, '.sha')).toBe(final.finalSha256);
    await auditor.setInputFiles('#file', {
      name: 'итог.docx',
      mimeType: 'application/octet-stream',
      buffer: file,
    });
    await auditor.click('button:has-text("Проверить")');
    expect(await text(auditor, 'body')).toContain('Совпадает');
    await screenshot(auditor, '13-auditor-verify');
    await auditor.setInputFiles('#file', {
      name: 'измененный.docx',
      mimeType: 'application/octet-stream',
      buffer: Buffer.concat([file, Buffer.from([0])]),
    });
    await auditor.click('button:has-text("Проверить")');
    expect(await text(auditor, 'body')).toContain('НЕ совпадает');

    await auditor.goto(`${env.url}/quarters/${Q}`);
    expect(await auditor.locator('form[action$="/close"]').count()).toBe(0);
    const refused = await auditor.request.post(`${env.url}/quarters/${Q}/m/vyazma/remind`, {
      form: { _csrf: 'x' },
      maxRedirects: 0,
    });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('Доступ запрещен');
  } finally {
    await auditorBrowser.close();
  }
  mark('audit', t0);
}, 400_000);
