// The portal's downloads beside the DOCX: the report as XLSX (from the stored DOCX), the status
// table as CSV and XLSX; signed-in users only.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { renderReport } from '../../infrastructure/docx/render';
import { parseDateRange } from '../../domain/dates';
import { buildReport } from '../../domain/merge';
import { parseQuarter } from '../../domain/quarter';
import { SMOLENSK_MUNICIPALITIES, SMOLENSK_REGION } from '../../domain/registry/smolensk';
import type { SubmittedEvent } from '../../domain/types';
import { parseSubmissionXlsx } from '../../infrastructure/docx/parse-xlsx';
import { issueToken } from '../../infrastructure/tokens';
import {
  createTestDb,
  fakeTemporal,
  hiddenValue,
  multipartBody,
  quarterStatus,
  summary,
  testPortal,
  signInAs,
  answerPage,
} from '../e2e/fakes';
import { sampleRow } from '../fixtures/docx-builders';
import { excelSubmission } from '../fixtures/xlsx-builders';
import type { FakeTemporal, TestDb } from '../e2e/fakes';
import { loadReference, normalizeText } from '../fixtures/reference';

const Q = '2023-Q2';
let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;
let cookies: Record<string, string>;

beforeAll(async () => {
  t = await createTestDb();
  temporal = fakeTemporal(t.db);
  app = await testPortal(t.db, temporal.client);
  cookies = await signInAs(app, t.db, {
    login: 'audit',
    name: 'Аудитор',
    role: 'auditor',
    password: 'Zvezda-Dnepr-7311',
  });

  // A signed-off quarter: the official Q2 2023 report stored as the final DOCX.
  const quarter = parseQuarter(Q);
  const events: SubmittedEvent[] = loadReference().sections.flatMap((s) =>
    s.rows.map((r, index) => {
      const parsed = parseDateRange(r.row.dates, quarter);
      return { municipality: s.code, index, row: r.row, range: parsed.ok ? parsed.range : null };
    }),
  );
  const signOff = { signer: 'И. И. Иванов', position: 'Начальник департамента', date: '2023-07-14' };
  const bytes = await renderReport(
    buildReport({
      quarter,
      municipalities: SMOLENSK_MUNICIPALITIES,
      regionGenitive: SMOLENSK_REGION.genitive,
      events,
      signOff,
    }),
  );
  const sha256 = await createDbBlobStore(t.db).put(bytes);
  await t.db.report.create({
    data: {
      id: `${Q}/final/x`,
      quarter: Q,
      kind: 'final',
      blobSha256: sha256,
      eventCount: 65,
      signer: signOff.signer,
      position: signOff.position,
      signedAt: new Date(),
    },
  });
  temporal.statuses.set(
    Q,
    quarterStatus(Q, {
      phase: 'approved',
      finalReportId: `${Q}/final/x`,
      finalSha256: sha256,
      municipalities: SMOLENSK_MUNICIPALITIES.map((m) =>
        summary(m.code, { state: 'accepted', versions: 1, lastAnswerAt: '2023-07-05T11:03:00Z' }),
      ),
    }),
  );
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('portal exports', () => {
  it('serves the signed report as XLSX with the title and 65 numbered events', async () => {
    const res = await app.inject({ method: 'GET', url: `/quarters/${Q}/report.xlsx?kind=final`, cookies });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(res.headers['content-disposition']).toContain('.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Сводный отчет')!;
    expect(normalizeText(String(sheet.getCell('A1').value))).toBe(loadReference().title);
    const numbers: number[] = [];
    sheet.eachRow((row) => {
      const v = row.getCell(1).value;
      if (typeof v === 'number') numbers.push(v);
    });
    expect(numbers).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
  });

  it('serves the status table as CSV (BOM, «;») and XLSX', async () => {
    const csv = await app.inject({ method: 'GET', url: `/quarters/${Q}/status.csv`, cookies });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = csv.body
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines).toHaveLength(1 + SMOLENSK_MUNICIPALITIES.length);
    expect(lines[1]).toBe('smolensk;город Смоленск;принято;0;1;05.07.2023 14:03;10.07.2099;в срок;');
    const xlsx = await app.inject({ method: 'GET', url: `/quarters/${Q}/status.xlsx`, cookies });
    expect(xlsx.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(workbook.worksheets[0]!.rowCount).toBe(1 + SMOLENSK_MUNICIPALITIES.length);
  });

  it('links the downloads from the pages', async () => {
    const page = await app.inject({ method: 'GET', url: `/quarters/${Q}`, cookies });
    expect(page.body).toContain(`/quarters/${Q}/status.csv`);
    expect(page.body).toContain(`/quarters/${Q}/status.xlsx`);
    const report = await app.inject({ method: 'GET', url: `/quarters/${Q}/report`, cookies });
    expect(report.body).toContain(`/quarters/${Q}/report.xlsx?kind=final`);
    expect(report.body).toContain(`/quarters/${Q}/report.pdf`);
  });

  it('gives nothing to a visitor who is not signed in', async () => {
    for (const url of [
      `/quarters/${Q}/report.xlsx?kind=final`,
      `/quarters/${Q}/report.pdf`,
      `/quarters/${Q}/status.csv`,
    ]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).not.toBe(200);
      expect(res.body).not.toContain('Город Смоленск');
    }
  });

  it('takes a municipality’s answer uploaded as XLSX on its page, and refuses a bad one with the reasons', async () => {
    const q3 = '2023-Q3';
    temporal.statuses.set(q3, quarterStatus(q3));
    const token = await issueToken(t.db, { quarter: q3, municipality: 'vyazma' });
    const page = await app.inject({ method: 'GET', url: `/m/${token}` });
    expect(page.body).toContain('.xlsx');
    const template = await app.inject({ method: 'GET', url: `/m/${token}/template.xlsx` });
    expect(template.statusCode).toBe(200);
    expect(template.headers['content-type']).toContain('spreadsheetml');
    expect(await parseSubmissionXlsx(template.rawPayload)).toMatchObject({ ok: true, rows: [] });
    const upload = async (bytes: Uint8Array) => {
      const csrf = hiddenValue((await app.inject({ method: 'GET', url: `/m/${token}` })).body, '_csrf');
      const res = await app.inject({
        method: 'POST',
        url: `/m/${token}/upload`,
        ...multipartBody({ _csrf: csrf }, { name: 'file', fileName: 'сведения.xlsx', bytes }),
      });
      return res.statusCode === 303 ? answerPage(app, res) : res;
    };
    const good = await upload(await excelSubmission({ rows: [sampleRow({ dates: '12 июля 2023 года' })] }));
    expect(good.body).toContain('Версия 1: сведения приняты');
    expect(good.body).not.toContain('не приняты');
    const bad = await upload(
      await excelSubmission({ rows: [sampleRow({ dates: '32 июля 2023 года', title: '' })] }),
    );
    expect(bad.body).toContain('не приняты');
    expect(bad.body).toContain('Наименование мероприятия');
  });
});
