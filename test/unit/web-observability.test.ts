// The portal's metrics and logs over HTTP (fastify.inject): requests counted by route template,
// /metrics closed to anyone but a direct local scrape or the bearer of SVODKA_METRICS_TOKEN, JSON
// request logs that name the quarter and workflow and never a municipality's token.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../infrastructure/tokens';
import { portalLoggerOptions, redactPath } from '../../client/web/observability';
import { createTestDb, fakeTemporal, quarterStatus, testPortal } from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';

const Q = '2023-Q2';
let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  t = await createTestDb();
  temporal = fakeTemporal(t.db);
  temporal.statuses.set(Q, quarterStatus(Q));
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  app = await testPortal(t.db, temporal.client, {
    logger: { ...portalLoggerOptions({ SVODKA_LOG_LEVEL: 'info' }), stream },
  });
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

function metrics(headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') {
  return app.inject({ method: 'GET', url: '/metrics', headers, remoteAddress });
}

/** The value of one series in the exposition, or 0 when it is not there yet. */
function series(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('portal metrics', () => {
  it('counts a request by its route template and status, with its latency', async () => {
    const before = (await metrics()).body;
    const labels = 'method="GET",route="/login",status="200"';
    expect((await app.inject({ method: 'GET', url: '/login' })).statusCode).toBe(200);
    const after = await metrics();
    expect(after.statusCode).toBe(200);
    expect(after.headers['content-type']).toContain('text/plain');
    expect(series(after.body, 'svodka_http_requests_total', labels)).toBe(
      series(before, 'svodka_http_requests_total', labels) + 1,
    );
    expect(series(after.body, 'svodka_http_request_duration_seconds_count', labels)).toBeGreaterThan(0);
  });

  it("labels a municipality's page by its template, never by its token", async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'vyazma' });
    await app.inject({ method: 'GET', url: `/m/${token}` });
    await app.inject({ method: 'GET', url: '/no/such/page' });
    const text = (await metrics()).body;
    expect(text).toMatch(/svodka_http_requests_total\{method="GET",route="\/m\/:token",status="\d+"\} [1-9]/);
    expect(text).toMatch(/svodka_http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/);
    expect(text).not.toContain(token);
    expect(text).not.toContain('/no/such/page');
  });

  it('refuses /metrics to another host, and to loopback reached through a proxy', async () => {
    const remote = await metrics({}, '10.0.0.7');
    expect(remote.statusCode).toBe(403);
    expect(remote.body).not.toContain('svodka_');
    expect(remote.body).toContain('SVODKA_METRICS_TOKEN');
    const proxied = await metrics({ 'x-forwarded-for': '203.0.113.9' });
    expect(proxied.statusCode).toBe(403);
  });

  it('with SVODKA_METRICS_TOKEN, serves only the bearer of the token, from anywhere', async () => {
    process.env.SVODKA_METRICS_TOKEN = 'scrape-secret-0123456789';
    const guarded = await testPortal(t.db, temporal.client);
    delete process.env.SVODKA_METRICS_TOKEN;
    try {
      const get = (headers: Record<string, string>, remoteAddress = '10.0.0.7') =>
        guarded.inject({ method: 'GET', url: '/metrics', headers, remoteAddress });
      expect((await get({})).statusCode).toBe(401);
      expect((await get({}, '127.0.0.1')).statusCode).toBe(401);
      expect((await get({ authorization: 'Bearer scrape-secret-01234567890' })).statusCode).toBe(401);
      const ok = await get({ authorization: 'Bearer scrape-secret-0123456789' });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('svodka_http_requests_total');
    } finally {
      await guarded.close();
    }
  });
});

describe('portal logs', () => {
  it('are JSON lines with a request id, the quarter and workflow of the page, and no token', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'gagarin' });
    await app.inject({ method: 'GET', url: `/m/${token}/form?x=1` });
    await app.inject({ method: 'GET', url: `/quarters/${Q}/m/vyazma` });
    await app.inject({ method: 'GET', url: `/quarters/${Q}` });

    expect(JSON.stringify(logLines)).not.toContain(token);
    const incoming = logLines.find((l) =>
      (l.req as { url?: string } | undefined)?.url?.endsWith('/form?x=1'),
    );
    expect(incoming).toMatchObject({
      service: 'svodka-web',
      msg: 'incoming request',
      req: { url: '/m/…/form?x=1' },
    });
    expect(incoming?.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(String(incoming?.time)))).toBe(false);

    const done = logLines.filter((l) => l.msg === 'request completed' && l.quarter === Q);
    expect(done).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ municipality: 'vyazma', workflowId: `quarter/${Q}/vyazma` }),
        expect.objectContaining({ workflowId: `quarter/${Q}` }),
      ]),
    );
  });

  it('redacts the token wherever it sits in a path', () => {
    expect(redactPath('/m/abc_DEF-123/versions/2')).toBe('/m/…/versions/2');
    expect(redactPath('/m/abc?x=1')).toBe('/m/…?x=1');
    expect(redactPath('/quarters/2023-Q2')).toBe('/quarters/2023-Q2');
  });
});
