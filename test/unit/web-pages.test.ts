// The portal's pages against a fake Temporal client (the real recordSubmission behind submitUpdate):
// the municipality's form (add, remove, save a draft, submit, findings by row and column), the
// template, the coordinator's table and decisions, and the dev mailbox's guarded file names.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { issueToken } from '../../infrastructure/tokens';
import { parseSubmissionDocx } from '../../infrastructure/docx/parse';
import { createUser } from '../../client/web/auth';
import { createTestDb, fakeTemporal, hiddenValue, quarterStatus, testPortal, answerPage } from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';

const Q = '2023-Q2';
let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;
let mailDir: string;

const good = {
  title: 'Визит делегации города-побратима',
  place: 'г. Вязьма, администрация района',
  dates: '12 апреля 2023 года',
  purpose: 'Обсуждение сотрудничества в сфере культуры',
  participants: '12 человек, в том числе делегация Республики Беларусь',
};

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

beforeAll(async () => {
  t = await createTestDb();
  temporal = fakeTemporal(t.db);
  mailDir = path.join(t.dir, 'mailbox');
  mkdirSync(mailDir);
  app = await testPortal(t.db, temporal.client, {
    devMailboxDir: mailDir,
    rateLimits: { token: { limit: 10_000, windowMs: 60_000 } },
  });
  await createUser(t.db, {
    login: 'coord',
    name: 'Координатор',
    role: 'coordinator',
    password: 'Krasnyi-Bor-1957',
  });
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});
beforeEach(() => {
  temporal.calls.length = 0;
  if (!temporal.statuses.has(Q)) temporal.statuses.set(Q, quarterStatus(Q));
});

