// The portal's review tools with a real database and the fake Temporal: two versions compared with
// the changed cells marked, the reference draft with its duplicate («Дружба без границ», Смоленск and
// Дорогобуж) and «Запросить исправления» on chosen rows, each action coordinator-only, behind CSRF,
// audited once however often the form is posted.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { compileReport } from '../../activities/reports';
import { recordSubmission } from '../../activities/submissions';
import type { EventRow } from '../../domain/types';
import {
  createTestDb,
  fakeTemporal,
  hiddenValue,
  quarterStatus,
  signInAs,
  summary,
  testPortal,
} from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';
import { loadReference } from '../fixtures/reference';

process.env.SVODKA_AUDIT_KEY ??= randomBytes(32).toString('hex');

const Q = '2023-Q2';
const PASSWORD = 'Zvezda-Dnepr-7311';
let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;
let coordinator: { svodka_session: string };
let auditor: { svodka_session: string };

const reference = loadReference();
const rowsOf = (code: string): EventRow[] =>
  reference.sections.find((s) => s.code === code)!.rows.map((r) => r.row);

beforeAll(async () => {
  t = await createTestDb();
  const files = createDbBlobStore(t.db);
  // Every municipality of the reference answers with its rows; the draft is compiled from them.
  const entries = [];
  for (const section of reference.sections) {
    const result = await recordSubmission(t.db, files, {
      quarter: Q,
      municipality: section.code,
      version: 1,
      payload: { kind: 'rows', rows: section.rows.map((r) => r.row), channel: 'web', actor: 'test' },
    });
    expect(result.accepted, section.code).toBe(true);
    entries.push({
      code: section.code,
      state: 'accepted' as const,
      submissionId: result.submissionId,
      nil: false,
    });
  }
  // Вязьма corrects its answer: one date changed, one row dropped, one added.
  const vyazma = rowsOf('vyazma');
  const second = [
    { ...vyazma[0]!, dates: '30 апреля 2023 года' },
    ...vyazma.slice(2),
    { ...vyazma[0]!, title: 'Круглый стол «Побратимы»', dates: '12 мая 2023 года' },
  ];
  await recordSubmission(t.db, files, {
    quarter: Q,
    municipality: 'vyazma',
    version: 2,
    payload: { kind: 'rows', rows: second, channel: 'form', actor: 'test' },
  });
  const draft = await compileReport(t.db, files, { quarter: Q, kind: 'draft', entries });
  temporal = fakeTemporal(t.db);
  const status = quarterStatus(Q, { phase: 'awaiting_approval', draftReportId: draft.reportId });
  status.municipalities = status.municipalities.map((m) =>
    summary(m.code, { state: 'accepted', versions: m.code === 'vyazma' ? 2 : 1 }),
  );
  temporal.statuses.set(Q, status);
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

describe('comparing two versions of an answer', () => {
  it('is reached from the municipality page and marks added, removed and changed rows', async () => {
    const page = await get(`/quarters/${Q}/m/vyazma`);
    expect(page.body).toContain(`href="/quarters/${Q}/m/vyazma/diff"`);
    const res = await get(`/quarters/${Q}/m/vyazma/diff`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Версия 1 — принята');
    expect(res.body).toContain('Версия 2 — принята');
    expect(res.body).toMatch(/добавлено: 1; удалено: 1;\s+изменено: 1/);
    // The changed row: only its dates cell is marked, before and after.
    expect(res.body.match(/class="changed" data-column="(\w+)"/g)).toEqual([
      'class="changed" data-column="dates"',
      'class="changed" data-column="dates"',
    ]);
    expect(res.body).toContain('30 апреля 2023 года');
    expect(res.body).toMatch(/data-change="added"[\s\S]*Круглый стол «Побратимы»/);
    const removed = /<tr class="removed" data-change="removed">([\s\S]*?)<\/tr>/.exec(res.body)?.[1] ?? '';
    expect(removed.replace(/<br>/g, '\n')).toContain(rowsOf('vyazma')[1]!.dates);
  });

  it('lets the auditor read it, compares any two versions, and says when they are equal', async () => {
    const same = await get(`/quarters/${Q}/m/vyazma/diff?from=2&to=2`, auditor);
    expect(same.statusCode).toBe(200);
    expect(same.body).toContain('Версии совпадают');
    const missing = await get(`/quarters/${Q}/m/vyazma/diff?from=1&to=9`);
    expect(missing.body).toContain('Нет версии 9; есть: 1, 2.');
    const one = await get(`/quarters/${Q}/m/smolensk/diff`);
    expect(one.body).toContain('только одна версия: сравнивать не с чем');
    expect((await get(`/quarters/${Q}/m/nowhere/diff`)).statusCode).toBe(404);
  });

  it('escapes what a municipality typed', async () => {
    const files = createDbBlobStore(t.db);
    const row = { ...rowsOf('smolensk')[0]!, title: '<script>alert(1)</script> «Встреча»' };
    for (const [version, rows] of [
      [1, []],
      [2, [row]],
    ] as const)
      await recordSubmission(t.db, files, {
        quarter: Q,
        municipality: 'velizh',
        version,
        payload: rows.length
          ? { kind: 'rows', rows: [...rows], channel: 'form', actor: 'test' }
          : { kind: 'nil', channel: 'form', actor: 'test' },
      });
    const res = await get(`/quarters/${Q}/m/velizh/diff`);
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(res.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('the draft under review', () => {
  it('shows the duplicate of the reference: «Дружба без границ», Смоленск and Дорогобуж', async () => {
    const res = await get(`/quarters/${Q}/report`);
    expect(res.statusCode).toBe(200);
    const block = /<div class="warn" id="duplicates">([\s\S]*?)<\/div>/.exec(res.body)?.[1] ?? '';
    expect(block).toContain('Дружба без границ');
    expect(block).toContain('город Смоленск');
    expect(block).toContain('Дорогобужский район');
    // Shown to the auditor as well, who gets no checkboxes.
    const auditorPage = await get(`/quarters/${Q}/report`, auditor);
    expect(auditorPage.body).toContain('id="duplicates"');
    expect(auditorPage.body).not.toContain('name="row"');
  });

  it('gives every row of the draft a checkbox naming its municipality', async () => {
    const res = await get(`/quarters/${Q}/report`);
    const boxes = [...res.body.matchAll(/name="row"\s+value="([a-z-]+):(\d+)"/g)];
    expect(boxes).toHaveLength(65);
    expect(boxes[0]!.slice(1)).toEqual(['smolensk', '1']);
    expect(new Set(boxes.map((b) => b[1]))).toEqual(new Set(reference.sections.map((s) => s.code)));
  });

  it('reopens exactly the municipalities of the chosen rows, once however often the form is posted', async () => {
    const page = await get(`/quarters/${Q}/report`);
    const csrf = hiddenValue(page.body, '_csrf');
    const requestId = hiddenValue(page.body, 'requestId');
    const boxes = [...page.body.matchAll(/name="row"\s+value="([a-z-]+:\d+)"/g)].map((m) => m[1]!);
    const chosen = [boxes.find((b) => b.startsWith('dorogobuzh:'))!, boxes[0]!, boxes[1]!];
    const post = () =>
      app.inject({
        method: 'POST',
        url: `/quarters/${Q}/request-changes`,
        cookies: coordinator,
        payload: new URLSearchParams([
          ['_csrf', csrf],
          ['requestId', requestId],
          ...chosen.map((r): [string, string] => ['row', r]),
          ['comment', 'Уточните сроки «Дружбы без границ».'],
        ]).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    const first = await post();
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe(`/quarters/${Q}?done=changes-requested`);
    expect((await post()).statusCode).toBe(303);
    const updates = temporal.calls.filter((c) => c.name === 'requestChangesUpdate');
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates) {
      expect(u.workflowId).toBe(`quarter/${Q}`);
      expect(u.updateId).toBe(requestId);
      expect(u.args[0]).toMatchObject({
        municipalities: ['dorogobuzh', 'smolensk'],
        comment: 'Уточните сроки «Дружбы без границ».',
        actor: 'coord',
        action: { id: requestId, actor: 'coord', origin: expect.stringMatching(/^web@/) },
      });
    }
    const audit = await t.db.auditEntry.findMany({ where: { action: 'quarter.request-changes' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actionId).toBe(requestId);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ municipalities: ['dorogobuzh', 'smolensk'] });
    const done = await get(`/quarters/${Q}?done=changes-requested`);
    expect(done.body).toContain('Исправления запрошены');
  });

  it('refuses without rows, without a comment, without CSRF, and for an auditor', async () => {
    const page = await get(`/quarters/${Q}/report`);
    const csrf = hiddenValue(page.body, '_csrf');
    const form = (fields: [string, string][], cookies = coordinator) =>
      app.inject({
        method: 'POST',
        url: `/quarters/${Q}/request-changes`,
        cookies,
        payload: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    const id = ['requestId', 'abcdefabcdefabcdef12'] as [string, string];
    const noRows = await form([['_csrf', csrf], id, ['comment', 'Исправьте']]);
    expect(noRows.statusCode).toBe(400);
    expect(noRows.body).toContain('Отметьте в проекте отчета хотя бы одну строку');
    const noComment = await form([['_csrf', csrf], id, ['row', 'smolensk:1'], ['comment', '  ']]);
    expect(noComment.statusCode).toBe(400);
    expect(noComment.body).toContain('Напишите, что нужно исправить.');
    const forged = await form([
      ['_csrf', 'x'.repeat(40)],
      id,
      ['row', 'smolensk:1'],
      ['comment', 'Исправьте'],
    ]);
    expect(forged.statusCode).toBe(403);
    const auditorPage = await get(`/quarters/${Q}/report`, auditor);
    const byAuditor = await form(
      [
        ['_csrf', hiddenValue(auditorPage.body, '_csrf')],
        id,
        ['row', 'smolensk:1'],
        ['comment', 'Исправьте'],
      ],
      auditor,
    );
    expect(byAuditor.statusCode).toBe(403);
    const unknown = await form([['_csrf', csrf], id, ['row', 'atlantis:1'], ['comment', 'Исправьте']]);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('atlantis');
  });
});
