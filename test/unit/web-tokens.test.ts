// Municipality access tokens: the activity functions, and through HTTP that a token opens exactly
// one municipality of one quarter — forged, expired, revoked and cross-municipality use all fail.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  issueToken,
  resolveToken,
  revokeMunicipalityTokens,
  revokeQuarterTokens,
  tokenHash,
} from '../../infrastructure/tokens';
import {
  createTestDb,
  fakeTemporal,
  followReceipt,
  hiddenValue,
  multipartBody,
  quarterStatus,
  testPortal,
} from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';

const Q = '2023-Q2';
let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;

beforeAll(async () => {
  t = await createTestDb();
  temporal = fakeTemporal(t.db);
  app = await testPortal(t.db, temporal.client, {
    rateLimits: { token: { limit: 10_000, windowMs: 60_000 } },
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

describe('tokens (infrastructure/tokens.ts)', () => {
  it('issues 256-bit base64url tokens and stores only their SHA-256', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'vyazma' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const rows = await t.db.accessToken.findMany({ where: { hash: tokenHash(token) } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await t.db.accessToken.findMany())).not.toContain(token);
    expect(await resolveToken(t.db, token)).toEqual({ quarter: Q, municipality: 'vyazma' });
  });

  it('rejects forged, malformed, expired and revoked tokens', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'velizh' });
    const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    expect(await resolveToken(t.db, flipped)).toBeNull();
    expect(await resolveToken(t.db, `${token}x`)).toBeNull();
    expect(await resolveToken(t.db, '')).toBeNull();
    expect(await resolveToken(t.db, tokenHash(token))).toBeNull(); // the stored hash opens nothing

    const expiring = await issueToken(t.db, {
      quarter: Q,
      municipality: 'velizh',
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect(await resolveToken(t.db, expiring)).not.toBeNull();
    expect(await resolveToken(t.db, expiring, new Date(Date.now() + 120_000))).toBeNull();

    expect(await revokeMunicipalityTokens(t.db, Q, 'velizh')).toBe(2);
    expect(await resolveToken(t.db, token)).toBeNull();
    const other = await issueToken(t.db, { quarter: '2023-Q3', municipality: 'velizh' });
    const again = await issueToken(t.db, { quarter: Q, municipality: 'gagarin' });
    expect(await revokeQuarterTokens(t.db, Q)).toBeGreaterThanOrEqual(1);
    expect(await resolveToken(t.db, again)).toBeNull();
    expect(await resolveToken(t.db, other)).not.toBeNull();
  });
});

describe('token pages over HTTP', () => {
  it('forged, expired and revoked tokens get the same Russian 404 page', async () => {
    const expired = await issueToken(t.db, {
      quarter: Q,
      municipality: 'demidov',
      expiresAt: new Date(Date.now() - 1000),
    });
    const revoked = await issueToken(t.db, { quarter: Q, municipality: 'demidov' });
    await revokeMunicipalityTokens(t.db, Q, 'demidov');
    const forged = 'A'.repeat(43);
    for (const token of [expired, revoked, forged, 'short', '..%2F..%2Fetc%2Fpasswd']) {
      for (const url of [
        `/m/${token}`,
        `/m/${token}/template.docx`,
        `/m/${token}/form`,
        `/m/${token}/versions/1`,
      ]) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(404);
        expect(res.body).toContain('Ссылка недействительна');
        expect(res.body).not.toContain('Демидовский');
      }
      const post = await app.inject({
        method: 'POST',
        url: `/m/${token}/nil`,
        payload: { confirm: 'yes', _csrf: 'x' },
      });
      expect(post.statusCode).toBe(404);
    }
    expect(temporal.calls.filter((c) => c.kind === 'update')).toHaveLength(0);
  });

  it('a token for municipality A never reads or writes B', async () => {
    const a = await issueToken(t.db, { quarter: Q, municipality: 'glinka' });
    const b = await issueToken(t.db, { quarter: Q, municipality: 'ershichi' });

    // B answers (nil) through its own page.
    const bPage = await app.inject({ method: 'GET', url: `/m/${b}` });
    expect(bPage.statusCode).toBe(200);
    const bCsrf = hiddenValue(bPage.body, '_csrf');
    const bNil = await app.inject({
      method: 'POST',
      url: `/m/${b}/nil`,
      payload: { confirm: 'yes', _csrf: bCsrf },
    });
    expect(bNil.statusCode).toBe(303);
    expect((await followReceipt(app, bNil)).headers.location).toBe(`/m/${b}/versions/1`);

    // A's page names A only, and shows none of B's answers.
    const aPage = await app.inject({ method: 'GET', url: `/m/${a}` });
    expect(aPage.body).toContain('Глинковский район');
    expect(aPage.body).not.toContain('Ершичский');
    expect(aPage.body).toContain('Вы еще не отправляли');
    const aVersion = await app.inject({ method: 'GET', url: `/m/${a}/versions/1` });
    expect(aVersion.statusCode).toBe(404);
    expect(aVersion.body).not.toContain('Ершичский');

    // B's CSRF token does not work on A's page, and A's page writes only A's workflow.
    const aCsrf = hiddenValue(aPage.body, '_csrf');
    expect(aCsrf).not.toBe(bCsrf);
    const crossed = await app.inject({
      method: 'POST',
      url: `/m/${a}/nil`,
      payload: { confirm: 'yes', _csrf: bCsrf },
    });
    expect(crossed.statusCode).toBe(403);
    expect(crossed.body).toContain('Форма устарела');
    const own = await app.inject({
      method: 'POST',
      url: `/m/${a}/nil`,
      payload: { confirm: 'yes', _csrf: aCsrf },
    });
    expect(own.statusCode).toBe(303);
    await followReceipt(app, own);
    // A's receipt is not B's to read.
    expect((await app.inject({ method: 'GET', url: own.headers.location!.replace(a, b) })).statusCode).toBe(
      404,
    );
    const updates = temporal.calls.filter((c) => c.kind === 'update');
    expect(updates.map((c) => c.workflowId)).toEqual([`quarter/${Q}/ershichi`, `quarter/${Q}/glinka`]);
    // The municipality is the actor, the web the origin.
    const entries = await t.db.auditEntry.findMany({
      where: { quarter: Q, action: 'submission' },
      orderBy: { id: 'asc' },
    });
    expect(entries.map((e) => [e.municipality, e.actor])).toEqual([
      ['ershichi', 'ershichi'],
      ['glinka', 'glinka'],
    ]);
    expect(entries[0]!.origin).toMatch(/^web@/);

    // A form posted with A's token cannot name another municipality: there is no field for it.
    const form = await app.inject({ method: 'GET', url: `/m/${a}/form` });
    expect(form.body).not.toContain('ershichi');
  });

  it('a token of one quarter opens nothing of another quarter', async () => {
    const q3 = await issueToken(t.db, { quarter: '2023-Q3', municipality: 'krasny' });
    const res = await app.inject({ method: 'GET', url: `/m/${q3}` });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('еще не начат');
    expect(temporal.calls.every((c) => c.workflowId.startsWith('quarter/2023-Q3'))).toBe(true);
  });

  it('a closed or signed-off quarter makes the token useless: «закрыт», no actions', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'kardymovo' });
    const open = await app.inject({ method: 'GET', url: `/m/${token}` });
    const csrf = hiddenValue(open.body, '_csrf');
    for (const patch of [
      { closed: true },
      { phase: 'approved' as const, closed: true, finalReportId: 'r', finalSha256: 'a'.repeat(64) },
    ]) {
      temporal.statuses.set(Q, quarterStatus(Q, patch));
      const page = await app.inject({ method: 'GET', url: `/m/${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Сбор сведений за II квартал 2023 года закрыт');
      expect(page.body).not.toContain('<form');
      const nil = await app.inject({
        method: 'POST',
        url: `/m/${token}/nil`,
        payload: { confirm: 'yes', _csrf: csrf },
      });
      // The answer is received at once; the workflow's refusal reaches its receipt page.
      const refused = await followReceipt(app, nil);
      expect(refused.statusCode).toBe(409);
      expect(refused.body).toContain('закрыт');
      const upload = multipartBody(
        { _csrf: csrf },
        { name: 'file', fileName: 'a.docx', bytes: Buffer.from('PK') },
      );
      const up = await app.inject({ method: 'POST', url: `/m/${token}/upload`, ...upload });
      expect((await followReceipt(app, up)).statusCode).toBe(409);
      expect((await app.inject({ method: 'GET', url: `/m/${token}/form` })).statusCode).toBe(409);
    }
    expect(await t.db.submission.count({ where: { quarter: Q, municipality: 'kardymovo' } })).toBe(0);
  });

  it('a municipality reopened after the close may answer again', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'ugra' });
    const status = quarterStatus(Q, { closed: true });
    status.municipalities.find((m) => m.code === 'ugra')!.state = 'reopened';
    temporal.statuses.set(Q, status);
    const page = await app.inject({ method: 'GET', url: `/m/${token}` });
    expect(page.body).toContain('на доработку');
    expect(page.body).toContain('action="/m/');
  });
});
