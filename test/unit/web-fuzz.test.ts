// A fuzz run against the portal's HTTP endpoints: random methods, paths, tokens, headers and bodies,
// with and without a valid token and a signed-in session. Whatever arrives, the answer is a page or
// a redirect with a status below 500, and no stack trace leaks.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../activities/tokens';
import { createUser } from '../../client/web/auth';
import { createTestDb, fakeTemporal, quarterStatus, testPortal } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';

let t: TestDb;
let app: FastifyInstance;
let token: string;
let cookie: string;

const ROUTES = [
  '/',
  '/healthz',
  '/login',
  '/logout',
  '/m/:token',
  '/m/:token/template.docx',
  '/m/:token/upload',
  '/m/:token/form',
  '/m/:token/nil',
  '/quarters',
  '/quarters/2023-Q2',
  '/quarters/2023-Q2/draft',
  '/quarters/2023-Q2/municipalities/vyazma',
  '/audit/2023-Q2',
  '/dev/mailbox',
  '/dev/mailbox/:name',
  '/static/app.css',
];

beforeAll(async () => {
  t = await createTestDb();
  const temporal = fakeTemporal(t.db);
  temporal.statuses.set('2023-Q2', quarterStatus('2023-Q2'));
  app = await testPortal(t.db, temporal.client, {
    rateLimits: { token: { limit: 100_000, windowMs: 60_000 }, login: { limit: 100_000, windowMs: 60_000 } },
  });
  token = await issueToken(t.db, { quarter: '2023-Q2', municipality: 'vyazma' });
  await createUser(t.db, {
    login: 'coord',
    name: 'Координатор',
    role: 'coordinator',
    password: 'Krasnyi-Bor-1957',
  });
  const login = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'login=coord&password=coord-password',
  });
  cookie = String(login.headers['set-cookie'] ?? '').split(';')[0] ?? '';
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('the portal under fuzzing', () => {
  it('never answers 5xx and never shows a stack trace', { timeout: 120_000 }, async () => {
    const noise = fc.string({ maxLength: 80 });
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'),
      route: fc.constantFrom(...ROUTES),
      tokenKind: fc.constantFrom('valid', 'random', 'garbage'),
      suffix: fc.oneof(
        fc.constant(''),
        noise.map((s) => `?${encodeURIComponent(s)}=${encodeURIComponent(s)}`),
      ),
      contentType: fc.constantFrom(
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'multipart/form-data',
        'application/json',
        'text/plain',
        '',
      ),
      body: fc.oneof(
        noise,
        fc.string({ maxLength: 2000 }),
        fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b).toString('latin1')),
      ),
      signedIn: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const tok =
          r.tokenKind === 'valid' ? token : r.tokenKind === 'random' ? 'A'.repeat(43) : '../../etc/passwd';
        const url =
          r.route.replace(':token', encodeURIComponent(tok)).replace(':name', encodeURIComponent(tok)) +
          r.suffix;
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.signedIn) headers.cookie = cookie;
        const res = await app.inject({
          method: r.method as 'GET',
          url,
          headers,
          ...(r.method === 'GET' || r.method === 'HEAD' ? {} : { payload: r.body }),
        });
        expect(
          res.statusCode,
          `${r.method} ${url} → ${res.statusCode}: ${res.body.slice(0, 300)}`,
        ).toBeLessThan(500);
        expect(res.body).not.toMatch(/at .+\.ts:\d+:\d+|node_modules/);
      }),
      { numRuns: 600 },
    );
  });
});
