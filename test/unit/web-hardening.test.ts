// Issue 16's portal findings, each against the attack it closes (fastify.inject, a real SQLite
// database, a fake Temporal): limits that encoded paths and forged X-Forwarded-For cannot dodge,
// the per-account lockout, proxy authentication only from the proxy with its secret, links that
// expire and can be revoked, the dev mailbox nowhere but on loopback under `npm start`, sessions
// that end, passwords that are not on the common list, cookies and HSTS over https.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { loadConfig } from '../../infrastructure/config';
import type { MailMessage } from '../../infrastructure/email/mailer';
import { checkPasswordStrength, MIN_PASSWORD_LENGTH } from '../../infrastructure/passwords';
import { issueToken, linkExpiry, listTokens, resolveToken, tokenHash } from '../../infrastructure/tokens';
import {
  changePassword,
  createUser,
  endUserSessions,
  setUserDisabled,
  unlockUser,
} from '../../client/web/auth';
import { portalConfigFromEnv } from '../../client/web/main';
import {
  createTestDb,
  fakeTemporal,
  answerOutcome,
  followReceipt,
  hiddenValue,
  multipartBody,
  quarterStatus,
  testPortal,
} from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';

const Q = '2023-Q2';
const PASSWORD = 'Krasnyi-Bor-1957';
let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;
const extra: FastifyInstance[] = [];

