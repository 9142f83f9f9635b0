// One request, one action, on the real parts (Temporal dev server, worker, database, the portal and
// the CLI as a user runs it): a form posted twice with the same request id (a double click, a
// browser's resend) records one version and one audit entry; a new request records a new version.
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../infrastructure/tokens';
import { submissionStatusQuery, submissionWorkflowId } from '../../workflows/api';
import { followReceipt, hiddenValue, multipartBody, testPortal } from '../e2e/fakes';
import { sampleRow, wordSubmission } from '../fixtures/docx-builders';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';

const Q = '2023-Q2';

describe('a request id makes a repeated request one action', () => {
  let stack: Stack;
  let temporal: Client;
  let portal: FastifyInstance;

  beforeAll(async () => {
    stack = await startStack({ database: 'sqlite' });
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
    portal = await testPortal(stack.db, temporal);
    const start = await stack.cli(['quarter', 'start', Q, '--deadline', '2099-07-10']);
    expect(start.code, start.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await portal?.close();
    await temporal?.connection.close();
    await stack?.stop();
  });

  /** The municipality's own workflow, once the quarter has started it. */
  async function summaryOf(code: string) {
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        return await temporal.workflow.getHandle(submissionWorkflowId(Q, code)).query(submissionStatusQuery);
      } catch (err) {
        if (Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  /**
   * The municipality's page. On a loaded machine the quarter, busy starting its children, may not
   * answer the page's query within its deadline (a 503, «try again»): the clerk reloads, so do we.
   */
  async function pageOf(token: string) {
    const until = Date.now() + 90_000;
    for (;;) {
      const page = await portal.inject({ method: 'GET', url: `/m/${token}` });
      if (page.statusCode !== 503 || Date.now() > until) return page;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  const entriesOf = (code: string) =>
    stack.db.auditEntry.findMany({ where: { quarter: Q, municipality: code, action: 'submission' } });

  it(
    'the portal: the upload form posted twice stores one version and one audit entry',
    { timeout: 120_000 },
    async () => {
      await summaryOf('vyazma');
      const token = await issueToken(stack.db, { quarter: Q, municipality: 'vyazma' });
      const page = await pageOf(token);
      expect(page.statusCode).toBe(200);
      const csrf = hiddenValue(page.body, '_csrf');
      const requestId = hiddenValue(page.body, 'requestId');
      expect(requestId).toMatch(/^web-/);
      const file = await wordSubmission({ rows: [sampleRow()] });
      const post = () => {
        const body = multipartBody(
          { _csrf: csrf, requestId },
          { name: 'file', fileName: 'вязьма.docx', bytes: file },
        );
        return portal.inject({ method: 'POST', url: `/m/${token}/upload`, ...body });
      };
      const [first, second] = [await post(), await post()];
      expect(first.statusCode, first.body).toBe(303);
      expect(second.statusCode, second.body).toBe(303);
      // Both answers lead to the same receipt and the same version: the second post was the first
      // one again, and stored nothing of its own.
      expect(second.headers.location).toBe(first.headers.location);
      expect((await followReceipt(portal, first)).headers.location).toBe(`/m/${token}/versions/1`);
      expect((await followReceipt(portal, second)).headers.location).toBe(`/m/${token}/versions/1`);
      expect(await stack.db.upload.count({ where: { quarter: Q, municipality: 'vyazma' } })).toBe(1);
      expect(await summaryOf('vyazma')).toMatchObject({ versions: 1, state: 'accepted' });
      expect(await stack.db.submission.count({ where: { quarter: Q, municipality: 'vyazma' } })).toBe(1);
      const entries = await entriesOf('vyazma');
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actor: 'vyazma', actionId: requestId });
      expect(entries[0]!.origin).toMatch(/^web@/);
      expect(JSON.parse(entries[0]!.detail)).toMatchObject({
        version: 1,
        accepted: true,
        channel: 'web',
        kind: 'file',
      });

      // The page rendered again carries a new id: that is a new answer, a new version.
      const again = await pageOf(token);
      const nextId = hiddenValue(again.body, 'requestId');
      expect(nextId).not.toBe(requestId);
      const body = multipartBody(
        { _csrf: hiddenValue(again.body, '_csrf'), requestId: nextId },
        { name: 'file', fileName: 'вязьма.docx', bytes: file },
      );
      const third = await portal.inject({ method: 'POST', url: `/m/${token}/upload`, ...body });
      expect((await followReceipt(portal, third)).headers.location).toBe(`/m/${token}/versions/2`);
      expect(await entriesOf('vyazma')).toHaveLength(2);
    },
  );

  it(
    'the portal refuses a malformed request id in Russian, and stores nothing',
    { timeout: 60_000 },
    async () => {
      await summaryOf('velizh');
      const token = await issueToken(stack.db, { quarter: Q, municipality: 'velizh' });
      const page = await pageOf(token);
      const res = await portal.inject({
        method: 'POST',
        url: `/m/${token}/nil`,
        payload: { _csrf: hiddenValue(page.body, '_csrf'), requestId: 'x', confirm: 'yes' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('Идентификатор запроса');
      expect(await summaryOf('velizh')).toMatchObject({ versions: 0 });
      expect(await entriesOf('velizh')).toHaveLength(0);
    },
  );

  it(
    'the CLI: `submit --request-id` run twice is one version and one audit entry',
    { timeout: 120_000 },
    async () => {
      await summaryOf('gagarin');
      const args = ['submit', Q, 'gagarin', '--nil', '--request-id', 'cli-test-gagarin-1'];
      const [first, second] = [await stack.cli(args), await stack.cli(args)];
      expect(first.code, first.stderr).toBe(0);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toBe(first.stdout);
      expect(await summaryOf('gagarin')).toMatchObject({ versions: 1, state: 'accepted', nil: true });
      const entries = await entriesOf('gagarin');
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actor: 'test-coordinator', actionId: 'cli-test-gagarin-1' });
      expect(JSON.parse(entries[0]!.detail)).toMatchObject({ channel: 'cli', kind: 'nil', version: 1 });
    },
  );
});
