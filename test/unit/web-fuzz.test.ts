// A fuzz run against every route of the portal (read from the router itself, so a new route is
// fuzzed too): random methods, percent-encoded paths, tokens, forged proxy and forwarding headers,
// Host names, client addresses and bodies, with and without a valid token and a signed-in session.
// Whatever arrives: a page or a redirect below 500, no stack trace, no forged identity believed, no
// dev mailbox shown off loopback, and no workflow touched without a valid form token.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../infrastructure/tokens';
import { createUser } from '../../client/web/auth';
import { createTestDb, fakeTemporal, hiddenValue, quarterStatus, testPortal } from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';

const PROXY = '10.99.0.1';
const SECRET = 'fuzz-proxy-secret-0123456789abcdef';
const MAIL_MARKER = 'MAILBOX-SECRET-LINK-7f3a';
const MAIL_NAME = '20230701T000000-1.eml';

let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;
let mailDir: string;
let token: string;
let cookie: string;
let routes: { path: string; methods: string[] }[];

/** The router's own list (printRoutes' tree), flattened to full paths with their methods. */
function routeList(tree: string): { path: string; methods: string[] }[] {
  const stack: string[] = [];
  const out: { path: string; methods: string[] }[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[└├]── (\S+) \(([^)]+)\)/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const full = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = full;
    stack.length = depth + 1;
    out.push({ path: full, methods: m[3]!.split(', ') });
  }
  return out;
}

beforeAll(async () => {
  t = await createTestDb();
  temporal = fakeTemporal(t.db);
  temporal.statuses.set('2023-Q2', quarterStatus('2023-Q2'));
  mailDir = mkdtempSync(path.join(os.tmpdir(), 'svodka-fuzz-mail-'));
  writeFileSync(
    path.join(mailDir, MAIL_NAME),
    `From: a@b.ru\r\nTo: c@d.ru\r\nSubject: ${MAIL_MARKER}\r\n\r\n${MAIL_MARKER}\r\n`,
  );
  app = await testPortal(t.db, temporal.client, {
    trustProxyAuth: true,
    trustedProxies: [PROXY],
    proxySecret: SECRET,
    devMailboxDir: mailDir,
    rateLimits: {
      token: { limit: 1e9, windowMs: 60_000 },
      login: { limit: 1e9, windowMs: 60_000 },
      upload: { limit: 1e9, windowMs: 60_000 },
    },
    lockout: { threshold: 1e9, ms: 1 },
  });
  await app.ready();
  routes = routeList(app.printRoutes({ commonPrefix: false }));
  token = await issueToken(t.db, { quarter: '2023-Q2', municipality: 'vyazma' });
  await createUser(t.db, {
    login: 'coord',
    name: 'Координатор',
    role: 'coordinator',
    password: 'Krasnyi-Bor-1957',
  });
  const form = await app.inject({ method: 'GET', url: '/login' });
  const loginCookie = ([] as string[])
    .concat(form.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('svodka_login='))!
    .split(';')[0]!;
  const login = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie },
    payload: `login=coord&password=Krasnyi-Bor-1957&_csrf=${encodeURIComponent(hiddenValue(form.body, '_csrf'))}`,
  });
  cookie = ([] as string[])
    .concat(login.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith('svodka_session='))!
    .split(';')[0]!;
});
afterAll(async () => {
  await app?.close();
  await t?.close();
  rmSync(mailDir, { recursive: true, force: true });
});

/** Percent-encodes the characters picked by the mask, in upper or lower case hex. */
function encodePath(url: string, mask: boolean[], lower: boolean): string {
  return [...url]
    .map((ch, i) => {
      if (ch === '/' || ch === '?' || !mask[i % mask.length]) return ch;
      const hex = Buffer.from(ch, 'utf8')
        .toString('hex')
        .replace(/../g, (b) => `%${b}`);
      return lower ? hex.toLowerCase() : hex.toUpperCase();
    })
    .join('');
}