function cookieOf(res: LightMyRequestResponse, name: string): string {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const line = set.find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no cookie ${name} in ${JSON.stringify(set)}`);
  return line.split(';')[0]!.slice(name.length + 1);
}

async function portal(config: Parameters<typeof testPortal>[2] = {}): Promise<FastifyInstance> {
  const p = await testPortal(t.db, temporal.client, config);
  extra.push(p);
  return p;
}

async function signIn(
  on: FastifyInstance,
  login: string,
  password: string,
  options: { ip?: string; headers?: Record<string, string>; url?: string } = {},
): Promise<LightMyRequestResponse> {
  const form = await on.inject({
    method: 'GET',
    url: '/login',
    remoteAddress: options.ip,
    headers: options.headers,
  });
  return on.inject({
    method: 'POST',
    url: options.url ?? '/login',
    remoteAddress: options.ip,
    headers: options.headers,
    cookies: { svodka_login: cookieOf(form, 'svodka_login') },
    payload: { login, password, _csrf: hiddenValue(form.body, '_csrf'), next: '/quarters' },
  });
}

beforeAll(async () => {
  t = await createTestDb();
  temporal = fakeTemporal(t.db);
  app = await testPortal(t.db, temporal.client);
  await createUser(t.db, {
    login: 'coord',
    name: 'Координатор Тестов',
    role: 'coordinator',
    password: PASSWORD,
  });
});
afterAll(async () => {
  for (const p of extra) await p.close();
  await app?.close();
  await t?.close();
});
beforeEach(() => {
  temporal.statuses.set(Q, quarterStatus(Q));
  temporal.calls.length = 0;
});

describe('finding 2: rate limits attached to routes', () => {
  it('limits POST /%6Cogin like /login and GET /%6D/<token> like /m/<token>', async () => {
    const limited = await portal({
      rateLimits: { login: { limit: 3, windowMs: 60_000 }, token: { limit: 3, windowMs: 60_000 } },
    });
    const logins: number[] = [];
    for (let i = 0; i < 5; i++)
      logins.push(
        (
          await limited.inject({
            method: 'POST',
            url: i % 2 ? '/%6Cogin' : '/%6c%6F%67%69%6e',
            remoteAddress: '192.0.2.50',
            payload: { login: 'coord', password: 'wrong' },
          })
        ).statusCode,
      );
    expect(logins).toEqual([403, 403, 403, 429, 429]);
    const token = await issueToken(t.db, { quarter: Q, municipality: 'vyazma' });
    const pages: number[] = [];
    for (const url of [`/%6D/${token}`, `/m/${token}`, `/%6d/${token}`, `/%6D/${token}`])
      pages.push((await limited.inject({ method: 'GET', url, remoteAddress: '192.0.2.51' })).statusCode);
    expect(pages).toEqual([200, 200, 200, 429]);
  });

  it('believes X-Forwarded-For only from a trusted proxy: a forged one neither gets a fresh bucket nor forges the audit origin', async () => {
    const limited = await portal({
      trustedProxies: ['10.20.0.0/16'],
      rateLimits: { login: { limit: 2, windowMs: 60_000 } },
    });
    const post = (remoteAddress: string, forwarded: string) =>
      limited.inject({
        method: 'POST',
        url: '/login',
        remoteAddress,
        headers: { 'x-forwarded-for': forwarded },
        payload: { login: 'coord', password: 'wrong' },
      });
    // Straight from the internet, a new X-Forwarded-For each time: still one bucket.
    const forged: number[] = [];
    for (let i = 0; i < 4; i++) forged.push((await post('203.0.113.9', `198.51.100.${i}`)).statusCode);
    expect(forged).toEqual([403, 403, 429, 429]);
    // Through the proxy, two clients keep two buckets.
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 3; i++) {
      a.push((await post('10.20.0.1', '198.51.100.7')).statusCode);
      b.push((await post('10.20.0.1', '198.51.100.8')).statusCode);
    }
    expect(a).toEqual([403, 403, 429]);
    expect(b).toEqual([403, 403, 429]);
  });

  it('locks an account after 5 failed sign-ins from any addresses, audits them, and `user unlock` lifts it', async () => {
    await createUser(t.db, {
      login: 'victim',
      name: 'Жертва Подбора',
      role: 'coordinator',
      password: PASSWORD,
    });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push(
        (await signIn(app, 'victim', `guess-number-${i}-xx`, { ip: `198.18.0.${i + 1}` })).statusCode,
      );
    expect(codes).toEqual([401, 401, 401, 401, 429]);
    const right = await signIn(app, 'victim', PASSWORD, { ip: '198.18.1.1' });
    expect(right.statusCode).toBe(429);
    expect(right.body).toContain('вход для этой учетной записи закрыт');
    expect(right.headers['set-cookie'] ?? '').not.toContain('svodka_session=');
    const failed = await t.db.auditEntry.findMany({
      where: { actor: 'victim', action: { startsWith: 'web.login.' } },
      orderBy: { id: 'asc' },
    });
    expect(failed.map((e) => e.action)).toEqual([
      'web.login.failed',
      'web.login.failed',
      'web.login.failed',
      'web.login.failed',
      'web.login.locked',
      'web.login.failed',
    ]);
    expect(failed[0]!.origin).toBe('web@198.18.0.1');
    await unlockUser(t.db, 'victim');
    expect((await signIn(app, 'victim', PASSWORD, { ip: '198.18.1.2' })).statusCode).toBe(303);
  });
});

describe('finding 2: the coordinator lifts a lockout from the portal', () => {
  it('lists locked accounts and opens them again; an auditor cannot', async () => {
    await createUser(t.db, { login: 'locked-out', name: 'Забывчивый', role: 'auditor', password: PASSWORD });
    for (let i = 0; i < 5; i++)
      await signIn(app, 'locked-out', `bad-guess-${i}-xxxx`, { ip: `198.18.5.${i + 1}` });
    expect((await signIn(app, 'locked-out', PASSWORD, { ip: '198.18.5.9' })).statusCode).toBe(429);
    const auditorCookies = {
      svodka_session: cookieOf(
        await (async () => {
          await createUser(t.db, { login: 'aud2', name: 'Аудитор', role: 'auditor', password: PASSWORD });
          return signIn(app, 'aud2', PASSWORD, { ip: '198.18.5.10' });
        })(),
        'svodka_session',
      ),
    };
    expect((await app.inject({ method: 'GET', url: '/users', cookies: auditorCookies })).statusCode).toBe(
      403,
    );
    const ok = await signIn(app, 'coord', PASSWORD, { ip: '198.18.5.11' });
    const cookies = { svodka_session: cookieOf(ok, 'svodka_session') };
    const list = await app.inject({ method: 'GET', url: '/users', cookies });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('вход закрыт до');
    const csrf = hiddenValue(list.body, '_csrf');
    const forged = await app.inject({
      method: 'POST',
      url: '/users/locked-out/unlock',
      cookies: auditorCookies,
      payload: { _csrf: csrf },
    });
    expect(forged.statusCode).toBe(403);
    const unlock = await app.inject({
      method: 'POST',
      url: '/users/locked-out/unlock',
      cookies,
      payload: { _csrf: csrf },
    });
    expect(unlock.statusCode).toBe(303);
    expect((await signIn(app, 'locked-out', PASSWORD, { ip: '198.18.5.12' })).statusCode).toBe(303);
    const entry = await t.db.auditEntry.findFirst({
      where: { action: 'user.unlock' },
      orderBy: { id: 'desc' },
    });
    expect(entry?.actor).toBe('coord');
  });
});

describe('finding 3: proxy authentication', () => {
  const SECRET = 'a-long-shared-secret-of-the-proxy';
  const remote = { 'x-remote-user': 'ivanov', 'x-remote-role': 'coordinator' };

  it('refuses to start with proxy authentication but no proxy list or no secret', async () => {
    await expect(testPortal(t.db, temporal.client, { trustProxyAuth: true })).rejects.toThrow(
      /SVODKA_TRUSTED_PROXIES/,
    );
    await expect(
      testPortal(t.db, temporal.client, { trustProxyAuth: true, trustedProxies: ['10.0.0.1'] }),
    ).rejects.toThrow(/SVODKA_PROXY_SECRET/);
    await expect(testPortal(t.db, temporal.client, { trustedProxies: ['10.0.0.300'] })).rejects.toThrow(
      /SVODKA_TRUSTED_PROXIES/,
    );
  });

  it('believes X-Remote-User only from a trusted proxy with the right secret', async () => {
    const proxied = await portal({
      trustProxyAuth: true,
      trustedProxies: ['10.30.0.2'],
      proxySecret: SECRET,
    });
    const get = (remoteAddress: string, headers: Record<string, string>) =>
      proxied.inject({ method: 'GET', url: '/quarters', remoteAddress, headers });
    // Straight to the portal, even with the secret: the address is not the proxy's.
    expect((await get('203.0.113.20', { ...remote, 'x-svodka-proxy-secret': SECRET })).statusCode).toBe(303);
    // From the proxy's address without the secret, or with a wrong one (another host on that network).
    expect((await get('10.30.0.2', remote)).statusCode).toBe(303);
    expect((await get('10.30.0.2', { ...remote, 'x-svodka-proxy-secret': `${SECRET}x` })).statusCode).toBe(
      303,
    );
    const ok = await get('10.30.0.2', { ...remote, 'x-svodka-proxy-secret': SECRET });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('ivanov');
  });

  it('gives a proxy user a CSRF token per browser session, not a fixed HMAC of the login', async () => {
    const proxied = await portal({
      trustProxyAuth: true,
      trustedProxies: ['10.30.0.2'],
      proxySecret: SECRET,
    });
    const headers = { ...remote, 'x-svodka-proxy-secret': SECRET };
    const open = async () => {
      const first = await proxied.inject({
        method: 'GET',
        url: '/quarters',
        remoteAddress: '10.30.0.2',
        headers,
      });
      const nonce = cookieOf(first, 'svodka_proxy');
      return { nonce, csrf: hiddenValue(first.body, '_csrf') };
    };
    const one = await open();
    const two = await open();
    expect(one.csrf).not.toBe(two.csrf);
    // A token from one session does not work in another.
    const cross = await proxied.inject({
      method: 'POST',
      url: `/quarters/${Q}/close`,
      remoteAddress: '10.30.0.2',
      headers: { ...headers, cookie: `svodka_proxy=${two.nonce}` },
      payload: { confirm: 'yes', _csrf: one.csrf },
    });
    expect(cross.statusCode).toBe(403);
    const own = await proxied.inject({
      method: 'POST',
      url: `/quarters/${Q}/close`,
      remoteAddress: '10.30.0.2',
      headers: { ...headers, cookie: `svodka_proxy=${one.nonce}` },
      payload: { confirm: 'yes', _csrf: one.csrf },
    });
    expect(own.statusCode).toBe(303);
  });
});

describe('finding 4: links', () => {
  it('expire a grace period after the deadline, in emails and from the portal', async () => {
    const before = new Date('2023-07-01T00:00:00Z');
    expect(linkExpiry('2023-07-10', 30, before).toISOString()).toBe('2023-08-09T21:00:00.000Z');
    // An overdue reminder's link still gets the whole grace period.
    const late = new Date('2023-09-01T00:00:00Z');
    expect(linkExpiry('2023-07-10', 30, late).toISOString()).toBe('2023-10-01T00:00:00.000Z');
    expect(loadConfig({}).linkGraceDays).toBe(30);
    expect(loadConfig({ SVODKA_LINK_GRACE_DAYS: '7' }).linkGraceDays).toBe(7);
    expect(() => loadConfig({ SVODKA_LINK_GRACE_DAYS: 'forever' })).toThrow(/SVODKA_LINK_GRACE_DAYS/);
    const token = await issueToken(t.db, {
      quarter: Q,
      municipality: 'dukhovshchina',
      expiresAt: linkExpiry('2023-07-10', 30, before),
    });
    expect(await resolveToken(t.db, token, new Date('2023-08-09T20:59:00Z'))).not.toBeNull();
    expect(await resolveToken(t.db, token, new Date('2023-08-09T21:00:01Z'))).toBeNull();
  });

  it('the links of request and reminder emails expire the grace period after the deadline they name', async () => {
    const sent: MailMessage[] = [];
    const activities = createActivities({
      prisma: t.db,
      mailer: { sendMail: async (m: MailMessage) => void sent.push(m) },
      files: createDbBlobStore(t.db),
      clock: () => new Date(),
      config: loadConfig({ SVODKA_PUBLIC_URL: 'https://svodka.region.ru', SVODKA_LINK_GRACE_DAYS: '10' }),
    });
    const env = new MockActivityEnvironment();
    await env.run(() =>
      activities.sendRequestEmails({
        quarter: '2099-Q2',
        deadline: '2099-07-10',
        codes: ['yartsevo', 'ugra'],
      }),
    );
    await env.run(() =>
      activities.sendMunicipalityEmail({
        quarter: '2099-Q2',
        municipality: 'yartsevo',
        kind: 'reminder',
        seq: 1,
        deadline: '2099-07-20',
      }),
    );
    const links = sent.map((m) => /\/m\/([A-Za-z0-9_-]{43})/.exec(m.text)![1]!);
    expect(links).toHaveLength(3);
    const expiry = async (token: string) =>
      (
        await t.db.accessToken.findUniqueOrThrow({ where: { hash: tokenHash(token) } })
      ).expiresAt?.toISOString();
    expect(await expiry(links[0]!)).toBe('2099-07-20T21:00:00.000Z');
    expect(await expiry(links[1]!)).toBe('2099-07-20T21:00:00.000Z');
    expect(await expiry(links[2]!)).toBe('2099-07-30T21:00:00.000Z');
  });

  it('a new link from the portal revokes the old ones unless kept; the coordinator revokes a leaked one', async () => {
    const old = await issueToken(t.db, { quarter: Q, municipality: 'kardymovo' });
    const ok = await signIn(app, 'coord', PASSWORD, { ip: '10.40.0.1' });
    const cookies = { svodka_session: cookieOf(ok, 'svodka_session') };
    const page = await app.inject({ method: 'GET', url: `/quarters/${Q}/m/kardymovo`, cookies });
    expect(page.body).toContain('Действующих ссылок: 1');
    const csrf = hiddenValue(page.body, '_csrf');
    const kept = await app.inject({
      method: 'POST',
      url: `/quarters/${Q}/m/kardymovo/link`,
      cookies,
      payload: { _csrf: csrf, keep: 'yes' },
    });
    expect(kept.statusCode).toBe(200);
    const keptToken = /\/m\/([A-Za-z0-9_-]{43})/.exec(kept.body)![1]!;
    expect(await resolveToken(t.db, old)).not.toBeNull();
    const row = await t.db.accessToken.findUnique({ where: { hash: tokenHash(keptToken) } });
    expect(row?.expiresAt?.toISOString()).toBe(linkExpiry('2099-07-10', 30).toISOString());
    const fresh = await app.inject({
      method: 'POST',
      url: `/quarters/${Q}/m/kardymovo/link`,
      cookies,
      payload: { _csrf: csrf },
    });
    const freshToken = /\/m\/([A-Za-z0-9_-]{43})/.exec(fresh.body)![1]!;
    expect(fresh.body).toContain('Прежние ссылки отозваны');
    expect(await resolveToken(t.db, old)).toBeNull();
    expect(await resolveToken(t.db, keptToken)).toBeNull();
    expect((await app.inject({ method: 'GET', url: `/m/${old}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/m/${freshToken}` })).statusCode).toBe(200);
    // Leaked: revoke them all.
    const revoke = await app.inject({
      method: 'POST',
      url: `/quarters/${Q}/m/kardymovo/revoke-links`,
      cookies,
      payload: { _csrf: csrf },
    });
    expect(revoke.statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: `/m/${freshToken}` })).statusCode).toBe(404);
    expect((await listTokens(t.db, Q, 'kardymovo')).every((l) => l.state === 'revoked')).toBe(true);
    const entry = await t.db.auditEntry.findFirst({
      where: { action: 'token.revoke' },
      orderBy: { id: 'desc' },
    });
    expect(entry?.actor).toBe('coord');
  });

  it('after sign-off a link is read-only: no upload, no form, no nil', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'monastyrshchina' });
    const csrf = hiddenValue((await app.inject({ method: 'GET', url: `/m/${token}` })).body, '_csrf');
    temporal.statuses.set(Q, quarterStatus(Q, { phase: 'approved', closed: true, finalReportId: 'x' }));
    const page = await app.inject({ method: 'GET', url: `/m/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('/upload"');
    expect(page.body).not.toContain('/nil"');
    expect((await app.inject({ method: 'GET', url: `/m/${token}/form` })).statusCode).toBe(409);
    const upload = multipartBody(
      { _csrf: csrf },
      { name: 'file', fileName: 'a.docx', bytes: Buffer.from('PK') },
    );
    // Refused at once once the portal has heard of the sign-off (it asks the quarter every few
    // seconds), or on the receipt by the workflow before that: refused either way.
    const up = await app.inject({ method: 'POST', url: `/m/${token}/upload`, ...upload });
    expect((await answerOutcome(app, up)).statusCode).toBe(409);
    const nil = await app.inject({
      method: 'POST',
      url: `/m/${token}/nil`,
      payload: { _csrf: csrf, confirm: 'yes' },
    });
    const refused = await answerOutcome(app, nil);
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('закрыт');
    expect(await t.db.submission.count({ where: { quarter: Q, municipality: 'monastyrshchina' } })).toBe(0);
  });
});

