// The quarter page of a region of 1,000 municipalities in a real Chromium against the real stack:
// the quarter runs as a tree (groups of 100) on the dev server, and the coordinator finds her way
// with counts, search, the state filter and pages, opens a municipality's page, and downloads the
// status table with every row. Screenshots go to test-results/screenshots/.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createUser } from '../../client/web/auth';
import { startQuarter } from '../../application/start-quarter';
import { useCaseContext } from '../../application/context';
import { execute } from '../../application/use-case';
import { generateRegistry } from '../../domain/registry/smolensk';
import { submissionWorkflowId, submitUpdate } from '../../workflows/api';
import { launchBrowser, pollStatus, screenshot, signIn, startPortalStack, text } from './support';
import type { Browser, PortalStack } from './support';

const Q = '2024-Q1';
const COUNT = 1_000;
const ANSWERED = 20;
let env: PortalStack;
let browser: Browser;

beforeAll(async () => {
  env = await startPortalStack();
  await env.stack.db.municipality.deleteMany();
  await env.stack.db.municipality.createMany({ data: generateRegistry(COUNT) });
  await createUser(env.stack.db, {
    login: 'coordinator',
    name: 'Ирина Петровна Смирнова',
    role: 'coordinator',
    password: 'Sinyaya-Reka-88',
  });
  browser = await launchBrowser();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await env?.stop();
});

it(
  'finds, filters and pages 1,000 municipalities of a tree quarter, and opens any one',
  { timeout: 900_000 },
  async () => {
    const t0 = Date.now();
    const started = await execute(
      startQuarter,
      useCaseContext({
        db: env.stack.db,
        temporal: env.temporal,
        actor: { name: 'test', channel: 'cli', origin: 'test' },
      }),
      { quarter: Q, deadline: '2099-04-10', groupSize: 100 },
    );
    expect(started).toMatchObject({ started: true, municipalities: COUNT });
    const status = await pollStatus(env.temporal, Q, (s) => s.groups === 10, 120_000);
    expect(status.municipalities).toEqual([]);
    // Every municipality's execution exists (visibility lists it) before anyone answers.
    for (const until = Date.now() + 600_000; Date.now() < until;) {
      const { count } = await env.temporal.workflow.count(`Quarter = '${Q}'`);
      if (count >= COUNT + 1) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const startedMs = Date.now() - t0;

    const registry = generateRegistry(COUNT);
    await Promise.all(
      registry
        .slice(0, ANSWERED)
        .map((m) =>
          env.temporal.workflow
            .getHandle(submissionWorkflowId(Q, m.code))
            .executeUpdate(submitUpdate, { args: [{ kind: 'nil', channel: 'form', actor: m.code }] }),
        ),
    );
    // Visibility catches up with the answers within a moment.
    for (const until = Date.now() + 60_000; Date.now() < until;) {
      const { count } = await env.temporal.workflow.count(
        `Quarter = '${Q}' AND SubmissionStatus = 'accepted'`,
      );
      if (count >= ANSWERED) break;
      await new Promise((r) => setTimeout(r, 500));
    }

    const page = await browser.newPage();
    await signIn(page, env.url, 'coordinator', 'Sinyaya-Reka-88');
    // The coordinator excuses one deep in the tree from its page, as she would.
    await page.goto(`${env.url}/quarters/${Q}/m/m00500`);
    await page.fill('#reason', 'Упразднено законом области');
    await Promise.all([page.waitForURL(/done=excuse/), page.click('button:has-text("Освободить")')]);
    for (const until = Date.now() + 60_000; Date.now() < until;) {
      const { count } = await env.temporal.workflow.count(
        `Quarter = '${Q}' AND SubmissionStatus = 'excused'`,
      );
      if (count >= 1) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    let t = Date.now();
    await page.goto(`${env.url}/quarters/${Q}`);
    const firstView = Date.now() - t;
    let body = await text(page);
    expect(body).toContain(`Готово ${ANSWERED + 1} из ${COUNT}`);
    expect(body).not.toContain('0 из 0');
    expect(body).toContain(`принято — ${ANSWERED}`);
    expect(body).toContain('освобождено — 1');
    expect(body).toContain(`запрошено — ${COUNT - ANSWERED - 1}`);
    expect(body).toContain(`Показаны 1–50 из ${COUNT}`);
    expect(await page.locator('table.status tbody tr').count()).toBe(50);
    await screenshot(page, 'dashboard-1000');

    // Search by name: one municipality.
    await page.fill('#q', '№ 777');
    t = Date.now();
    await Promise.all([page.waitForURL(/q=/), page.click('form.filters button[type=submit]')]);
    const searchMs = Date.now() - t;
    expect(await page.locator('table.status tbody tr').count()).toBe(1);
    expect(await text(page, 'table.status tbody')).toContain('Муниципальное образование № 777');

    // Filter by state: the accepted ones only, from the select.
    await page.fill('#q', '');
    await page.selectOption('#state', 'accepted');
    await Promise.all([page.waitForURL(/state=accepted/), page.click('form.filters button[type=submit]')]);
    const rows = page.locator('table.status tbody tr');
    expect(await rows.count()).toBe(ANSWERED);
    expect(await text(page, 'table.status tbody')).not.toContain('запрошено');
    expect(await text(page, 'table.status tbody')).toContain('в срок');
    // …and by the count link of another state.
    await Promise.all([
      page.waitForURL(/state=excused/),
      page.click('p.counts a:has-text("освобождено — 1")'),
    ]);
    expect(await text(page, 'table.status tbody')).toContain('Упразднено законом области');

    // Pages: the second, then the last, through the page links.
    await page.goto(`${env.url}/quarters/${Q}`);
    await Promise.all([page.waitForURL(/page=2/), page.click('nav.pager a:has-text("Вперед")')]);
    expect(await page.locator('table.status tbody tr td.num').first().textContent()).toBe('51');
    t = Date.now();
    await Promise.all([page.waitForURL(/page=20/), page.click('nav.pager a:text-is("20")')]);
    const pageMs = Date.now() - t;
    body = await text(page);
    expect(body).toContain(`Показаны 951–1000 из ${COUNT}`);
    await screenshot(page, 'dashboard-1000-last-page');

    // A municipality's page, for one deep in the tree (its own workflow answers).
    await Promise.all([
      page.waitForURL(/\/m\/m00999$/),
      page.click('table.status a:text-is("Муниципальное образование № 999")'),
    ]);
    body = await text(page);
    expect(body).toContain('Муниципальное образование № 999');
    expect(body).toContain('запрошено');
    await page.goto(`${env.url}/quarters/${Q}/m/m00003`);
    expect(await text(page)).toContain('принято');

    // The status table downloads whole: a header and 1,000 rows.
    await page.goto(`${env.url}/quarters/${Q}`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a[href$="status.csv"]'),
    ]);
    const csv = await (await import('node:fs/promises')).readFile((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(COUNT + 1);
    expect(lines[3]).toContain('m00003;Муниципальное образование № 3;принято');
    expect(lines[3]).toContain('в срок');

    console.log(
      `[dashboard e2e] ${COUNT} municipalities: started in ${startedMs} ms; first view ${firstView} ms, search ${searchMs} ms, page ${pageMs} ms`,
    );
  },
);
