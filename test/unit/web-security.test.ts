// The portal's defences over HTTP (fastify.inject): headers, CSRF, the upload limit, rate limits,
// sign-in and roles, and errors that are Russian pages with a 4xx, never a stack trace.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { issueToken } from '../../infrastructure/tokens';
import { MAX_UPLOAD_BYTES } from '../../infrastructure/uploads';
import { createUser } from '../../client/web/auth';
import {
  createTestDb,
  fakeTemporal,
  hiddenValue,
  multipartBody,
  quarterStatus,
  testPortal,
  answerPage,
} from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';

const Q = '2023-Q2';
let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;

function cookieOf(res: LightMyRequestResponse, name: string): string {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const line = set.find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no cookie ${name} in ${JSON.stringify(set)}`);
  return line.split(';')[0]!.slice(name.length + 1);
}

async function signIn(login: string, password: string, ip = '10.0.0.1'): Promise<LightMyRequestResponse> {
  const form = await app.inject({ method: 'GET', url: '/login', remoteAddress: ip });
  const csrf = hiddenValue(form.body, '_csrf');
  return app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: ip,
    cookies: { svodka_login: cookieOf(form, 'svodka_login') },
    payload: { login, password, _csrf: csrf, next: '/quarters' },
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
    password: 'Krasnyi-Bor-1957',
  });
  await createUser(t.db, {
    login: 'aud',
    name: 'Аудитор Тестов',
    role: 'auditor',
    password: 'Zelenaya-Lampa-42',
  });
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});
beforeEach(() => {
  temporal.statuses.set(Q, quarterStatus(Q));
  temporal.calls.length = 0;
});

describe('headers', () => {
  it('sends a strict CSP and the other security headers on pages and errors', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'vyazma' });
    for (const url of ['/login', `/m/${token}`, '/no-such-page', '/m/bad-token', '/static/app.css']) {
      const res = await app.inject({ method: 'GET', url });
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    const page = await app.inject({ method: 'GET', url: `/m/${token}` });
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).not.toMatch(/<script|style="|onclick=/i);
    expect(page.body).toContain('<html lang="ru">');
  });

  it('answers /healthz once the database is reachable', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });
});

describe('CSRF', () => {
  it('refuses a municipality POST without or with a wrong token', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'gagarin' });
    for (const csrf of [
      undefined,
      '',
      'forged',
      hiddenValue(
        (
          await app.inject({
            method: 'GET',
            url: `/m/${await issueToken(t.db, { quarter: Q, municipality: 'gagarin' })}`,
          })
        ).body,
        '_csrf',
      ),
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: `/m/${token}/nil`,
        payload: { confirm: 'yes', ...(csrf === undefined ? {} : { _csrf: csrf }) },
      });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('Форма устарела');
    }
    const upload = multipartBody({}, { name: 'file', fileName: 'a.docx', bytes: Buffer.from('PK') });
    expect((await app.inject({ method: 'POST', url: `/m/${token}/upload`, ...upload })).statusCode).toBe(403);
    const form = await app.inject({
      method: 'POST',
      url: `/m/${token}/form`,
      payload: { action: 'submit', count: '1', r0_title: 'x' },
    });
    expect(form.statusCode).toBe(403);
    expect(temporal.calls.filter((c) => c.kind === 'update')).toHaveLength(0);
  });

  it('refuses a sign-in without the double-submit cookie and coordinator POSTs without the session token', async () => {
    const noCookie = await app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: '10.0.0.9',
      payload: { login: 'coord', password: 'Krasnyi-Bor-1957', _csrf: 'x' },
    });
    expect(noCookie.statusCode).toBe(403);
    expect(noCookie.headers['set-cookie'] ?? '').not.toContain('svodka_session');
    const ok = await signIn('coord', 'Krasnyi-Bor-1957', '10.0.0.9');
    const session = cookieOf(ok, 'svodka_session');
    const res = await app.inject({
      method: 'POST',
      url: `/quarters/${Q}/close`,
      cookies: { svodka_session: session },
      payload: { confirm: 'yes', _csrf: 'forged' },
    });
    expect(res.statusCode).toBe(403);
    expect(temporal.calls.filter((c) => c.name === 'closeSignal')).toHaveLength(0);
  });
});

describe('upload limit', () => {
  it('answers a file over 10 MiB with a Russian 413 page', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'glinka' });
    const csrf = hiddenValue((await app.inject({ method: 'GET', url: `/m/${token}` })).body, '_csrf');
    const body = multipartBody(
      { _csrf: csrf },
      { name: 'file', fileName: 'большой.docx', bytes: Buffer.alloc(MAX_UPLOAD_BYTES + 1, 1) },
    );
    const res = await app.inject({ method: 'POST', url: `/m/${token}/upload`, ...body });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('Файл слишком большой');
    expect(res.body).toContain('10 МБ');
    expect(await t.db.upload.count({ where: { municipality: 'glinka' } })).toBe(0);
  });

  it('takes a file of exactly 10 MiB to the workflow (rejected there as not a DOCX)', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'krasny' });
    const csrf = hiddenValue((await app.inject({ method: 'GET', url: `/m/${token}` })).body, '_csrf');
    const body = multipartBody(
      { _csrf: csrf },
      { name: 'file', fileName: '../../etc/passwd', bytes: Buffer.alloc(MAX_UPLOAD_BYTES, 1) },
    );
    const res = await app.inject({ method: 'POST', url: `/m/${token}/upload`, ...body });
    expect(res.statusCode).toBe(303);
    const upload = await t.db.upload.findFirst({ where: { municipality: 'krasny' } });
    expect(upload?.fileName).toBe('passwd'); // a label only, never a path
    expect(upload?.channel).toBe('web');
    const result = await answerPage(app, res);
    expect(result.body).toContain('не приняты');
  });

  it('answers a form body over its limit with a 413 page', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'yelnya' });
    const res = await app.inject({
      method: 'POST',
      url: `/m/${token}/form`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `r0_title=${'x'.repeat(3 * 1024 * 1024)}`,
    });
    expect(res.statusCode).toBe(413);
    expect(res.body).toContain('слишком большой');
  });
});

describe('rate limits', () => {
  it('limits token pages per IP with a Russian 429 page', async () => {
    const limited = await testPortal(t.db, temporal.client, {
      rateLimits: { token: { limit: 5, windowMs: 60_000 } },
    });
    try {
      const token = await issueToken(t.db, { quarter: Q, municipality: 'dorogobuzh' });
      const codes: number[] = [];
      for (let i = 0; i < 7; i++)
        codes.push(
          (await limited.inject({ method: 'GET', url: `/m/${token}`, remoteAddress: '192.0.2.7' }))
            .statusCode,
        );
      expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const res = await limited.inject({
        method: 'GET',
        url: `/m/${'B'.repeat(43)}`,
        remoteAddress: '192.0.2.7',
      });
      expect(res.statusCode).toBe(429);
      expect(res.body).toContain('Слишком много запросов');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // The blank templates are built per request (CPU): each is limited per address as well.
      for (const [ext, address] of [
        ['docx', '192.0.2.21'],
        ['xlsx', '192.0.2.22'],
      ] as const) {
        const codes: number[] = [];
        for (let i = 0; i < 6; i++)
          codes.push(
            (
              await limited.inject({
                method: 'GET',
                url: `/m/${token}/template.${ext}`,
                remoteAddress: address,
              })
            ).statusCode,
          );
        expect(codes.slice(0, 5), ext).not.toContain(429);
        expect(codes[5], ext).toBe(429);
      }
      // Another address is not affected.
      expect(
        (await limited.inject({ method: 'GET', url: `/m/${token}`, remoteAddress: '192.0.2.8' })).statusCode,
      ).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('allows 60 token requests a minute by default and 10 sign-in attempts', async () => {
    const fresh = await testPortal(t.db, temporal.client);
    try {
      const codes = new Map<number, number>();
      for (let i = 0; i < 61; i++) {
        const code = (
          await fresh.inject({ method: 'GET', url: `/m/${'C'.repeat(43)}`, remoteAddress: '198.51.100.1' })
        ).statusCode;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      expect(Object.fromEntries(codes)).toEqual({ 404: 60, 429: 1 });
      const attempts: number[] = [];
      for (let i = 0; i < 11; i++) {
        attempts.push(
          (
            await fresh.inject({
              method: 'POST',
              url: '/login',
              remoteAddress: '198.51.100.2',
              payload: { login: 'coord', password: 'wrong' },
            })
          ).statusCode,
        );
      }
      expect(attempts.slice(0, 10).every((c) => c === 403)).toBe(true);
      expect(attempts[10]).toBe(429);
    } finally {
      await fresh.close();
    }
  });
});

describe('sign-in and roles', () => {
  it('signs in with a HttpOnly SameSite=Lax session cookie and refuses a wrong password', async () => {
    const bad = await signIn('coord', 'not-the-password', '10.0.1.1');
    expect(bad.statusCode).toBe(401);
    expect(bad.body).toContain('Неверное имя пользователя или пароль');
    const unknown = await signIn('nobody', 'whatever-password', '10.0.1.1');
    expect(unknown.statusCode).toBe(401);
    const ok = await signIn('coord', 'Krasnyi-Bor-1957', '10.0.1.1');
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/quarters');
    const set = ([] as string[])
      .concat(ok.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('svodka_session='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    const session = cookieOf(ok, 'svodka_session');
    const stored = await t.db.webSession.findMany();
    expect(stored.some((s) => s.id === session)).toBe(false); // only the hash is stored
    const page = await app.inject({ method: 'GET', url: '/quarters', cookies: { svodka_session: session } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Координатор Тестов');
    expect(page.body).toContain('Запустить сбор сведений');
  });

  it('sends anonymous visitors to sign-in and expired sessions too', async () => {
    const res = await app.inject({ method: 'GET', url: `/quarters/${Q}` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(`/quarters/${Q}`)}`);
    const ok = await signIn('coord', 'Krasnyi-Bor-1957', '10.0.1.2');
    const session = cookieOf(ok, 'svodka_session');
    await t.db.webSession.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await app.inject({
      method: 'GET',
      url: '/quarters',
      cookies: { svodka_session: session },
    });
    expect(expired.statusCode).toBe(303);
    expect(
      (await app.inject({ method: 'POST', url: `/quarters/${Q}/close`, payload: { confirm: 'yes' } }))
        .statusCode,
    ).toBe(303);
  });

  it('lets an auditor read but answers every coordinator action with a 403 page', async () => {
    const ok = await signIn('aud', 'Zelenaya-Lampa-42', '10.0.1.3');
    const session = cookieOf(ok, 'svodka_session');
    const cookies = { svodka_session: session };
    const status = await app.inject({ method: 'GET', url: `/quarters/${Q}`, cookies });
    expect(status.statusCode).toBe(200);
    expect(status.body).not.toContain('Закрыть прием');
    expect(status.body).not.toContain('Напомнить</button>');
    const csrf = hiddenValue(status.body, '_csrf');
    const actions: [string, Record<string, string>][] = [
      ['/quarters', { quarter: '2024-Q1' }],
      [`/quarters/${Q}/close`, { confirm: 'yes' }],
      [`/quarters/${Q}/m/vyazma/extend`, { until: '2099-08-01' }],
      [`/quarters/${Q}/m/vyazma/excuse`, { reason: 'x' }],
      [`/quarters/${Q}/m/vyazma/remind`, {}],
      [`/quarters/${Q}/m/vyazma/reopen`, { comment: 'x' }],
      [`/quarters/${Q}/m/vyazma/link`, {}],
      [`/quarters/${Q}/approve`, { signer: 'X', position: 'Y' }],
    ];
    for (const [url, payload] of actions) {
      const res = await app.inject({ method: 'POST', url, cookies, payload: { ...payload, _csrf: csrf } });
      expect(res.statusCode, url).toBe(403);
      expect(res.body).toContain('Доступ запрещен');
    }
    expect(temporal.calls.filter((c) => c.kind !== 'query')).toHaveLength(0);
    const audit = await app.inject({ method: 'GET', url: `/quarters/${Q}/audit`, cookies });
    expect(audit.statusCode).toBe(200);
    expect(audit.body).toContain('http://temporal-ui.test/namespaces/default/workflows/quarter%2F2023-Q2');
  });

  it('trusts X-Remote-User / X-Remote-Role only when configured', async () => {
    const secretHeader = { 'x-svodka-proxy-secret': 'proxy-shared-secret-0123456789' };
    const remote = { 'x-remote-user': 'ivanov', 'x-remote-role': 'coordinator' };
    expect(
      (await app.inject({ method: 'GET', url: '/quarters', headers: { ...remote, ...secretHeader } }))
        .statusCode,
    ).toBe(303);
    const proxied = await testPortal(t.db, temporal.client, {
      trustProxyAuth: true,
      trustedProxies: ['127.0.0.1'],
      proxySecret: secretHeader['x-svodka-proxy-secret'],
    });
    try {
      const first = await proxied.inject({
        method: 'GET',
        url: '/quarters',
        headers: { ...remote, ...secretHeader },
      });
      expect(first.statusCode).toBe(200);
      expect(first.body).toContain('ivanov');
      const cookies = { svodka_proxy: cookieOf(first, 'svodka_proxy') };
      const headers = { ...remote, ...secretHeader, cookie: `svodka_proxy=${cookies.svodka_proxy}` };
      const page = await proxied.inject({ method: 'GET', url: '/quarters', headers });
      const csrf = hiddenValue(page.body, '_csrf');
      const auditorTry = await proxied.inject({
        method: 'POST',
        url: `/quarters/${Q}/close`,
        headers: { ...headers, 'x-remote-role': 'auditor' },
        payload: { confirm: 'yes', _csrf: csrf },
      });
      expect(auditorTry.statusCode).toBe(403);
      const badRole = await proxied.inject({
        method: 'GET',
        url: '/quarters',
        headers: { ...headers, 'x-remote-role': 'admin' },
      });
      expect(badRole.statusCode).toBe(403);
      const close = await proxied.inject({
        method: 'POST',
        url: `/quarters/${Q}/close`,
        headers,
        payload: { confirm: 'yes', _csrf: csrf },
      });
      expect(close.statusCode).toBe(303);
      // The proxy's user is who closes: the workflow's audit entry takes the actor from the signal.
      const signal = temporal.calls.filter((c) => c.name === 'closeSignal').at(-1);
      expect(signal?.args[0]).toMatchObject({ actor: 'ivanov', action: { actor: 'ivanov' } });
    } finally {
      await proxied.close();
    }
  });
});