describe('finding 7: the dev mailbox', () => {
  it('is never configured by the production entry, whatever SMTP_URL says', () => {
    expect(portalConfigFromEnv(3000, {}).devMailboxDir).toBeUndefined();
    expect(portalConfigFromEnv(3000, { SMTP_URL: '' }).devMailboxDir).toBeUndefined();
  });

  it('answers only loopback clients that name a loopback host, even via encoded paths', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-mailbox-'));
    try {
      writeFileSync(
        path.join(dir, '20230701T000000-1.eml'),
        'From: a@b.ru\r\nTo: c@d.ru\r\nSubject: test link\r\n\r\nhttp://portal.test/m/secret\r\n',
      );
      const dev = await portal({ devMailboxDir: dir });
      const get = (
        url: string,
        remoteAddress: string,
        host: string,
        extraHeaders: Record<string, string> = {},
      ) => dev.inject({ method: 'GET', url, remoteAddress, headers: { host, ...extraHeaders } });
      expect((await get('/dev/mailbox', '127.0.0.1', '127.0.0.1:3000')).statusCode).toBe(200);
      expect((await get('/dev/mailbox', '127.0.0.1', 'localhost:3000')).statusCode).toBe(200);
      for (const [url, ip, host, headers] of [
        ['/dev/mailbox', '192.0.2.1', '127.0.0.1:3000', {}],
        ['/%64ev/mailbox', '192.0.2.1', '127.0.0.1:3000', {}],
        ['/dev/mailbox', '127.0.0.1', 'rebind.attacker.example', {}],
        ['/dev/mailbox/20230701T000000-1.eml', '127.0.0.1', 'svodka.region.ru', {}],
        ['/dev/mailbox', '127.0.0.1', '127.0.0.1:3000', { 'x-forwarded-for': '203.0.113.1' }],
      ] as const) {
        const res = await get(url, ip, host, headers);
        expect(res.statusCode, `${url} ${ip} ${host}`).toBe(404);
        expect(res.body).not.toContain('test link');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('finding 8: sessions and accounts', () => {
  it('ends a session idle for longer than the timeout', async () => {
    const ok = await signIn(app, 'coord', PASSWORD, { ip: '10.50.0.1' });
    const cookies = { svodka_session: cookieOf(ok, 'svodka_session') };
    expect((await app.inject({ method: 'GET', url: '/quarters', cookies })).statusCode).toBe(200);
    await t.db.webSession.updateMany({ data: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } });
    const idle = await app.inject({ method: 'GET', url: '/quarters', cookies });
    expect(idle.statusCode).toBe(303);
    expect(idle.headers.location).toContain('/login');
  });

  it('disable, password change and logout end the sessions; a disabled account cannot sign in', async () => {
    await createUser(t.db, {
      login: 'leaver',
      name: 'Уходящий Сотрудник',
      role: 'auditor',
      password: PASSWORD,
    });
    const session = async () => ({
      svodka_session: cookieOf(await signIn(app, 'leaver', PASSWORD, { ip: '10.50.1.1' }), 'svodka_session'),
    });
    const status = async (cookies: Record<string, string>) =>
      (await app.inject({ method: 'GET', url: '/quarters', cookies })).statusCode;

    let cookies = await session();
    expect(await status(cookies)).toBe(200);
    expect(await endUserSessions(t.db, 'leaver')).toBe(1);
    expect(await status(cookies)).toBe(303);

    cookies = await session();
    await changePassword(t.db, 'leaver', 'Novyi-Parol-Zima-2031');
    expect(await status(cookies)).toBe(303);
    await expect(changePassword(t.db, 'leaver', 'short')).rejects.toThrow(/не короче 12/);

    cookies = {
      svodka_session: cookieOf(
        await signIn(app, 'leaver', 'Novyi-Parol-Zima-2031', { ip: '10.50.1.2' }),
        'svodka_session',
      ),
    };
    await setUserDisabled(t.db, 'leaver', true);
    expect(await status(cookies)).toBe(303);
    expect((await signIn(app, 'leaver', 'Novyi-Parol-Zima-2031', { ip: '10.50.1.3' })).statusCode).toBe(401);
    await setUserDisabled(t.db, 'leaver', false);
    expect((await signIn(app, 'leaver', 'Novyi-Parol-Zima-2031', { ip: '10.50.1.4' })).statusCode).toBe(303);
  });

  it('the sign-in CSRF cookie is signed: a planted cookie with a matching form value is refused', async () => {
    const planted = 'A'.repeat(32);
    const res = await app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: '10.50.2.1',
      cookies: { svodka_login: planted },
      payload: { login: 'coord', password: PASSWORD, _csrf: planted },
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['set-cookie'] ?? '').not.toContain('svodka_session=');
  });

  it('sign-off asks for the password again', async () => {
    temporal.statuses.set(
      Q,
      quarterStatus(Q, { phase: 'awaiting_approval', closed: true, draftReportId: `${Q}/draft/x` }),
    );
    const ok = await signIn(app, 'coord', PASSWORD, { ip: '10.50.3.1' });
    const cookies = { svodka_session: cookieOf(ok, 'svodka_session') };
    const page = await app.inject({ method: 'GET', url: `/quarters/${Q}`, cookies });
    const csrf = hiddenValue(page.body, '_csrf');
    const approve = (password?: string) =>
      app.inject({
        method: 'POST',
        url: `/quarters/${Q}/approve`,
        cookies,
        payload: {
          _csrf: csrf,
          signer: 'И. И. Иванов',
          position: 'Начальник',
          ...(password === undefined ? {} : { password }),
        },
      });
    for (const wrong of [undefined, '', 'not-my-password-at-all']) {
      const res = await approve(wrong);
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('Подпись не подтверждена');
    }
    expect(temporal.calls.filter((c) => c.name === 'approveUpdate')).toHaveLength(0);
    await unlockUser(t.db, 'coord');
    const good = await approve(PASSWORD);
    expect(good.statusCode).toBe(303);
    expect(temporal.calls.filter((c) => c.name === 'approveUpdate')).toHaveLength(1);
  });

  it('passwords: at least 12 characters, not on the shipped list of common ones, nor built on one', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(12);
    for (const weak of [
      'short-pass',
      'password1234',
      'Password2024!',
      'qwertyuiop123',
      'Qwerty123456!',
      '111111111111',
      'йцукенгшщз123',
      'iloveyou2025!',
    ])
      expect(checkPasswordStrength(weak), weak).not.toBeNull();
    expect(checkPasswordStrength('ivanov-the-great-1', 'ivanov')).toMatch(/имя пользователя/);
    for (const fine of ['Krasnyi-Bor-1957', 'липа зеленая у реки', 'correct horse battery'])
      expect(checkPasswordStrength(fine), fine).toBeNull();
  });

  it('createUser refuses a common password', async () => {
    await expect(
      createUser(t.db, {
        login: 'weakling',
        name: 'Слабый Пароль',
        role: 'auditor',
        password: 'password2024!',
      }),
    ).rejects.toThrow(/распространен/);
  });
});

describe('cookies and HSTS follow the public URL', () => {
  it('https: __Host- Secure cookies and Strict-Transport-Security; http: neither', async () => {
    const secure = await portal({ publicUrl: 'https://svodka.region.ru' });
    const form = await secure.inject({ method: 'GET', url: '/login', remoteAddress: '10.60.0.1' });
    expect(form.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
    const loginCookie = ([] as string[])
      .concat(form.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('__Host-svodka_login='));
    expect(loginCookie).toMatch(/; Secure/i);
    expect(loginCookie).toMatch(/; Path=\//);
    const ok = await secure.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: '10.60.0.1',
      cookies: { '__Host-svodka_login': cookieOf(form, '__Host-svodka_login') },
      payload: { login: 'coord', password: PASSWORD, _csrf: hiddenValue(form.body, '_csrf') },
    });
    expect(ok.statusCode).toBe(303);
    const session = ([] as string[])
      .concat(ok.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('__Host-svodka_session='));
    expect(session).toMatch(/; Secure/i);
    expect(session).toMatch(/; HttpOnly/i);
    expect(session).not.toMatch(/Domain=/i);
    const page = await secure.inject({
      method: 'GET',
      url: '/quarters',
      cookies: { '__Host-svodka_session': cookieOf(ok, '__Host-svodka_session') },
    });
    expect(page.statusCode).toBe(200);
    const plain = await app.inject({ method: 'GET', url: '/login' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/i);
  });
});

describe('finding 9: abuse quotas', () => {
  it('limits uploads and answers per link per hour, whatever the address', async () => {
    const limited = await portal({ rateLimits: { upload: { limit: 2, windowMs: 60 * 60_000 } } });
    const token = await issueToken(t.db, { quarter: Q, municipality: 'novodugino' });
    const csrf = hiddenValue((await limited.inject({ method: 'GET', url: `/m/${token}` })).body, '_csrf');
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const upload = multipartBody(
        { _csrf: csrf },
        { name: 'file', fileName: 'a.docx', bytes: Buffer.from('PK') },
      );
      codes.push(
        (
          await limited.inject({
            method: 'POST',
            url: i % 2 ? `/%6D/${token}/upload` : `/m/${token}/upload`,
            remoteAddress: `192.0.2.${100 + i}`,
            ...upload,
          })
        ).statusCode,
      );
    }
    expect(codes).toEqual([303, 303, 429, 429]);
    expect(await t.db.upload.count({ where: { municipality: 'novodugino' } })).toBe(2);
  });

  it('refuses an upload past the bytes a municipality may store for a quarter', async () => {
    const small = await portal({ storageQuotaBytes: 1024 * 1024 });
    const token = await issueToken(t.db, { quarter: Q, municipality: 'roslavl' });
    const csrf = hiddenValue((await small.inject({ method: 'GET', url: `/m/${token}` })).body, '_csrf');
    const send = () =>
      small.inject({
        method: 'POST',
        url: `/m/${token}/upload`,
        ...multipartBody(
          { _csrf: csrf },
          { name: 'file', fileName: 'a.docx', bytes: Buffer.alloc(600 * 1024, 7) },
        ),
      });
    expect((await send()).statusCode).toBe(303);
    const second = await send();
    expect(second.statusCode).toBe(413);
    expect(second.body).toContain('Превышен объем');
    expect(await t.db.upload.count({ where: { municipality: 'roslavl' } })).toBe(1);
  });

  it('an answer of ~2 MB through the form is stored once in the database and reaches the workflow as an id', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'rudnya' });
    const csrf = hiddenValue((await app.inject({ method: 'GET', url: `/m/${token}` })).body, '_csrf');
    const count = 100;
    const cell = (i: number, key: string) => `${key}${i}-${'x'.repeat(4_500)}`;
    const body = new URLSearchParams({ _csrf: csrf, action: 'submit', count: String(count) });
    for (let i = 0; i < count; i++) {
      for (const key of ['title', 'place', 'purpose', 'participants']) body.set(`r${i}_${key}`, cell(i, key));
      body.set(`r${i}_dates`, '10.04.2023');
    }
    const payload = body.toString();
    expect(payload.length).toBeGreaterThan(1_800_000);
    const res = await app.inject({
      method: 'POST',
      url: `/m/${token}/form`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload,
    });
    expect(res.statusCode).toBe(303);
    await followReceipt(app, res);
    const update = temporal.calls.find((c) => c.kind === 'update' && c.name === 'submitUpdate');
    // What the workflow's history would hold: a few hundred bytes, not the rows.
    expect(JSON.stringify(update?.args).length).toBeLessThan(500);
    const uploads = await t.db.upload.findMany({ where: { municipality: 'rudnya' } });
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.size).toBeGreaterThan(1_800_000);
    expect(await t.db.blob.count({ where: { sha256: uploads[0]!.blobSha256 } })).toBe(1);
    const submission = await t.db.submission.findFirst({ where: { municipality: 'rudnya' } });
    expect(submission?.kind).toBe('rows');
    expect(submission?.channel).toBe('form');
    expect(submission?.rowCount).toBe(count);
    const stored = await t.db.submissionRow.findMany({
      where: { submissionId: submission!.id },
      orderBy: { position: 'asc' },
    });
    expect(stored).toHaveLength(count);
    expect(stored[42]!.title).toBe(cell(42, 'title'));
  });
});
