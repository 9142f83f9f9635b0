// Answers saved as Excel workbooks: read into the same rows as the Word file with the same rows,
// so validation gives the same findings; refused for the same reasons (size, bombs, ambiguous
// archives, DOCTYPE, macros) with the same codes; and parsed in the same thread pool.
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSubmissionDocx } from '../../infrastructure/docx/parse';
import type { ParseResult } from '../../infrastructure/docx/parse';
import { createParsePool } from '../../infrastructure/docx/parse-pool';
import { parseSubmissionFile } from '../../infrastructure/docx/parse-upload';
import { isXlsxPackage, parseSubmissionXlsx } from '../../infrastructure/docx/parse-xlsx';
import { buildTemplate } from '../../infrastructure/docx/template';
import { buildTemplateXlsx } from '../../infrastructure/docx/template-xlsx';
import { parseQuarter } from '../../domain/quarter';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import { COLUMN_KEYS } from '../../domain/types';
import type { EventRow } from '../../domain/types';
import { normalizeCell, validateRows } from '../../domain/validate';
import { sampleRow, wordSubmission } from '../fixtures/docx-builders';
import { loadReference } from '../fixtures/reference';
import {
  excelSubmission,
  xlsxBomb,
  xlsxDuplicateSheet,
  xlsxElementFlood,
  xlsxEntryFlood,
  xlsxWithDoctype,
  xlsxWithMacros,
} from '../fixtures/xlsx-builders';

const Q = parseQuarter('2023-Q2');

function ok(result: ParseResult): Extract<ParseResult, { ok: true }> {
  if (!result.ok) throw new Error(`rejected: ${result.code}: ${result.message}`);
  return result;
}

async function both(rows: EventRow[], options: { numberColumn?: boolean; headers?: string[] } = {}) {
  const docx = parseSubmissionDocx(await wordSubmission({ rows, ...options }));
  const xlsx = await parseSubmissionXlsx(await excelSubmission({ rows, ...options }));
  return { docx, xlsx };
}

