// The portal's upload inbox on the real parts (Temporal dev server, the Svodka worker, SQLite, SMTP
// on loopback): an upload is answered at once with a receipt that refreshes itself; the answer is
// delivered behind it, and the receipt leads to the version with its findings; a double post is
// one version; an answer queued while no dispatcher runs, or while Temporal cannot be reached, is
// delivered once it can be; an answer after the close is refused in Russian on the receipt page.
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInboxDispatcher } from '../../application/deliver-inbox';
import type { InboxDispatcher, InboxDispatcherOptions } from '../../application/deliver-inbox';
import { issueToken } from '../../infrastructure/tokens';
import { answerableQuery, submissionStatusQuery, submissionWorkflowId } from '../../workflows/api';
import { answerPage, followReceipt, hiddenValue, multipartBody, testPortal } from '../e2e/fakes';
import { sampleRow, wordSubmission } from '../fixtures/docx-builders';
import { freePort, startStack } from '../support/stack';
import type { Stack } from '../support/stack';

const Q = '2023-Q2';

/** A TCP relay to Temporal that can be cut: «Temporal unreachable» for one client only. */
async function startRelay(target: string) {
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  const listenPort = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(port, host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(listenPort, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = null;
    });
  await up();
  return { address: `127.0.0.1:${listenPort}`, up, down };
}

