// The coordinator's registry page: lists the region's registry, changes addresses and the head,
// adds and retires — each form only with its CSRF token and only for a coordinator — and the
// region's name on every page comes from the database.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, fakeTemporal, hiddenValue, signInAs, testPortal } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';

let t: TestDb;
let app: FastifyInstance;
let coordinator: { svodka_session: string };
let auditor: { svodka_session: string };

beforeAll(async () => {
  t = await createTestDb();
  app = await testPortal(t.db, fakeTemporal(t.db).client);
  coordinator = await signInAs(app, t.db, {
    login: 'coord',
    name: 'Координатор',
    role: 'coordinator',
    password: 'Zvezda-Dnepr-7311',
  });
  auditor = await signInAs(app, t.db, {
    login: 'audit',
    name: 'Аудитор',
    role: 'auditor',
    password: 'Zvezda-Dnepr-7311',
  });
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const get = (url: string, cookies = coordinator) => app.inject({ method: 'GET', url, cookies });
const post = (url: string, payload: Record<string, string>, cookies = coordinator) =>
  app.inject({ method: 'POST', url, cookies, payload });

describe('the registry page', () => {
  it('lists the region’s municipalities in region order with their addresses', async () => {
    const page = await get('/registry');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>Реестр: Смоленская область</h1>');
    const smolensk = page.body.indexOf('город Смоленск');
    const yartsevo = page.body.indexOf('Ярцевский район');
    expect(smolensk).toBeGreaterThan(0);
    expect(yartsevo).toBeGreaterThan(smolensk);
    expect(page.body).toContain('vyazma@mo.example.ru');
    expect(page.body).toContain('<a href="/registry/vyazma">Изменить</a>');
  });

  it('corrects an address and the head’s: saved, audited with the account, shown on the list', async () => {
    const form = await get('/registry/vyazma');
    expect(form.statusCode).toBe(200);
    const csrf = hiddenValue(form.body, '_csrf');
    const res = await post('/registry/vyazma', {
      _csrf: csrf,
      _action: hiddenValue(form.body, '_action'),
      name: 'Вяземский район',
      sectionTitle: 'Муниципальное образование «Вяземский район» Смоленской области',
      email: 'priemnaya@vyazma.example.ru',
      headName: 'Иванов И. И.',
      headEmail: 'glava@vyazma.example.ru',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/registry?done=set');
    const m = await t.db.municipality.findUniqueOrThrow({ where: { code: 'vyazma' } });
    expect([m.email, m.headEmail, m.headName]).toEqual([
      'priemnaya@vyazma.example.ru',
      'glava@vyazma.example.ru',
      'Иванов И. И.',
    ]);
    const entry = await t.db.auditEntry.findFirstOrThrow({
      where: { action: 'registry.set', municipality: 'vyazma' },
    });
    expect(entry.actor).toBe('coord');
    expect(entry.origin).toMatch(/^web@/);
    const list = await get('/registry?done=set');
    expect(list.body).toContain('priemnaya@vyazma.example.ru');
    expect(list.body).toContain('Изменения сохранены');
  });

  it('adds a municipality and retires one', async () => {
    const page = await get('/registry');
    const csrf = hiddenValue(page.body, '_csrf');
    const added = await post('/registry', {
      _csrf: csrf,
      code: 'novy',
      name: 'Новый район',
      email: 'novy@mo.example.ru',
      position: '2',
    });
    expect(added.statusCode).toBe(303);
    const list = (await get('/registry')).body;
    expect(list.indexOf('Новый район')).toBeLessThan(list.indexOf('Велижский район'));

    const retired = await post('/registry/novy/retire', { _csrf: csrf });
    expect(retired.statusCode).toBe(303);
    const after = (await get('/registry')).body;
    expect(after).toContain('<h2>Выведены из реестра</h2>');
    expect((await t.db.municipality.findUniqueOrThrow({ where: { code: 'novy' } })).retiredAt).not.toBeNull();
    expect((await get('/registry/novy')).statusCode).toBe(404);
  });

  it('refuses bad input with a Russian message and changes nothing', async () => {
    const csrf = hiddenValue((await get('/registry')).body, '_csrf');
    const before = await t.db.municipality.findUniqueOrThrow({ where: { code: 'gagarin' } });
    const res = await post('/registry/gagarin', {
      _csrf: csrf,
      name: '=HYPERLINK("http://evil")',
      sectionTitle: before.sectionTitle,
      email: 'это не адрес',
      headName: '',
      headEmail: '',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('не похоже на адрес электронной почты');
    expect(res.body).toContain('так начинаются формулы');
    const after = await t.db.municipality.findUniqueOrThrow({ where: { code: 'gagarin' } });
    expect(after).toEqual(before);
  });

  it('takes no change without the form’s CSRF token, and none from an auditor', async () => {
    const noToken = await post('/registry/smolensk', { email: 'evil@example.com', name: 'город Смоленск' });
    expect(noToken.statusCode).toBe(403);
    const page = await get('/registry', auditor);
    expect(page.statusCode).toBe(403);
    const csrf = hiddenValue((await get('/quarters', auditor)).body, '_csrf');
    const byAuditor = await post('/registry/smolensk/retire', { _csrf: csrf }, auditor);
    expect(byAuditor.statusCode).toBe(403);
    const m = await t.db.municipality.findUniqueOrThrow({ where: { code: 'smolensk' } });
    expect([m.email, m.retiredAt]).toEqual(['smolensk@mo.example.ru', null]);
    expect((await app.inject({ method: 'GET', url: '/registry' })).statusCode).toBe(303);
  });

  it('names the region from the database on every page: a renamed region shows within seconds', async () => {
    const signIn = await app.inject({ method: 'GET', url: '/login' });
    expect(signIn.body).toContain('Сбор сведений о мероприятиях в международной сфере · Смоленская область');
    expect(signIn.body).toContain('муниципальных образований Смоленской области.</footer>');
    await t.db.region.update({
      where: { id: 1 },
      data: { name: 'Тверская область', genitive: 'Тверской области' },
    });
    await new Promise((r) => setTimeout(r, 5_100));
    const renamed = await app.inject({ method: 'GET', url: '/login' });
    expect(renamed.body).toContain('· Тверская область');
    expect(renamed.body).toContain('муниципальных образований Тверской области.</footer>');
    expect(renamed.body).not.toContain('Смоленск');
  }, 20_000);

  it('gives the registry as CSV that imports back', async () => {
    const res = await get('/registry.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body).toContain('vyazma,Вяземский район,');
    expect(res.body).toContain('novy,Новый район,');
  });
});
