// The portal's queue of email replies Svodka could not take by itself, with a real database and the
// fake Temporal: the list a coordinator sees (sender, subject, date, reason), «Назначить» sending the
// kept template in as the municipality's emailed answer exactly once, «Отклонить», and the refusals
// (no template, decided already, no CSRF, an auditor).
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { createTestDb, fakeTemporal, hiddenValue, quarterStatus, signInAs, testPortal } from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';
import { wordSubmission } from '../fixtures/docx-builders';
import { loadReference } from '../fixtures/reference';

process.env.SVODKA_AUDIT_KEY ??= randomBytes(32).toString('hex');

const Q = '2023-Q2';
const PASSWORD = 'Zvezda-Dnepr-7311';
let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;
let coordinator: { svodka_session: string };
let auditor: { svodka_session: string };
const ids = { held: randomUUID(), unmatched: randomUUID(), unreadable: randomUUID() };

beforeAll(async () => {
  t = await createTestDb();
  const files = createDbBlobStore(t.db);
  const rows = loadReference()
    .sections.find((s) => s.code === 'vyazma')!
    .rows.map((r) => r.row);
  const sha = await files.put(await wordSubmission({ rows }));
  const mail = (id: string, patch: Record<string, unknown>) =>
    t.db.inboundMail.create({
      data: {
        id,
        messageId: `<${id}@mail.test>`,
        fromAddress: 'clerk@vyazma-private.test',
        subject: 'Сведения за II квартал',
        status: 'held',
        detail: 'Вяземский район, 2023-Q2: письмо задержано для координатора — адрес не из реестра.',
        ...patch,
      },
    });
  await mail(ids.held, {
    quarter: Q,
    municipality: 'vyazma',
    attachmentSha256: sha,
    attachmentName: 'вязьма.docx',
  });
  await mail(ids.unmatched, {
    status: 'unmatched',
    fromAddress: 'someone@example.test',
    subject: '<b>Отчет</b>',
    detail: 'Не удалось определить муниципальное образование: в адресе получателя нет ключа доступа.',
    attachmentSha256: sha,
    attachmentName: 'отчет.docx',
  });
  await mail(ids.unreadable, {
    status: 'unreadable',
    detail: 'В письме нет заполненного шаблона — вложения .docx; вложений нет.',
  });
  temporal = fakeTemporal(t.db);
  temporal.statuses.set(Q, quarterStatus(Q));
  app = await testPortal(t.db, temporal.client);
  coordinator = await signInAs(app, t.db, {
    login: 'coord',
    name: 'Координатор',
    role: 'coordinator',
    password: PASSWORD,
  });
  auditor = await signInAs(app, t.db, { login: 'aud', name: 'Аудитор', role: 'auditor', password: PASSWORD });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

const get = (url: string, cookies = coordinator) => app.inject({ method: 'GET', url, cookies });
const post = (url: string, fields: Record<string, string>, cookies = coordinator) =>
  app.inject({
    method: 'POST',
    url,
    cookies,
    payload: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
/** The hidden fields of one mail's form on the queue page. */
function formOf(page: string, id: string, action: 'assign' | 'discard') {
  const form = new RegExp(`<form method="post" action="/mail/${id}/${action}">([\\s\\S]*?)</form>`).exec(
    page,
  )?.[1];
  if (!form) throw new Error(`no ${action} form for ${id}`);
  return { _csrf: hiddenValue(form, '_csrf'), requestId: hiddenValue(form, 'requestId'), html: form };
}

describe('the queue of email replies', () => {
  it('lists sender, subject, date and reason, with the decisions for a coordinator only', async () => {
    const res = await get('/mail');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('3 письма ждут решения');
    expect(res.body).toContain('clerk@vyazma-private.test');
    expect(res.body).toContain('&lt;b&gt;Отчет&lt;/b&gt;');
    expect(res.body).toContain('<strong>Задержано.</strong>');
    expect(res.body).toContain('адрес не из реестра');
    expect(res.body).toContain(
      '<strong>Не сопоставлено.</strong> Не удалось определить муниципальное образование',
    );
    expect(res.body).toMatch(/\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}/);
    // The held reply's municipality and quarter are chosen already; the unmatched one's is not.
    expect(formOf(res.body, ids.held, 'assign').html).toMatch(/<option value="vyazma" selected>/);
    expect(formOf(res.body, ids.unmatched, 'assign').html).not.toContain('selected');
    expect(res.body).toContain('Вложения с шаблоном нет');
    const forAuditor = await get('/mail', auditor);
    expect(forAuditor.body).toContain('clerk@vyazma-private.test');
    expect(forAuditor.body).not.toContain('/assign');
  });

  it("sends the kept template in as the municipality's emailed answer, once for a form posted twice", async () => {
    const page = await get('/mail');
    const form = formOf(page.body, ids.held, 'assign');
    const fields = { ...form, html: '', municipality: 'vyazma', quarter: Q };
    const first = await post(`/mail/${ids.held}/assign`, fields);
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe(`/mail?done=assigned&id=${ids.held}`);
    const again = await post(`/mail/${ids.held}/assign`, fields);
    expect(again.statusCode).toBe(303);
    const submits = temporal.calls.filter((c) => c.name === 'submitUpdate');
    expect(submits).toHaveLength(1);
    expect(submits[0]!.workflowId).toBe(`quarter/${Q}/vyazma`);
    // Through the one submit path, under the form's id with a suffix: the answer's entry and the
    // assignment's are two entries.
    expect(submits[0]!.updateId).toBe(`${form.requestId}-answer`);
    expect(submits[0]!.args[0]).toMatchObject({
      kind: 'file',
      channel: 'email',
      actor: 'clerk@vyazma-private.test',
      action: { id: `${form.requestId}-answer`, actor: 'clerk@vyazma-private.test' },
    });
    const versions = await t.db.submission.findMany({ where: { quarter: Q, municipality: 'vyazma' } });
    expect(versions.map((v) => [v.version, v.status, v.channel])).toEqual([[1, 'accepted', 'email']]);
    const upload = await t.db.upload.findFirstOrThrow({ where: { quarter: Q, municipality: 'vyazma' } });
    expect(upload.fileName).toBe('вязьма.docx');
    const row = await t.db.inboundMail.findUniqueOrThrow({ where: { id: ids.held } });
    expect(row.status).toBe('assigned');
    const audit = await t.db.auditEntry.findMany({ where: { action: 'email.assign' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actionId: form.requestId,
      actor: 'coord',
      municipality: 'vyazma',
      quarter: Q,
    });
    const done = await get(first.headers.location as string);
    expect(done.body).toContain('Письмо назначено');
    expect(done.body).toContain('Вяземский район, 2023-Q2 — принято, версия 1');
    expect(done.body).not.toContain(`data-mail="${ids.held}"`);
    // Decided: a second assignment from an old page is refused, and nothing is submitted again.
    const stale = await post(`/mail/${ids.held}/assign`, { ...fields, requestId: randomUUID() });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('уже назначено');
    expect(temporal.calls.filter((c) => c.name === 'submitUpdate')).toHaveLength(1);
  });

  it('lets the form that claimed a reply finish after a crash, and nobody else', async () => {
    const page = await get('/mail');
    const form = formOf(page.body, ids.unmatched, 'assign');
    // The portal died between claiming the reply and submitting it.
    await t.db.inboundMail.update({
      where: { id: ids.unmatched },
      data: { status: `assigning:${form.requestId}` },
    });
    const other = await post(`/mail/${ids.unmatched}/assign`, {
      _csrf: form._csrf,
      requestId: randomUUID(),
      municipality: 'gagarin',
      quarter: Q,
    });
    expect(other.statusCode).toBe(409);
    // Not started for this quarter in the fake: the claim is let go, back to the queue as unmatched.
    const retry = await post(`/mail/${ids.unmatched}/assign`, {
      _csrf: form._csrf,
      requestId: form.requestId,
      municipality: 'gagarin',
      quarter: '2024-Q1',
    });
    expect(retry.statusCode).toBe(409);
    expect((await t.db.inboundMail.findUniqueOrThrow({ where: { id: ids.unmatched } })).status).toBe(
      'unmatched',
    );
  });

  it('refuses to assign a reply without a template, or to a quarter or code that does not exist', async () => {
    const page = await get('/mail');
    const noFile = await post(`/mail/${ids.unreadable}/assign`, {
      _csrf: formOf(page.body, ids.unreadable, 'discard')._csrf,
      requestId: randomUUID(),
      municipality: 'vyazma',
      quarter: Q,
    });
    expect(noFile.statusCode).toBe(409);
    expect(noFile.body).toContain('нет заполненного шаблона');
    const form = formOf(page.body, ids.unmatched, 'assign');
    const badQuarter = await post(`/mail/${ids.unmatched}/assign`, {
      _csrf: form._csrf,
      requestId: form.requestId,
      municipality: 'vyazma',
      quarter: '2023-Q7',
    });
    expect(badQuarter.statusCode).toBe(400);
    expect(badQuarter.body).toContain('не распознан');
    const notRunning = await post(`/mail/${ids.unmatched}/assign`, {
      _csrf: form._csrf,
      requestId: form.requestId,
      municipality: 'vyazma',
      quarter: '2024-Q1',
    });
    expect(notRunning.statusCode).toBe(409);
    expect(notRunning.body).toContain('не участвует в сборе сведений за 2024-Q1');
    // Nothing lost: the reply waits in the queue still.
    expect((await t.db.inboundMail.findUniqueOrThrow({ where: { id: ids.unmatched } })).status).toBe(
      'unmatched',
    );
    const nobody = await post(`/mail/${ids.unmatched}/assign`, {
      _csrf: form._csrf,
      requestId: form.requestId,
      municipality: 'atlantis',
      quarter: Q,
    });
    expect(nobody.statusCode).toBe(404);
  });

  it('discards a reply, audited once, behind CSRF and for coordinators only', async () => {
    const page = await get('/mail');
    const form = formOf(page.body, ids.unmatched, 'discard');
    const forged = await post(`/mail/${ids.unmatched}/discard`, {
      _csrf: 'x'.repeat(40),
      requestId: form.requestId,
    });
    expect(forged.statusCode).toBe(403);
    const auditorPage = await get('/mail', auditor);
    const byAuditor = await post(
      `/mail/${ids.unmatched}/discard`,
      { _csrf: hiddenValue(auditorPage.body, '_csrf'), requestId: form.requestId },
      auditor,
    );
    expect(byAuditor.statusCode).toBe(403);
    expect((await t.db.inboundMail.findUniqueOrThrow({ where: { id: ids.unmatched } })).status).toBe(
      'unmatched',
    );
    const fields = { _csrf: form._csrf, requestId: form.requestId };
    expect((await post(`/mail/${ids.unmatched}/discard`, fields)).statusCode).toBe(303);
    expect((await post(`/mail/${ids.unmatched}/discard`, fields)).statusCode).toBe(303);
    expect((await t.db.inboundMail.findUniqueOrThrow({ where: { id: ids.unmatched } })).status).toBe(
      'discarded',
    );
    expect(await t.db.auditEntry.count({ where: { action: 'email.discard' } })).toBe(1);
    const done = await get('/mail?done=discarded');
    expect(done.body).toContain('Письмо отклонено');
    expect(done.body).toContain('1 письмо ждет решения');
    // A request id recorded for another action (the assignment above) is not this form's.
    const assignedWith = (await t.db.auditEntry.findFirstOrThrow({ where: { action: 'email.assign' } }))
      .actionId!;
    const reused = await post(`/mail/${ids.unreadable}/discard`, {
      _csrf: form._csrf,
      requestId: assignedWith,
    });
    expect(reused.statusCode).toBe(409);
    expect(reused.body).toContain('Форма устарела');
    expect((await t.db.inboundMail.findUniqueOrThrow({ where: { id: ids.unreadable } })).status).toBe(
      'unreadable',
    );
    const unknown = await post(`/mail/${randomUUID()}/discard`, {
      _csrf: form._csrf,
      requestId: randomUUID(),
    });
    expect(unknown.statusCode).toBe(404);
  });
});
