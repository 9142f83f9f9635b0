// A record that outlives Temporal: a quarter is closed and signed off on a real dev server, then its
// workflows are deleted from Temporal, as retention would. The timeline (CLI and auditor's page),
// the quarter page, the report download, `report verify` and the refusal of a second start still
// work, from the database alone.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../domain/schedule';
import { buildPortal } from '../../client/web/server';
import { RETENTION_DAYS } from '../../worker/dev-server';
import {
  quarterWorkflowId,
  statusQuery,
  submissionWorkflowId,
  submitUpdate,
  TASK_QUEUE,
} from '../../workflows/api';
import type { QuarterInput, QuarterStatus } from '../../workflows/api';
import { hiddenValue } from '../e2e/fakes';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';
import type { TimelineEntry } from '../../client/audit-timeline';

const QUARTER = '2023-Q3';
const CODES = ['velizh', 'vyazma', 'gagarin'];
const IDS = [quarterWorkflowId(QUARTER), ...CODES.map((code) => submissionWorkflowId(QUARTER, code))];
const VYAZMA = submissionWorkflowId(QUARTER, 'vyazma');

let stack: Stack;
let client: Client;
let portal: FastifyInstance;

async function status(): Promise<QuarterStatus> {
  return client.workflow.getHandle(quarterWorkflowId(QUARTER)).query(statusQuery);
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error(`not reached: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const gone = async (id: string) =>
  client.workflow
    .getHandle(id)
    .describe()
    .then(() => false)
    .catch((err: unknown) => err instanceof WorkflowNotFoundError);

// The portal believes X-Remote-* only from a trusted proxy that knows the shared secret.
const PROXY_SECRET = 'record-test-proxy-secret-of-32-bytes';
const fromProxy = { 'x-svodka-proxy-secret': PROXY_SECRET };
const asAuditor = { 'x-remote-user': 'auditor', 'x-remote-role': 'auditor', ...fromProxy };

describe('the record of a signed-off quarter', () => {
  beforeAll(async () => {
    stack = await startStack({ database: 'sqlite' });
    client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
    portal = await buildPortal({
      db: stack.db,
      temporal: client,
      config: {
        publicUrl: 'http://portal.test',
        temporalUiUrl: null,
        trustProxyAuth: true,
        trustedProxies: ['127.0.0.1'],
        proxySecret: PROXY_SECRET,
      },
    });
  });
  afterAll(async () => {
    await portal?.close();
    await client?.connection.close();
    await stack?.stop();
  });

  it('the embedded dev server keeps histories longer than a quarter', async () => {
    const { config } = await client.workflowService.describeNamespace({ namespace: 'default' });
    expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(RETENTION_DAYS * 24 * 3600);
  });

  it(
    'is archived at close and at sign-off, and serves every reader once Temporal forgets',
    { timeout: 180_000 },
    async () => {
      const input: QuarterInput = {
        quarter: QUARTER,
        deadline: '2099-10-10',
        policy: DEFAULT_POLICY,
        timeScale: 1,
        startedAt: new Date().toISOString(),
        municipalities: CODES,
      };
      await client.workflow.start('quarterlyReport', {
        taskQueue: TASK_QUEUE,
        workflowId: quarterWorkflowId(QUARTER),
        args: [input],
      });
      await stack.mail.waitFor((all) => all.length >= CODES.length);

      // vyazma answers by the CLI, velizh through the workflow's Update; gagarin never answers.
      expect((await stack.cli(['submit', QUARTER, 'vyazma', '--nil'])).code).toBe(0);
      // vyazma's run ended with its accepted answer; its correction runs in a second one.
      expect((await stack.cli(['submit', QUARTER, 'vyazma', '--nil'])).code).toBe(0);
      await client.workflow
        .getHandle(submissionWorkflowId(QUARTER, 'velizh'))
        .executeUpdate(submitUpdate, { args: [{ kind: 'nil', channel: 'cli', actor: 'test' }] });
      expect((await stack.cli(['quarter', 'close', QUARTER])).code).toBe(0);
      await waitFor('awaiting approval', async () =>
        (await status()).phase === 'awaiting_approval' ? true : null,
      );

      // At close: a snapshot of every history, none of it final yet.
      const snapshot = await waitFor('the snapshot at close', async () => {
        const rows = await stack.db.workflowHistoryArchive.findMany({ where: { quarter: QUARTER } });
        // Every run: vyazma's two and one of each other execution.
        return rows.length === IDS.length + 1 ? rows : null;
      });
      expect(snapshot.map((r) => r.workflowId).sort()).toEqual([...IDS, VYAZMA].sort());
      expect(snapshot.every((r) => !r.final)).toBe(true);

      const out = path.join(stack.dir, 'итог.docx');
      const approve = await stack.cli([
        'report',
        'approve',
        QUARTER,
        '--signer',
        'И. И. Иванов',
        '--position',
        'Начальник департамента',
        '--out',
        out,
      ]);
      expect(approve.code, approve.stderr).toBe(0);
      const signed = (await client.workflow.getHandle(quarterWorkflowId(QUARTER)).result()) as QuarterStatus;
      expect(signed.phase).toBe('approved');

      // At sign-off: the final copies, one per execution, the quarter's with its status.
      const archived = await stack.db.workflowHistoryArchive.findMany({
        where: { quarter: QUARTER, final: true },
      });
      expect(archived.map((r) => r.workflowId).sort()).toEqual([...IDS, VYAZMA].sort());
      const quarterRow = archived.find((r) => r.kind === 'quarter')!;
      expect((JSON.parse(quarterRow.result!) as QuarterStatus).finalSha256).toBe(signed.finalSha256);
      expect(archived.filter((r) => r.kind === 'municipality').every((r) => r.status === 'COMPLETED')).toBe(
        true,
      );

      // Temporal forgets the quarter, as retention would.
      for (const { workflowId, runId } of archived)
        await client.workflowService.deleteWorkflowExecution({
          namespace: 'default',
          workflowExecution: { workflowId, runId },
        });
      await waitFor('deletion', async () =>
        (await Promise.all(IDS.map(gone))).every(Boolean) ? true : null,
      );

      // The timeline still has the histories: the approval, the close, every answer and its verdict.
      const audit = await stack.cli(['audit', QUARTER, '--json']);
      expect(audit.code, audit.stderr).toBe(0);
      const timeline = JSON.parse(audit.stdout) as TimelineEntry[];
      const fromHistory = timeline.filter((e) => e.source === 'history');
      expect(fromHistory.some((e) => e.municipality === null && e.kind === 'approve')).toBe(true);
      expect(fromHistory.some((e) => e.municipality === null && e.kind === 'close')).toBe(true);
      for (const code of ['vyazma', 'velizh'])
        expect(
          fromHistory.some((e) => e.municipality === code && e.kind === 'accepted'),
          code,
        ).toBe(true);
      // Both of vyazma's runs, read back from the archive: two answers, two acceptances.
      expect(fromHistory.filter((e) => e.municipality === 'vyazma' && e.kind === 'accepted')).toHaveLength(2);
      expect(fromHistory.some((e) => e.municipality === 'gagarin' && e.kind === 'not-submitted')).toBe(true);

      const one = JSON.parse(
        (await stack.cli(['audit', QUARTER, '--municipality', 'vyazma', '--json'])).stdout,
      );
      expect((one as TimelineEntry[]).some((e) => e.source === 'history' && e.kind === 'submission')).toBe(
        true,
      );

      // The status, from the copy archived at sign-off.
      const shown = await stack.cli(['quarter', 'status', QUARTER]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('отчет подписан');
      expect(shown.stdout).toContain(signed.finalSha256!);

      // The report downloaded again is the signed one, and `report verify` says so.
      const again = path.join(stack.dir, 'снова.docx');
      const download = await stack.cli(['report', 'draft', QUARTER, '--out', again]);
      expect(download.code, download.stderr).toBe(0);
      expect(download.stdout).toContain('Итоговый');
      expect(readFileSync(again).equals(readFileSync(out))).toBe(true);
      const verify = await stack.cli(['report', 'verify', again]);
      expect(verify.code, verify.stdout).toBe(0);
      expect(verify.stdout).toContain(`Совпадает с подписанным отчетом за ${QUARTER} в базе Svodka`);

      // A second start is refused from the database, though Temporal would take it now.
      const restart = await stack.cli(['quarter', 'start', QUARTER]);
      expect(restart.code).toBe(1);
      expect(restart.stderr).toContain(`Сбор сведений за ${QUARTER} уже завершен: итоговый отчет подписан`);
      expect(await gone(quarterWorkflowId(QUARTER))).toBe(true);
      // A late answer hears that the quarter is signed off, not that it was never started.
      const late = await stack.cli(['submit', QUARTER, 'gagarin', '--nil']);
      expect(late.code).toBe(1);
      expect(late.stderr).toContain('отчет подписан');

      // The portal: the auditor's timeline, the quarter page and the final report's download.
      const page = await portal.inject({ url: `/quarters/${QUARTER}/audit`, headers: asAuditor });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('подписание: И. И. Иванов');
      expect(page.body).toContain('не представлено (сбор закрыт)');
      const municipalityPage = await portal.inject({
        url: `/quarters/${QUARTER}/audit?m=vyazma`,
        headers: asAuditor,
      });
      expect(municipalityPage.body).toContain('получены сведения: «мероприятия не проводились»');
      const quarterPage = await portal.inject({ url: `/quarters/${QUARTER}`, headers: asAuditor });
      expect(quarterPage.statusCode).toBe(200);
      expect(quarterPage.body).toContain(signed.finalSha256!);
      // The coordinator's start form refuses it too.
      const asCoordinator = { 'x-remote-user': 'coordinator', 'x-remote-role': 'coordinator', ...fromProxy };
      const list = await portal.inject({ url: '/quarters', headers: asCoordinator });
      const restartForm = await portal.inject({
        method: 'POST',
        url: '/quarters',
        // A proxy user's CSRF token belongs to the browser's cookie, so the form goes back with it.
        headers: {
          ...asCoordinator,
          cookie: list.cookies.map((c) => `${c.name}=${c.value}`).join('; '),
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: new URLSearchParams({ _csrf: hiddenValue(list.body, '_csrf'), quarter: QUARTER }).toString(),
      });
      expect(restartForm.statusCode).toBe(400);
      expect(restartForm.body).toContain('уже завершен');
      expect(await gone(quarterWorkflowId(QUARTER))).toBe(true);
      const docx = await portal.inject({
        url: `/quarters/${QUARTER}/report.docx?kind=final`,
        headers: asAuditor,
      });
      expect(docx.statusCode).toBe(200);
      expect(createHash('sha256').update(docx.rawPayload).digest('hex')).toBe(signed.finalSha256);
    },
  );
});