describe('the portal under fuzzing', () => {
  it('reads every route from the router, the new ones included', () => {
    const paths = routes.map((r) => r.path);
    for (const p of [
      '/login',
      '/m/:token/upload',
      '/quarters/:quarter/m/:code/revoke-links',
      '/dev/mailbox/:name',
    ])
      expect(paths).toContain(p);
    expect(paths.length).toBeGreaterThan(25);
  });

  it('never answers 5xx, leaks no stack, believes no forged header', { timeout: 180_000 }, async () => {
    const noise = fc.string({ maxLength: 80 });
    const ip = fc.oneof(
      fc.constantFrom('127.0.0.1', '::1', PROXY, '203.0.113.9'),
      fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.')),
    );
    const request = fc.record({
      route: fc.nat(1000),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'route'),
      tokenKind: fc.constantFrom('valid', 'random', 'garbage'),
      encode: fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
      encodeLower: fc.boolean(),
      encoded: fc.boolean(),
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
      remoteAddress: ip,
      forwardedFor: fc.option(fc.oneof(ip, noise), { nil: undefined }),
      remoteUser: fc.option(fc.constantFrom('ivanov-forged', 'coord', ''), { nil: undefined }),
      remoteRole: fc.option(fc.constantFrom('coordinator', 'auditor', 'admin'), { nil: undefined }),
      secret: fc.option(fc.oneof(fc.constant(`${SECRET}x`), fc.constant(SECRET.slice(1)), noise), {
        nil: undefined,
      }),
      host: fc.option(fc.constantFrom('127.0.0.1:3000', 'localhost', 'evil.example', 'svodka.region.ru'), {
        nil: undefined,
      }),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const route = routes[r.route % routes.length]!;
        const method = r.method === 'route' ? route.methods[0]! : r.method;
        const tok =
          r.tokenKind === 'valid' ? token : r.tokenKind === 'random' ? 'A'.repeat(43) : '../../etc/passwd';
        const plain = route.path
          .replace(':token', encodeURIComponent(tok))
          .replace(':quarter', r.tokenKind === 'garbage' ? '..%2f..' : '2023-Q2')
          .replace(':code', r.tokenKind === 'garbage' ? '%00' : 'vyazma')
          .replace(':version', r.tokenKind === 'garbage' ? '-1' : '1')
          .replace(':name', r.tokenKind === 'valid' ? MAIL_NAME : encodeURIComponent(tok))
          .replace(':index', '0');
        const url = (r.encoded ? encodePath(plain, r.encode, r.encodeLower) : plain) + r.suffix;
        const headers: Record<string, string> = {};
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.signedIn) headers.cookie = cookie;
        if (r.forwardedFor !== undefined) headers['x-forwarded-for'] = r.forwardedFor;
        if (r.remoteUser !== undefined) headers['x-remote-user'] = r.remoteUser;
        if (r.remoteRole !== undefined) headers['x-remote-role'] = r.remoteRole;
        if (r.secret !== undefined) headers['x-svodka-proxy-secret'] = r.secret;
        if (r.host !== undefined) headers.host = r.host;
        const res = await app.inject({
          method: method as 'GET',
          url,
          headers,
          remoteAddress: r.remoteAddress,
          ...(method === 'GET' || method === 'HEAD' ? {} : { payload: r.body }),
        });
        const what = `${method} ${url} from ${r.remoteAddress} ${JSON.stringify(headers).slice(0, 300)} → ${res.statusCode}: ${res.body.slice(0, 200)}`;
        expect(res.statusCode, what).toBeLessThan(500);
        expect(res.body, what).not.toMatch(/at .+\.ts:\d+:\d+|node_modules/);
        // The proxy's identity headers without the proxy's secret: never a signed-in page.
        expect(res.body, what).not.toContain('ivanov-forged');
        // The dev mailbox: only to loopback clients naming a loopback host, and not forwarded.
        const local =
          ['127.0.0.1', '::1'].includes(r.remoteAddress) &&
          r.forwardedFor === undefined &&
          /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(r.host ?? 'localhost:80');
        if (!local) expect(res.body, what).not.toContain(MAIL_MARKER);
        // No valid form token anywhere in the fuzz: nothing may reach a workflow.
        expect(
          temporal.calls.filter((c) => c.kind !== 'query'),
          what,
        ).toEqual([]);
      }),
      { numRuns: 800 },
    );
  });
});
