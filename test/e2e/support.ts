// What the browser tests share: the real stack (Temporal dev server, SMTP sink, SQLite, worker)
// with the portal in-process against it, a headless Debian Chromium driven by playwright-core,
// screenshots as artifacts, and polling of the quarter's status.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { startPortal } from '../../client/web/server';
import type { PortalConfig, RunningPortal } from '../../client/web/server';
import { quarterWorkflowId, statusQuery } from '../../workflows/api';
import type { QuarterStatus } from '../../workflows/api';
import { freePort, repoRoot, startStack } from '../support/stack';
import type { Stack } from '../support/stack';

export const CHROMIUM = process.env.SVODKA_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const SCREENSHOTS = path.join(repoRoot, 'test-results', 'screenshots');

export type PortalStack = {
  stack: Stack;
  temporal: Client;
  portal: RunningPortal;
  url: string;
  stop(): Promise<void>;
};

export async function startPortalStack(config: Partial<PortalConfig> = {}): Promise<PortalStack> {
  const stack = await startStack({ database: 'sqlite' });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const temporal = new Client({ connection, namespace: 'default' });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const portal = await startPortal({
    port,
    host: '127.0.0.1',
    db: stack.db,
    temporal,
    config: { publicUrl, temporalUiUrl: 'http://127.0.0.1:8233', ...config },
  });
  return {
    stack,
    temporal,
    portal,
    url: portal.url,
    async stop() {
      await portal.close().catch(() => {});
      await connection.close().catch(() => {});
      await stack.stop();
    },
  };
}

export type Browser = { context: BrowserContext; newPage(): Promise<Page>; close(): Promise<void> };

/** A headless Chromium with a fresh profile; every page fails a test on a console error. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'svodka-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    locale: 'ru-RU',
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      // Generous: an upload runs a Temporal Update, and CI runs other test files beside this one.
      page.setDefaultTimeout(120_000);
      page.setDefaultNavigationTimeout(120_000);
      return page;
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function pollStatus(
  temporal: Client,
  quarter: string,
  predicate: (s: QuarterStatus) => boolean,
  timeoutMs = 60_000,
): Promise<QuarterStatus> {
  const until = Date.now() + timeoutMs;
  let last: QuarterStatus | null = null;
  while (Date.now() < until) {
    try {
      last = await temporal.workflow.getHandle(quarterWorkflowId(quarter)).query(statusQuery);
      if (predicate(last)) return last;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `status of ${quarter} not reached; last: ${JSON.stringify(last?.municipalities.map((m) => `${m.code}:${m.state}`))}`,
  );
}

/** Signs in on the portal's form. */
export async function signIn(page: Page, baseUrl: string, login: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(/\/quarters/), page.click('button[type=submit]:has-text("Войти")')]);
}

/** The text of an element with whitespace collapsed (markup line breaks do not matter). */
export async function text(page: Page, selector = 'body'): Promise<string> {
  return ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ').trim();
}
