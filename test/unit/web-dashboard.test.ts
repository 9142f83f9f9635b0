// The portal's dashboard pages with a fake Temporal and a real database: a tree quarter's page and
// a municipality's page (no longer «0 из 0» and a 404), and /timeliness across quarters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import { createTestDb, fakeTemporal, quarterStatus, signInAs, testPortal } from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';

let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;
let coordinator: Record<string, string>;
let auditor: Record<string, string>;
let hashes = 0;

async function audit(
  quarter: string,
  municipality: string | null,
  action: string,
  detail: object,
  at?: string,
) {
  await t.db.auditEntry.create({
    data: {
      quarter,
      municipality,
      action,
      actor: 'coord',
      origin: 'test',
      detail: JSON.stringify(detail),
      prevHash: '',
      hash: `h${++hashes}`,
      ...(at ? { at: new Date(at) } : {}),
    },
  });
}

async function accepted(quarter: string, code: string, at: string) {
  await t.db.submission.create({
    data: {
      id: `${quarter}-${code}`,
      quarter,
      municipality: code,
      version: 1,
      kind: 'nil',
      channel: 'web',
      status: 'accepted',
      findings: '[]',
      rowCount: 0,
      createdAt: new Date(at),
    },
  });
}

beforeAll(async () => {
  t = await createTestDb();
  temporal = fakeTemporal(t.db);
  app = await testPortal(t.db, temporal.client);
  coordinator = await signInAs(app, t.db, {
    login: 'coord',
    name: 'Координатор',
    role: 'coordinator',
    password: 'Zvezda-Dnepr-7311',
  });
  auditor = await signInAs(app, t.db, {
    login: 'aud',
    name: 'Аудитор',
    role: 'auditor',
    password: 'Tikhaya-Gavan-3141',
  });
  // Two closed quarters: Q1 2024 due 8 May (over the May holidays), Q4 2023 due 10 January.
  await audit(
    '2023-Q4',
    null,
    'quarter.start',
    { deadline: '2024-01-10', timeScale: 1 },
    '2024-01-01T09:00:00Z',
  );
  await audit(
    '2024-Q1',
    null,
    'quarter.start',
    { deadline: '2024-05-08', timeScale: 1 },
    '2024-04-01T09:00:00Z',
  );
  for (const q of ['2023-Q4', '2024-Q1']) {
    await audit(q, null, 'quarter.close', {});
    for (const m of SMOLENSK_MUNICIPALITIES.slice(2))
      await accepted(q, m.code, q === '2024-Q1' ? '2024-05-06T09:00:00Z' : '2024-01-09T09:00:00Z');
  }
  // Velizh is late both times; Vyazma (the third) extended to 15 May and met it; Smolensk never answered.
  await accepted('2023-Q4', 'velizh', '2024-01-12T09:00:00Z');
  await accepted('2024-Q1', 'velizh', '2024-05-14T09:00:00Z');
  await t.db.submission.update({
    where: { id: '2024-Q1-vyazma' },
    data: { createdAt: new Date('2024-05-15T09:00:00Z') },
  });
  await audit('2024-Q1', 'vyazma', 'quarter.extend', { until: '2024-05-15' });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('a tree quarter on the portal', () => {
  it('shows counts and rows for every municipality, and each one has a page', async () => {
    temporal.statuses.set(
      '2024-Q1',
      quarterStatus('2024-Q1', {
        municipalities: [],
        counts: { accepted: 26, not_submitted: 1 },
        total: 27,
        groups: 3,
        closed: true,
        deadline: '2024-05-08',
      }),
    );
    const page = await app.inject({ method: 'GET', url: '/quarters/2024-Q1', cookies: coordinator });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('0 из 0');
    expect(page.body).toContain('Готово 27 из 27');
    expect(page.body).toContain('принято — 26');
    expect(page.body).toContain('опоздание: 2 рабочих дня');
    const filtered = await app.inject({
      method: 'GET',
      url: '/quarters/2024-Q1?state=not_submitted',
      cookies: coordinator,
    });
    expect(filtered.body).toMatch(/[Гг]ород Смоленск/);
    expect(filtered.body).not.toContain('Вяземский');
    const one = await app.inject({ method: 'GET', url: '/quarters/2024-Q1/m/velizh', cookies: coordinator });
    expect(one.statusCode).toBe(200);
    expect(one.body).toContain('принято');
    const none = await app.inject({
      method: 'GET',
      url: '/quarters/2024-Q1/m/nowhere',
      cookies: coordinator,
    });
    expect(none.statusCode).toBe(404);
  });

  it('escapes what the address carries back into the page, and ignores a state it does not know', async () => {
    const page = await app.inject({
      method: 'GET',
      url: `/quarters/2024-Q1?q=${encodeURIComponent('"><script>alert(1)</script>')}&state=drop&page=abc`,
      cookies: coordinator,
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).toContain('&quot;&gt;&lt;script&gt;');
    expect(page.body).toContain('Ничего не найдено.');
  });
});

describe('/timeliness', () => {
  it('ranks the chronically late first, with working days late and each quarter’s share on time', async () => {
    const page = await app.inject({ method: 'GET', url: '/timeliness', cookies: coordinator });
    expect(page.statusCode).toBe(200);
    const rows = [...page.body.matchAll(/<tr>\s*<td>([^<]+)<\/td>/g)].map((m) => m[1]);
    // Velizh was late twice (4 working days in all), Smolensk never answered; then the rest in region order.
    expect(rows.slice(0, 3)).toEqual([
      expect.stringContaining('Велижский'),
      expect.stringMatching(/[Гг]ород Смоленск/),
      expect.stringContaining('Вяземский'),
    ]);
    // Velizh: 2 working days late on 10 Jan 2024 (11 and 12 Jan), 2 on 8 May (13 and 14 May).
    expect(page.body).toContain('опоздание: 2 рабочих дня');
    // Q1: 25 on time (Vyazma within its extension), Velizh late, Smolensk missing: 25 of 27.
    expect(page.body).toContain(`${Math.round((25 / 27) * 100)} %`);
    const lateOnly = await app.inject({ method: 'GET', url: '/timeliness?late=1', cookies: coordinator });
    expect(lateOnly.body).toContain('Найдено: 2.');
  });

  it('is for coordinators', async () => {
    const page = await app.inject({ method: 'GET', url: '/timeliness', cookies: auditor });
    expect(page.statusCode).toBe(403);
    const anonymous = await app.inject({ method: 'GET', url: '/timeliness' });
    expect(anonymous.statusCode).toBe(303);
  });
});