describe('an answer saved as XLSX', () => {
  const pool = createParsePool({ threads: 1 });
  afterAll(() => pool.destroy());

  it('reads the first twenty events of the reference exactly as the Word file, and validates the same', async () => {
    const rows = loadReference()
      .sections.flatMap((s) => s.rows.map((r) => r.row))
      .slice(0, 20);
    const { docx, xlsx } = await both(rows);
    expect(ok(xlsx)).toEqual(ok(docx));
    // Both read the cells through normalizeCell (double spaces collapsed), so compare to that.
    expect(ok(xlsx).rows).toEqual(
      rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalizeCell(v)]))),
    );
    expect(validateRows(ok(xlsx).rows, Q).findings).toEqual(validateRows(ok(docx).rows, Q).findings);
  });

  it('gives the same findings for the same mistakes (a bad date, an empty title), with or without «№»', async () => {
    const rows = [
      sampleRow({ dates: '32 мая 2023 года' }),
      sampleRow({ title: '' }),
      sampleRow({ dates: '5 января 2022 года' }),
    ];
    for (const numberColumn of [true, false]) {
      const { docx, xlsx } = await both(rows, { numberColumn });
      const findings = validateRows(ok(xlsx).rows, Q).findings;
      expect(findings.some((f) => f.severity === 'error')).toBe(true);
      expect(findings).toEqual(validateRows(ok(docx).rows, Q).findings);
    }
  });

  it('takes «Мероприятия не проводились» as a nil report, as in Word', async () => {
    const nilRow = {
      title: 'Мероприятия не проводились',
      place: '',
      dates: '',
      purpose: '',
      participants: '',
    };
    const { docx, xlsx } = await both([nilRow]);
    expect(ok(xlsx)).toMatchObject({ nil: true, rows: [] });
    expect(ok(xlsx)).toEqual(ok(docx));
  });

  it('refuses a sheet without the template’s headers with the Word file’s message', async () => {
    const headers = ['№', 'Что', 'Где', 'Когда', 'Зачем', 'Кто'];
    const { docx, xlsx } = await both([sampleRow()], { headers });
    expect(xlsx).toEqual(docx);
    expect(xlsx).toMatchObject({ ok: false, code: 'no-table' });
  });

  it('reads a date Excel made of «12.04.2023» as written, and a merged cell for each row with a warning', async () => {
    const rows = [sampleRow(), sampleRow({ title: 'Второе' }), sampleRow({ title: 'Третье' })];
    const parsed = ok(
      await parseSubmissionXlsx(
        await excelSubmission({
          rows,
          dateCell: new Date(Date.UTC(2023, 3, 12)),
          mergeDown: { column: 3, from: 1, to: 3 },
        }),
      ),
    );
    expect(parsed.rows[0]!.dates).toBe('12.04.2023');
    expect(parsed.rows.map((r) => r.place)).toEqual(['г. Смоленск', 'г. Смоленск', 'г. Смоленск']);
    expect(parsed.warnings.join('\n')).toContain('Строки 1–3: ячейки столбца «Место проведения');
  });

  it('is told apart from a Word file by content, and parsed in the pool like one', async () => {
    const xlsx = await excelSubmission({ rows: [sampleRow()] });
    const docx = await wordSubmission({ rows: [sampleRow()] });
    expect(isXlsxPackage(xlsx)).toBe(true);
    expect(isXlsxPackage(docx)).toBe(false);
    expect(ok(await parseSubmissionFile(docx)).rows).toEqual([sampleRow()]);
    expect(ok(await pool.parse(xlsx)).rows).toEqual([sampleRow()]);
  });

  it('refuses hostile workbooks before exceljs reads them', async () => {
    const refused = async (bytes: Uint8Array) => {
      const result = await parseSubmissionFile(bytes);
      expect(result.ok).toBe(false);
      return result.ok ? '' : result.code;
    };
    expect(await refused(await xlsxBomb())).toBe('zip-bomb');
    expect(await refused(await xlsxDuplicateSheet(await excelSubmission({ rows: [sampleRow()] })))).toBe(
      'duplicate-entry',
    );
    expect(await refused(await xlsxWithDoctype())).toBe('doctype');
    expect(await refused(await xlsxWithMacros())).toBe('macro');
    expect(await refused(await xlsxEntryFlood())).toBe('zip-bomb');
    expect(await refused(await xlsxElementFlood())).toBe('too-complex');
    // An old .xls (an OLE compound file with a «Workbook» stream) is told to be saved as .xlsx.
    const xls = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(504),
      Buffer.from('Workbook', 'utf16le'),
    ]);
    const legacy = await parseSubmissionFile(xls);
    expect(legacy).toMatchObject({ ok: false, code: 'not-zip' });
    expect(legacy.ok ? '' : legacy.message).toContain('«Книга Excel (.xlsx)»');
    const big = new Uint8Array(11 * 1024 * 1024);
    big.set(await excelSubmission({ rows: [] }));
    expect(await refused(big)).toBe('too-large');
  });

  it('refuses a bomb that lies about its size (the inflated bytes are capped, not the headers trusted)', async () => {
    const bomb = await xlsxBomb(60);
    // The same bomb, but the headers declare 1 KB: only the real cap on inflation stops it.
    const { rawZip } = await import('../fixtures/docx-builders');
    const { unzipSync } = await import('fflate');
    const parts = unzipSync(bomb);
    const lying = rawZip(
      Object.entries(parts).map(([name, data]) =>
        name === 'xl/worksheets/sheet1.xml' ? { name, data, declaredSize: 1024 } : { name, data },
      ),
    );
    const result = await parseSubmissionXlsx(lying);
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? '' : result.code).toMatch(/zip-bomb|corrupt/);
  });
});

describe('the XLSX template', () => {
  const input = {
    municipality: SMOLENSK_MUNICIPALITIES.find((m) => m.code === 'vyazma')!,
    quarter: Q,
  };

  it('parses back empty, like the Word template, and filled reads its rows', async () => {
    const template = await buildTemplateXlsx(input);
    const empty = ok(await parseSubmissionXlsx(template));
    expect(empty).toEqual(ok(parseSubmissionDocx(await buildTemplate(input))));
    expect(empty.rows).toEqual([]);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(template as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Сведения')!;
    expect(String(sheet.getCell('A1').value)).toContain('Вяземский');
    const row = sampleRow({ purpose: 'Первая строка\nвторая строка' });
    COLUMN_KEYS.forEach((k, i) => (sheet.getCell(3, i + 2).value = row[k]));
    const filled = ok(await parseSubmissionXlsx(new Uint8Array(await workbook.xlsx.writeBuffer())));
    expect(filled.rows).toEqual([row]);
    expect(filled.warnings).toEqual([]);
    expect(validateRows(filled.rows, Q).findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
