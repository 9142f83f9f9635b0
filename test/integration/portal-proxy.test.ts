// The portal behind a real reverse proxy (Debian's nginx, started here on a free loopback port), as
// a deployment runs it: people sign in through the proxy, rate limits count each client's own
// address (X-Forwarded-For set by the proxy, believed only from the proxy), and what an attacker
// sends straight to the portal — a forged X-Forwarded-For, a forged X-Remote-User even with the
// right secret — changes nothing. Clients come from distinct loopback addresses (127.0.0.2, .3, …).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createUser } from '../../client/web/auth';
import { createTestDb, fakeTemporal, hiddenValue, quarterStatus, testPortal } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';
import { freePort } from '../support/stack';

const NGINX = '/usr/sbin/nginx';
const PASSWORD = 'Krasnyi-Bor-1957';
const SECRET = 'proxy-secret-shared-with-nginx-0123';

type Res = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** One HTTP request from a chosen local (source) address. */
function http(
  url: string,
  options: { method?: string; from: string; headers?: Record<string, string>; body?: string },
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        localAddress: options.from,
        headers: {
          ...(options.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function cookie(res: Res, name: string): string {
  const line = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no cookie ${name}`);
  return line.split(';')[0]!;
}

let t: TestDb;
let app: FastifyInstance;
let nginx: ChildProcess;
let dir: string;
let portal: string;
let proxy: string;
let sso: string;

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await http(`${url}/healthz`, { from: '127.0.0.1' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not come up`);
}

beforeAll(async () => {
  t = await createTestDb();
  const temporal = fakeTemporal(t.db);
  temporal.statuses.set('2023-Q2', quarterStatus('2023-Q2'));
  await createUser(t.db, {
    login: 'coord',
    name: 'Координатор Тестов',
    role: 'coordinator',
    password: PASSWORD,
  });
  app = await testPortal(t.db, temporal.client, {
    trustedProxies: ['127.0.0.1'],
    trustProxyAuth: true,
    proxySecret: SECRET,
    rateLimits: { login: { limit: 3, windowMs: 60_000 } },
  });
  const portalPort = await freePort();
  await app.listen({ port: portalPort, host: '127.0.0.1' });
  portal = `http://127.0.0.1:${portalPort}`;

  const [proxyPort, ssoPort] = [await freePort(), await freePort()];
  proxy = `http://127.0.0.1:${proxyPort}`;
  sso = `http://127.0.0.1:${ssoPort}`;
  dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-nginx-'));
  mkdirSync(path.join(dir, 'tmp'));
  writeFileSync(path.join(dir, 'htpasswd'), 'ivanov:{PLAIN}sso-password\n');
  // The usual set-up: X-Forwarded-For replaced (not appended) by the client's address, the identity
  // headers set by the proxy alone (an empty value removes what the client sent), and the secret.
  const common = `
      proxy_pass ${portal};
      proxy_bind 127.0.0.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Svodka-Proxy-Secret "${SECRET}";`;
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${proxyPort};
    location / {${common}
      proxy_set_header X-Remote-User "";
      proxy_set_header X-Remote-Role "";
    }
  }
  server {
    listen 127.0.0.1:${ssoPort};
    location / {
      auth_basic "svodka";
      auth_basic_user_file ${dir}/htpasswd;${common}
      proxy_set_header X-Remote-User $remote_user;
      proxy_set_header X-Remote-Role coordinator;
    }
  }
}
`,
  );
  nginx = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor(proxy);
  await waitFor(sso);
});

afterAll(async () => {
  if (nginx?.pid) {
    nginx.kill('SIGTERM');
    await new Promise((r) => nginx.once('exit', r));
  }
  await app?.close();
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function signInThrough(base: string, from: string, password: string): Promise<Res> {
  const form = await http(`${base}/login`, { from });
  const login = cookie(form, 'svodka_login');
  return http(`${base}/login`, {
    method: 'POST',
    from,
    headers: { cookie: login },
    body: new URLSearchParams({
      login: 'coord',
      password,
      _csrf: hiddenValue(form.body, '_csrf'),
    }).toString(),
  });
}

describe('the portal behind nginx', () => {
  it("signs in through the proxy, with the client's own address in the audit log", async () => {
    const ok = await signInThrough(proxy, '127.0.0.4', PASSWORD);
    expect(ok.status).toBe(303);
    const page = await http(`${proxy}/quarters`, {
      from: '127.0.0.4',
      headers: { cookie: cookie(ok, 'svodka_session') },
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Координатор Тестов');
    const entry = await t.db.auditEntry.findFirst({
      where: { action: 'web.login' },
      orderBy: { id: 'desc' },
    });
    expect(entry?.origin).toBe('web@127.0.0.4');
  });

  it("rate-limits each client by its real address, not the proxy's", async () => {
    const codes = async (from: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await signInThrough(proxy, from, 'wrong-password-xx')).status);
      return out;
    };
    // Three tries each (the limit), and the fourth of 127.0.0.2 is refused…
    expect(await codes('127.0.0.2', 4)).toEqual([401, 401, 401, 429]);
    // …while 127.0.0.3, behind the same proxy, is not held up by its neighbour.
    expect((await codes('127.0.0.3', 1))[0]).toBe(401);
    const failed = await t.db.auditEntry.findFirst({
      where: { action: 'web.login.failed' },
      orderBy: { id: 'desc' },
    });
    expect(failed?.origin).toBe('web@127.0.0.3');
    // The lockout after 5 failures would now hold coord: lift it for the tests that follow.
    await t.db.user.updateMany({ data: { failedLogins: 0, lockedUntil: null } });
  });

  it('ignores a forged X-Forwarded-For sent straight to the portal', async () => {
    const out: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await http(`${portal}/login`, {
        method: 'POST',
        from: '127.0.0.5',
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
        body: 'login=coord&password=x&_csrf=x',
      });
      out.push(res.status);
    }
    // Forged headers do not give a fresh bucket: the fourth is refused.
    expect(out).toEqual([403, 403, 403, 429, 429]);
  });

  it('takes X-Remote-User only from the proxy: the SSO block signs in, forged headers do not', async () => {
    const remote = { 'x-remote-user': 'ivanov', 'x-remote-role': 'coordinator' };
    // Through the authenticating block, with the proxy's own Basic authentication.
    const auth = `Basic ${Buffer.from('ivanov:sso-password').toString('base64')}`;
    const viaSso = await http(`${sso}/quarters`, { from: '127.0.0.6', headers: { authorization: auth } });
    expect(viaSso.status).toBe(200);
    expect(viaSso.body).toContain('ivanov');
    expect((await http(`${sso}/quarters`, { from: '127.0.0.6' })).status).toBe(401);
    // Through the plain block: the proxy strips what the client claims.
    expect((await http(`${proxy}/quarters`, { from: '127.0.0.6', headers: remote })).status).toBe(303);
    // Straight to the portal, even knowing the secret: not from the proxy's address.
    const direct = await http(`${portal}/quarters`, {
      from: '127.0.0.7',
      headers: { ...remote, 'x-svodka-proxy-secret': SECRET, 'x-forwarded-for': '127.0.0.1' },
    });
    expect(direct.status).toBe(303);
    expect(direct.headers.location).toContain('/login');
  });
});