describe('errors', () => {
  it('are Russian pages with a 4xx for bad input, never a stack trace', async () => {
    const ok = await signIn('coord', 'Krasnyi-Bor-1957', '10.0.2.1');
    const cookies = { svodka_session: cookieOf(ok, 'svodka_session') };
    const cases: {
      method: 'GET' | 'POST';
      url: string;
      payload?: string;
      headers?: Record<string, string>;
      status: number;
    }[] = [
      { method: 'GET', url: '/quarters/2023-Q9', status: 404 },
      { method: 'GET', url: '/quarters/2031-Q1', status: 404 },
      { method: 'GET', url: `/quarters/${Q}/m/atlantis`, status: 404 },
      { method: 'GET', url: `/quarters/${Q}/report.docx?kind=final`, status: 404 },
      {
        method: 'POST',
        url: '/quarters',
        payload: 'quarter=2023-Q7',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 403,
      },
      {
        method: 'POST',
        url: `/quarters/${Q}/close`,
        payload: '{"broken json',
        headers: { 'content-type': 'application/json' },
        status: 400,
      },
      {
        method: 'POST',
        url: `/quarters/${Q}/close`,
        payload: '<x/>',
        headers: { 'content-type': 'application/xml' },
        status: 415,
      },
      { method: 'GET', url: `/m/${'%'.repeat(10)}`, status: 400 },
    ];
    for (const c of cases) {
      const res = await app.inject({
        method: c.method,
        url: c.url,
        payload: c.payload,
        headers: c.headers,
        cookies,
      });
      expect(res.statusCode, c.url).toBe(c.status);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('lang="ru"');
      expect(res.body).not.toMatch(/at .*\.ts:\d+|Error:|stack/);
    }
    // Broken multipart bodies on a municipality's upload: 400, not 500.
    const token = await issueToken(t.db, { quarter: Q, municipality: 'pochinok' });
    for (const [type, payload] of [
      ['multipart/form-data', 'garbage'],
      [
        'multipart/form-data; boundary=xyz',
        '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.docx"\r\n\r\nPKtrunc',
      ],
      ['application/x-www-form-urlencoded', 'file=PK'],
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: `/m/${token}/upload`,
        headers: { 'content-type': type! },
        payload,
      });
      expect(res.statusCode, type).toBe(400);
      expect(res.body).toContain('lang="ru"');
    }
    const page = await app.inject({ method: 'GET', url: '/quarters', cookies });
    const csrf = hiddenValue(page.body, '_csrf');
    const badQuarter = await app.inject({
      method: 'POST',
      url: '/quarters',
      cookies,
      payload: { quarter: '2023-Q7', _csrf: csrf },
    });
    expect(badQuarter.statusCode).toBe(400);
    expect(badQuarter.body).toContain('Не удалось распознать квартал');
    const badDate = await app.inject({
      method: 'POST',
      url: `/quarters/${Q}/m/vyazma/extend`,
      cookies,
      payload: { until: '31.12.2023', _csrf: csrf },
    });
    expect(badDate.statusCode).toBe(400);
    expect(badDate.body).toContain('ГГГГ-ММ-ДД');
  });
});