describe('the municipality page', () => {
  it('shows the status, the three ways to answer, and a template that parses back empty', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'vyazma' });
    const page = await app.inject({ method: 'GET', url: `/m/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Вяземский район');
    expect(page.body).toContain('II квартал 2023 года');
    expect(page.body).toContain('до 10 июля 2099 года включительно');
    expect(page.body).toContain(`/m/${token}/template.docx`);
    expect(page.body).toContain('enctype="multipart/form-data"');
    expect(page.body).toContain('Мероприятия не проводились');
    expect(Buffer.byteLength(page.body)).toBeLessThan(20_000);
    const template = await app.inject({ method: 'GET', url: `/m/${token}/template.docx` });
    expect(template.statusCode).toBe(200);
    expect(template.headers['content-disposition']).toContain(
      "filename*=UTF-8''%D1%88%D0%B0%D0%B1%D0%BB%D0%BE%D0%BD-2023-Q2-vyazma.docx",
    );
    const parsed = parseSubmissionDocx(template.rawPayload);
    expect(parsed).toMatchObject({ ok: true, rows: [] });
  });

  it('the form adds and removes rows, keeps a draft, and shows findings by row and column', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'velizh' });
    const base = `/m/${token}/form`;
    const first = await app.inject({ method: 'GET', url: base });
    const csrf = hiddenValue(first.body, '_csrf');
    expect(first.body).toContain('Мероприятие 1');
    expect(first.body).not.toContain('Мероприятие 2');

    // Add a row: the draft keeps what was typed.
    const add = await app.inject({
      method: 'POST',
      url: base,
      headers: FORM,
      payload: form({ _csrf: csrf, count: '1', ...prefixed(0, good), action: 'add' }),
    });
    expect(add.statusCode).toBe(303);
    const two = await app.inject({ method: 'GET', url: base });
    expect(two.body).toContain('Мероприятие 2');
    expect(two.body).toContain('Открыт сохраненный черновик');
    expect(two.body).toContain(good.title);

    // Submit with a row missing its dates: rejected, findings name the row and the column.
    const bad = { ...good, title: 'Второе мероприятие', dates: '' };
    const submit = await app.inject({
      method: 'POST',
      url: base,
      headers: FORM,
      payload: form({ _csrf: csrf, count: '2', ...prefixed(0, good), ...prefixed(1, bad), action: 'submit' }),
    });
    expect(submit.statusCode).toBe(303);
    const rejected = await answerPage(app, submit);
    expect(rejected.body).toContain('Сведения не приняты');
    expect(rejected.body).toContain('Строка 2, столбец «Сроки проведения мероприятия»');
    expect(rejected.body).toContain('Исправить в форме');

    // The form still holds both rows; remove the bad one and submit: accepted, the draft is gone.
    const again = await app.inject({ method: 'GET', url: base });
    expect(again.body).toContain('Второе мероприятие');
    const removed = await app.inject({
      method: 'POST',
      url: base,
      headers: FORM,
      payload: form({
        _csrf: csrf,
        count: '2',
        ...prefixed(0, good),
        ...prefixed(1, bad),
        action: 'remove-1',
      }),
    });
    expect(removed.statusCode).toBe(303);
    const one = await app.inject({ method: 'GET', url: base });
    expect(one.body).not.toContain('Второе мероприятие');
    const ok = await app.inject({
      method: 'POST',
      url: base,
      headers: FORM,
      payload: form({ _csrf: csrf, count: '1', ...prefixed(0, good), action: 'submit' }),
    });
    const accepted = await answerPage(app, ok);
    expect(accepted.body).toContain('Сведения приняты: 1 мероприятие');
    expect(await t.db.formDraft.count({ where: { municipality: 'velizh' } })).toBe(0);
    const submissions = await t.db.submission.findMany({
      where: { municipality: 'velizh' },
      orderBy: { version: 'asc' },
    });
    expect(submissions.map((s) => [s.version, s.kind, s.channel, s.status])).toEqual([
      [1, 'rows', 'form', 'rejected'],
      [2, 'rows', 'form', 'accepted'],
    ]);
    const page = await app.inject({ method: 'GET', url: `/m/${token}` });
    expect(page.body).toContain('Ваши сведения приняты');
  });

  it('refuses an empty form and a nil answer without the confirmation', async () => {
    const token = await issueToken(t.db, { quarter: Q, municipality: 'gagarin' });
    const csrf = hiddenValue((await app.inject({ method: 'GET', url: `/m/${token}` })).body, '_csrf');
    const empty = await app.inject({
      method: 'POST',
      url: `/m/${token}/form`,
      headers: FORM,
      payload: form({ _csrf: csrf, count: '1', action: 'submit' }),
    });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Заполните хотя бы одно мероприятие');
    const nil = await app.inject({
      method: 'POST',
      url: `/m/${token}/nil`,
      headers: FORM,
      payload: form({ _csrf: csrf }),
    });
    expect(nil.statusCode).toBe(400);
    expect(nil.body).toContain('Отметьте');
    expect(temporal.calls.filter((c) => c.kind === 'update')).toHaveLength(0);
  });
});

function prefixed(i: number, row: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [`r${i}_${k}`, v]));
}

describe('the coordinator', () => {
  let cookies: Record<string, string>;
  beforeAll(async () => {
    const login = await app.inject({ method: 'GET', url: '/login' });
    const res = await app.inject({
      method: 'POST',
      url: '/login',
      cookies: { svodka_login: cookie(login, 'svodka_login') },
      payload: { login: 'coord', password: 'Krasnyi-Bor-1957', _csrf: hiddenValue(login.body, '_csrf') },
    });
    cookies = { svodka_session: cookie(res, 'svodka_session') };
  });

  it('starts a quarter through startQuarter and sees it listed', async () => {
    const list = await app.inject({ method: 'GET', url: '/quarters', cookies });
    const csrf = hiddenValue(list.body, '_csrf');
    const start = await app.inject({
      method: 'POST',
      url: '/quarters',
      cookies,
      payload: { _csrf: csrf, quarter: '2024-q1', deadline: '2099-04-10', timeScale: '86400' },
    });
    expect(start.statusCode).toBe(303);
    expect(start.headers.location).toBe('/quarters/2024-Q1?done=started');
    const started = temporal.calls.find((c) => c.kind === 'start')!;
    expect(started.workflowId).toBe('quarter/2024-Q1');
    expect(started.args[0]).toMatchObject({ quarter: '2024-Q1', deadline: '2099-04-10', timeScale: 86400 });
    const entry = await t.db.auditEntry.findFirst({ where: { action: 'quarter.start', quarter: '2024-Q1' } });
    expect(entry).toMatchObject({ actor: 'coord' });
    expect(entry?.origin).toMatch(/^web@/);
    const listed = await app.inject({ method: 'GET', url: '/quarters', cookies });
    expect(listed.body).toContain('I квартал 2024 года');
  });

  it('sees the status table with a progress bar and a 10-second refresh, and acts on a row', async () => {
    const status = quarterStatus(Q);
    status.municipalities[0]!.state = 'accepted';
    status.municipalities[1]!.state = 'excused';
    status.municipalities[1]!.excuseReason = 'паводок';
    temporal.statuses.set(Q, status);
    const page = await app.inject({ method: 'GET', url: `/quarters/${Q}`, cookies });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<meta http-equiv="refresh" content="10"\s*\/?>/);
    expect(page.body).toMatch(/<progress value="2" max="27">/);
    expect(page.body).toContain('Готово 2 из 27');
    expect(page.body).toContain('город Смоленск');
    expect(page.body).toContain('паводок');
    const csrf = hiddenValue(page.body, '_csrf');
    const remind = await app.inject({
      method: 'POST',
      url: `/quarters/${Q}/m/yartsevo/remind`,
      cookies,
      payload: { _csrf: csrf, back: 'table' },
    });
    expect(remind.statusCode).toBe(303);
    expect(remind.headers.location).toBe(`/quarters/${Q}?done=remind`);
    const extend = await app.inject({
      method: 'POST',
      url: `/quarters/${Q}/m/yartsevo/extend`,
      cookies,
      payload: { _csrf: csrf, until: '2099-08-01' },
    });
    expect(extend.statusCode).toBe(303);
    const excuse = await app.inject({
      method: 'POST',
      url: `/quarters/${Q}/m/yartsevo/excuse`,
      cookies,
      payload: { _csrf: csrf, reason: 'реорганизация' },
    });
    expect(excuse.statusCode).toBe(303);
    const updates = temporal.calls.filter((c) => c.kind === 'update');
    expect(updates.map((c) => [c.workflowId, c.name])).toEqual([
      [`quarter/${Q}/yartsevo`, 'remindUpdate'],
      [`quarter/${Q}/yartsevo`, 'extendUpdate'],
      [`quarter/${Q}/yartsevo`, 'excuseUpdate'],
    ]);
    // The request id of the rendered form is the Update's id and the action's, for the workflow's audit entry.
    expect(updates[1]!.args[0]).toEqual({
      until: '2099-08-01',
      actor: 'coord',
      action: { id: expect.stringMatching(/^web-/), actor: 'coord', origin: 'web@127.0.0.1' },
    });
    const detail = await app.inject({ method: 'GET', url: `/quarters/${Q}/m/yartsevo`, cookies });
    expect(detail.body).toContain('Продлить срок');
    const link = await app.inject({
      method: 'POST',
      url: `/quarters/${Q}/m/yartsevo/link`,
      cookies,
      payload: { _csrf: csrf },
    });
    const url = /http:\/\/portal\.test\/m\/[A-Za-z0-9_-]{43}/.exec(link.body)?.[0];
    expect(url).toBeTruthy();
    const opened = await app.inject({ method: 'GET', url: url!.replace('http://portal.test', '') });
    expect(opened.body).toContain('Ярцевский район');
  });
});

function cookie(res: LightMyRequestResponse, name: string): string {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  return set
    .find((c) => c.startsWith(`${name}=`))!
    .split(';')[0]!
    .slice(name.length + 1);
}

describe('the dev mailbox', () => {
  it('lists .eml files newest first, shows one with clickable links, and serves its attachment', async () => {
    const eml = (subject: string, body: string) =>
      [
        'From: Svodka <svodka@svodka.example.ru>',
        'To: vyazma@mo.example.ru',
        `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`,
        'Date: Tue, 25 Nov 2025 10:00:00 +0000',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(body).toString('base64'),
        '--b',
        'Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name="t.docx"',
        'Content-Disposition: attachment; filename="t.docx"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('PK fake docx').toString('base64'),
        '--b--',
        '',
      ].join('\r\n');
    writeFileSync(
      path.join(mailDir, '2025-11-25T10-00-00-000Z-00001.eml'),
      eml('Запрос сведений — первый', 'Ссылка: http://portal.test/m/abc <script>x</script>'),
    );
    writeFileSync(path.join(mailDir, '2025-11-25T10-00-01-000Z-00002.eml'), eml('Второе письмо', 'Текст'));
    writeFileSync(path.join(mailDir, 'notes.txt'), 'not an email');
    const list = await app.inject({ method: 'GET', url: '/dev/mailbox' });
    expect(list.statusCode).toBe(200);
    expect(list.body.indexOf('Второе письмо')).toBeLessThan(list.body.indexOf('Запрос сведений — первый'));
    expect(list.body).not.toContain('notes.txt');
    const one = await app.inject({ method: 'GET', url: '/dev/mailbox/2025-11-25T10-00-00-000Z-00001.eml' });
    expect(one.body).toContain('<a href="http://portal.test/m/abc">http://portal.test/m/abc</a>');
    expect(one.body).toContain('&lt;script&gt;');
    const attachment = await app.inject({
      method: 'GET',
      url: '/dev/mailbox/2025-11-25T10-00-00-000Z-00001.eml/attachments/0',
    });
    expect(attachment.statusCode).toBe(200);
    expect(attachment.body).toBe('PK fake docx');
    expect(attachment.headers['content-disposition']).toMatch(/^attachment;/);
    for (const url of [
      '/dev/mailbox/..%2F..%2Fetc%2Fpasswd',
      '/dev/mailbox/notes.txt',
      '/dev/mailbox/%2Fetc%2Fhosts',
      '/dev/mailbox/missing.eml',
      '/dev/mailbox/2025-11-25T10-00-00-000Z-00001.eml/attachments/5',
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body).toContain('lang="ru"');
    }
  });

  it('does not exist without devMailboxDir', async () => {
    const plain = await testPortal(t.db, temporal.client);
    try {
      expect((await plain.inject({ method: 'GET', url: '/dev/mailbox' })).statusCode).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