describe('the upload inbox', () => {
  let stack: Stack;
  let temporal: Client;
  let portal: FastifyInstance;
  let dispatcher: InboxDispatcher | null = null;

  beforeAll(async () => {
    stack = await startStack({ database: 'sqlite' });
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
    // No dispatcher in this portal: the test starts and stops its own, as a second process would.
    portal = await testPortal(stack.db, temporal, {
      inbox: false,
      rateLimits: {
        token: { limit: 100_000, windowMs: 60_000 },
        upload: { limit: 100_000, windowMs: 60_000 },
      },
    });
    const start = await stack.cli(['quarter', 'start', Q, '--deadline', '2099-07-10']);
    expect(start.code, start.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await dispatcher?.stop();
    await portal?.close();
    await temporal?.connection.close();
    await stack?.stop();
  });

  const dispatch = (client: Client = temporal, extra: Partial<InboxDispatcherOptions> = {}) => {
    dispatcher = startInboxDispatcher({ db: stack.db, temporal: client, pollMs: 200, ...extra });
    return dispatcher;
  };
  const stopDispatch = async () => {
    await dispatcher?.stop();
    dispatcher = null;
  };

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

  /** A page's form fields; a loaded machine may answer the page's query late (503): reload. */
  async function formOf(token: string) {
    const until = Date.now() + 90_000;
    for (;;) {
      const page = await portal.inject({ method: 'GET', url: `/m/${token}` });
      if (page.statusCode === 200)
        return { csrf: hiddenValue(page.body, '_csrf'), requestId: hiddenValue(page.body, 'requestId') };
      if (Date.now() > until) throw new Error(`page: HTTP ${page.statusCode}`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  async function upload(token: string, bytes: Uint8Array, fields?: { csrf: string; requestId: string }) {
    const f = fields ?? (await formOf(token));
    return portal.inject({
      method: 'POST',
      url: `/m/${token}/upload`,
      ...multipartBody(
        { _csrf: f.csrf, requestId: f.requestId },
        { name: 'file', fileName: 'сведения.docx', bytes },
      ),
    });
  }

  it(
    'answers an upload at once with a receipt; nothing is lost while no dispatcher runs; then the version with its findings and the email',
    { timeout: 180_000 },
    async () => {
      await summaryOf('vyazma');
      await summaryOf('velizh');
      const good = await issueToken(stack.db, { quarter: Q, municipality: 'vyazma' });
      const bad = await issueToken(stack.db, { quarter: Q, municipality: 'velizh' });
      const fields = await formOf(good);
      const file = await wordSubmission({ rows: [sampleRow()] });
      const started = performance.now();
      const posted = await upload(good, file, fields);
      const tookMs = performance.now() - started;
      expect(posted.statusCode, posted.body).toBe(303);
      expect(posted.headers.location).toMatch(new RegExp(`^/m/${good}/received/web-`));
      const rejectedPost = await upload(bad, await wordSubmission({ rows: [sampleRow({ dates: '' })] }));
      expect(rejectedPost.statusCode).toBe(303);

      // Received and waiting: the page says so and looks again by itself, no script.
      const receipt = await portal.inject({ method: 'GET', url: posted.headers.location as string });
      expect(receipt.statusCode).toBe(200);
      expect(receipt.body).toContain('Файл получен');
      expect(receipt.body).toContain('проверяется');
      const receiptUrl = posted.headers.location as string;
      expect(receipt.body).toContain(`<meta http-equiv="refresh" content="2; url=${receiptUrl}?n=1" />`);
      // It looks again less often the longer the check takes: a clerk waiting is not rate-limited.
      const later = await portal.inject({ method: 'GET', url: `${receiptUrl}?n=6` });
      expect(later.body).toContain(`<meta http-equiv="refresh" content="10; url=${receiptUrl}?n=7" />`);
      const forged = await portal.inject({ method: 'GET', url: `${receiptUrl}?n=%22%3E%3Cscript%3E` });
      expect(forged.body).toContain(`content="2; url=${receiptUrl}?n=1"`);
      expect(receipt.body).not.toContain('<script');
      expect(await stack.db.answerInbox.count({ where: { state: 'queued' } })).toBe(2);
      expect((await summaryOf('vyazma')).versions).toBe(0);
      // Nobody else took another process's receipt: another municipality's link does not open it.
      const foreign = posted.headers.location!.replace(good, bad);
      expect((await portal.inject({ method: 'GET', url: foreign })).statusCode).toBe(404);

      // A dispatcher starts (the portal restarted): both are delivered.
      dispatch();
      const accepted = await followReceipt(portal, posted, 60_000);
      expect(accepted.headers.location).toBe(`/m/${good}/versions/1`);
      expect((await answerPage(portal, posted)).body).toContain('Версия 1: сведения приняты');
      const rejected = await answerPage(portal, rejectedPost);
      expect(rejected.body).toContain('Сведения не приняты');
      expect(rejected.body).toContain('Сроки проведения мероприятия');
      expect(await summaryOf('vyazma')).toMatchObject({ versions: 1, state: 'accepted' });
      // The acknowledgement is mailed by the workflow's activity, as before.
      const vyazma = (await stack.db.municipality.findUnique({ where: { code: 'vyazma' } }))!;
      await stack.mail.waitFor(
        (all) => all.some((m) => m.to.includes(vyazma.email) && /принят/i.test(m.subject + m.text)),
        60_000,
      );
      // The receipt came before any of that; generous on a loaded machine, far below an Update.
      expect(tookMs).toBeLessThan(10_000);
    },
  );

  it('a double post (the same request id) is one entry and one version', { timeout: 120_000 }, async () => {
    await summaryOf('gagarin');
    const token = await issueToken(stack.db, { quarter: Q, municipality: 'gagarin' });
    const fields = await formOf(token);
    const file = await wordSubmission({ rows: [sampleRow()] });
    const [first, second] = await Promise.all([upload(token, file, fields), upload(token, file, fields)]);
    expect(first.statusCode).toBe(303);
    expect(second.headers.location).toBe(first.headers.location);
    expect((await followReceipt(portal, first, 60_000)).headers.location).toBe(`/m/${token}/versions/1`);
    const third = await upload(token, file, fields);
    expect((await followReceipt(portal, third)).headers.location).toBe(`/m/${token}/versions/1`);
    expect(await stack.db.answerInbox.count({ where: { municipality: 'gagarin' } })).toBe(1);
    expect(await stack.db.upload.count({ where: { quarter: Q, municipality: 'gagarin' } })).toBe(1);
    expect(await stack.db.submission.count({ where: { quarter: Q, municipality: 'gagarin' } })).toBe(1);
  });

  it(
    'an answer queued while Temporal cannot be reached is delivered once it can',
    { timeout: 180_000 },
    async () => {
      await summaryOf('demidov');
      await stopDispatch();
      const relay = await startRelay(stack.temporalAddress);
      const connection = await Connection.connect({ address: relay.address });
      const cut = new Client({ connection });
      try {
        await relay.down();
        dispatch(cut, { backoffMs: () => 300, deliveryTimeoutMs: 3_000 });
        const token = await issueToken(stack.db, { quarter: Q, municipality: 'demidov' });
        const posted = await upload(token, await wordSubmission({ rows: [sampleRow()] }));
        expect(posted.statusCode).toBe(303);
        const requestId = decodeURIComponent(posted.headers.location!.split('/').pop()!);
        // Tried, failed, kept: still queued with the error noted, and the receipt says it is late.
        const until = Date.now() + 60_000;
        for (;;) {
          const row = await stack.db.answerInbox.findUnique({ where: { requestId } });
          if (row && row.attempts >= 2 && row.lastError) break;
          if (Date.now() > until) throw new Error(`no failed attempt recorded: ${JSON.stringify(row)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        const waiting = await portal.inject({ method: 'GET', url: posted.headers.location as string });
        expect(waiting.statusCode).toBe(200);
        expect(waiting.body).toContain('Проверка задерживается');
        expect((await stack.db.answerInbox.findUnique({ where: { requestId } }))?.state).toBe('queued');

        await relay.up();
        const delivered = await followReceipt(portal, posted, 90_000);
        expect(delivered.headers.location).toBe(`/m/${token}/versions/1`);
        expect(await summaryOf('demidov')).toMatchObject({ versions: 1, state: 'accepted' });
      } finally {
        await stopDispatch();
        await connection.close().catch(() => {});
        await relay.down();
      }
    },
  );

  it(
    'an answer after the close is refused in Russian on the receipt page',
    { timeout: 120_000 },
    async () => {
      await summaryOf('dorogobuzh');
      const token = await issueToken(stack.db, { quarter: Q, municipality: 'dorogobuzh' });
      const fields = await formOf(token);
      const close = await stack.cli(['quarter', 'close', Q]);
      expect(close.code, close.stderr).toBe(0);
      // The close reaches each municipality's execution by a signal: wait until it has.
      const until = Date.now() + 60_000;
      while (
        (await temporal.workflow.getHandle(submissionWorkflowId(Q, 'dorogobuzh')).query(answerableQuery))
          .accepting
      ) {
        if (Date.now() > until) throw new Error('the close never reached dorogobuzh');
        await new Promise((r) => setTimeout(r, 200));
      }
      dispatch();
      const posted = await upload(token, await wordSubmission({ rows: [sampleRow()] }), fields);
      expect(posted.statusCode).toBe(303);
      const refused = await followReceipt(portal, posted, 60_000);
      expect(refused.statusCode).toBe(409);
      expect(refused.body).toContain('Ответ не принят к проверке');
      expect(refused.body).toContain('закрыт');
      expect(await stack.db.submission.count({ where: { quarter: Q, municipality: 'dorogobuzh' } })).toBe(0);
      expect((await stack.db.answerInbox.findFirst({ where: { municipality: 'dorogobuzh' } }))?.state).toBe(
        'refused',
      );
    },
  );
});
