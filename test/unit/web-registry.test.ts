// The coordinator's registry page: lists the region's registry, changes addresses and the head,
// adds, merges and retires, downloads the registry as CSV and loads one back whole — each form only
// with its CSRF token and only for a coordinator, each change audited once — and the region's name on
// every page comes from the database.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, fakeTemporal, hiddenValue, multipartBody, signInAs, testPortal } from '../e2e/fakes';
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
      requestId: hiddenValue(form.body, 'requestId'),
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

describe('the registry as a file, and merging, from the page', () => {
  // Everything but updatedAt: a loaded file rewrites the region order, row by row, to the same places.
  const registry = async () =>
    (await t.db.municipality.findMany({ orderBy: { code: 'asc' } })).map(({ updatedAt: _, ...m }) => m);
  const imports = () => t.db.auditEntry.count({ where: { action: 'registry.import' } });

  /** Uploads a CSV through the page's import form (its CSRF token and request id unless given). */
  async function upload(csv: string | Buffer, fields: Record<string, string> = {}, cookies = coordinator) {
    const page = await get('/registry');
    const form = {
      _csrf: hiddenValue(page.body, '_csrf'),
      requestId: hiddenValue(page.body, 'requestId'),
      ...fields,
    };
    const file = { name: 'file', fileName: 'реестр.csv', bytes: Buffer.from(csv), type: 'text/csv' };
    return app.inject({ method: 'POST', url: '/registry.csv', cookies, ...multipartBody(form, file) });
  }

  const exported = async () => {
    const res = await get('/registry.csv');
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('downloads the registry and loads it back unchanged: nothing changes but one audit entry', async () => {
    const before = await registry();
    const csv = await exported();
    const res = await upload(csv);
    expect(res.statusCode).toBe(303);
    const shown = await get(res.headers.location as string);
    expect(shown.body).toContain(`добавлено 0, изменено 0, без изменений ${before.length}, выведено 0`);
    expect(await registry()).toEqual(before);
    expect(await exported()).toBe(csv);
    const entry = await t.db.auditEntry.findFirstOrThrow({ where: { action: 'registry.import' } });
    expect(entry.actor).toBe('coord');
    expect(entry.origin).toMatch(/^web@/);
  });

  it('loads a corrected file: a new address, a new municipality, the order of the file — audited once', async () => {
    const lines = (await exported())
      .replace('velizh@mo.example.ru', 'priemnaya@velizh.example.ru')
      .split('\r\n');
    // The new one last among the active, before the retired ones.
    lines.splice(
      lines.findIndex((l) => l.includes(',выведено,')),
      0,
      'novy-2,Новый район,,novy-2@mo.example.ru,,,,',
    );
    const csv = lines.join('\r\n');
    const page = await get('/registry');
    const requestId = hiddenValue(page.body, 'requestId');
    const count = await imports();
    const known = await t.db.municipality.count();
    const res = await upload(csv, { requestId });
    expect(res.statusCode).toBe(303);
    // Changed: Velizh's address, and the place of the retired one, now after the new one.
    expect((await get(res.headers.location as string)).body).toContain(
      `добавлено 1, изменено 2, без изменений ${known - 2}, выведено 0`,
    );
    const velizh = await t.db.municipality.findUniqueOrThrow({ where: { code: 'velizh' } });
    expect(velizh.email).toBe('priemnaya@velizh.example.ru');
    const added = await t.db.municipality.findUniqueOrThrow({ where: { code: 'novy-2' } });
    expect(added.name).toBe('Новый район');
    expect(added.retiredAt).toBeNull();
    const list = (await get('/registry')).body;
    expect(list).toContain('novy-2@mo.example.ru');
    // The same form posted again (a double click, a reload): no second entry in the audit log.
    expect((await upload(csv, { requestId })).statusCode).toBe(303);
    expect(await imports()).toBe(count + 1);
  });

  it('refuses a file with bad lines: each named by its number, in Russian; nothing written', async () => {
    const before = await registry();
    const count = await imports();
    const lines = (await exported()).split('\r\n');
    // Line 3 gets an address that is not one, line 5 a formula for a name.
    lines[2] = lines[2]!.replace(/,[^,@]+@[^,]+,/, ',это не адрес,');
    lines[4] = lines[4]!.replace(/^([^,]+),[^,]+,/, '$1,=HYPERLINK("http://evil"),');
    // Line 6: markup in the address comes back in the message as text, never as markup.
    lines[5] = lines[5]!.replace(/,[^,@]+@[^,]+,/, ',<img src=x onerror=alert(1)>@evil.example,');
    const res = await upload(lines.join('\r\n'));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Реестр не загружен');
    expect(res.body).toContain('реестр не изменен');
    expect(res.body).toMatch(/Строка 3: [^<]*не похож на адрес электронной почты/);
    expect(res.body).toMatch(/Строка 5: [^<]*так начинаются формулы/);
    expect(res.body).toContain('Строка 6: адрес «&lt;img src=x onerror=alert(1)&gt;@evil.example»');
    expect(res.body).not.toContain('<img src=x');
    expect(res.body).not.toContain('Строка 4');
    expect(await registry()).toEqual(before);
    expect(await imports()).toBe(count);
  });

  it('refuses a file that leaves a municipality out, one not in UTF-8, and a post without the CSRF token', async () => {
    const before = await registry();
    const count = await imports();
    const lines = (await exported()).split('\r\n');
    const short = await upload([lines[0], lines[1], ''].join('\r\n'));
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('В файле нет муниципальных образований, которые есть в реестре региона');
    const cp1251 = Buffer.from([...Buffer.from('code,name,email\r\nvyazma,'), 0xc2, 0xff, 0x2c, 0x61]);
    const notUtf8 = await upload(cp1251);
    expect(notUtf8.statusCode).toBe(400);
    expect(notUtf8.body).toContain('Файл не в кодировке UTF-8');
    const forged = await upload(lines.join('\r\n').replace('vyazma@', 'spy@'), { _csrf: 'forged' });
    expect(forged.statusCode).toBe(403);
    const csrf = hiddenValue((await get('/quarters', auditor)).body, '_csrf');
    const byAuditor = await upload(lines.join('\r\n').replace('vyazma@', 'spy@'), { _csrf: csrf }, auditor);
    expect(byAuditor.statusCode).toBe(403);
    expect(await registry()).toEqual(before);
    expect(await imports()).toBe(count);
  });

  it('merges one municipality into another: retired, remembered where it went, audited once', async () => {
    const page = await get('/registry/novy-2');
    expect(page.body).toContain('Присоединить к другому муниципальному образованию');
    expect(page.body).toContain('<option value="vyazma">Вяземский район</option>');
    const form = page.body.slice(page.body.indexOf('/registry/novy-2/merge'));
    const fields = {
      _csrf: hiddenValue(form, '_csrf'),
      requestId: hiddenValue(form, 'requestId'),
      into: 'vyazma',
    };
    const res = await post('/registry/novy-2/merge', fields);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/registry?done=merge');
    const merged = await t.db.municipality.findUniqueOrThrow({ where: { code: 'novy-2' } });
    expect(merged.retiredAt).not.toBeNull();
    expect(merged.mergedInto).toBe('vyazma');
    const list = (await get('/registry?done=merge')).body;
    expect(list).toContain('присоединено и выведено из реестра');
    expect(list).toMatch(/<td>novy-2<\/td><td>Новый район<\/td><td>[^<]*<\/td><td>vyazma<\/td>/);
    expect(await t.db.auditEntry.count({ where: { action: 'registry.merge', municipality: 'novy-2' } })).toBe(
      1,
    );
    // The export says so, and loads back as it is.
    const csv = await exported();
    expect(csv).toMatch(/novy-2,Новый район,[^\r]*,выведено,vyazma\r\n/);
    const before = await registry();
    expect((await upload(csv)).statusCode).toBe(303);
    expect(await registry()).toEqual(before);
  });

  it('refuses a merge into itself, into an unknown code, or without the CSRF token', async () => {
    const page = await get('/registry/gagarin');
    const csrf = hiddenValue(page.body, '_csrf');
    const self = await post('/registry/gagarin/merge', { _csrf: csrf, into: 'gagarin' });
    expect(self.statusCode).toBe(400);
    expect(self.body).toContain('нельзя присоединить к самому себе');
    const unknown = await post('/registry/gagarin/merge', { _csrf: csrf, into: 'net-takogo' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('Нет муниципального образования с кодом «net-takogo»');
    expect((await post('/registry/gagarin/merge', { into: 'vyazma' })).statusCode).toBe(403);
    const gagarin = await t.db.municipality.findUniqueOrThrow({ where: { code: 'gagarin' } });
    expect([gagarin.retiredAt, gagarin.mergedInto]).toEqual([null, null]);
  });
});
