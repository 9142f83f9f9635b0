// The consolidated table as XLSX, read back with exceljs: the same title, headers, sections,
// numbering and cell texts as the DOCX of the same model (the official Q2 2023 report).
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { modelFromReportDocx } from '../../infrastructure/export/report-model';
import { REPORT_SHEET_NAME, renderReportXlsx, XLSX_CELL_LIMIT } from '../../infrastructure/export/report-xlsx';
import { renderReport } from '../../infrastructure/docx/render';
import { parseDateRange } from '../../domain/dates';
import { buildReport } from '../../domain/merge';
import { parseQuarter, REPORT_COLUMNS } from '../../domain/quarter';
import { SMOLENSK_MUNICIPALITIES, SMOLENSK_REGION } from '../../domain/registry/smolensk';
import { COLUMN_KEYS } from '../../domain/types';
import type { ReportModel, SubmittedEvent } from '../../domain/types';
import { loadReference, normalizeText } from '../fixtures/reference';

function referenceModel(signOff: ReportModel['signOff'] = null): ReportModel {
  const quarter = parseQuarter('2023-Q2');
  const events: SubmittedEvent[] = loadReference().sections.flatMap((s) =>
    s.rows.map((r, index) => {
      const parsed = parseDateRange(r.row.dates, quarter);
      return { municipality: s.code, index, row: r.row, range: parsed.ok ? parsed.range : null };
    }),
  );
  return buildReport({
    quarter,
    municipalities: SMOLENSK_MUNICIPALITIES,
    regionGenitive: SMOLENSK_REGION.genitive,
    events,
    nilReports: ['velizh', 'demidov'],
    notSubmitted: ['ugra'],
    signOff,
  });
}

async function readSheet(bytes: Buffer): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = workbook.getWorksheet(REPORT_SHEET_NAME);
  if (!sheet) throw new Error(`no sheet «${REPORT_SHEET_NAME}»`);
  return sheet;
}

const text = (cell: ExcelJS.Cell): string => (cell.value === null ? '' : String(cell.value));

describe('the consolidated report as XLSX', () => {
  it('holds the reference report: title, headers, sections in order, numbers 1..65, every cell', async () => {
    const model = referenceModel();
    const reference = loadReference();
    const sheet = await readSheet(await renderReportXlsx(model));

    expect(normalizeText(text(sheet.getCell('A1')))).toBe(reference.title);
    expect(sheet.getCell('A1').isMerged).toBe(true);
    expect(REPORT_COLUMNS.map((_, i) => text(sheet.getRow(2).getCell(i + 1)))).toEqual([...REPORT_COLUMNS]);

    const numbers: number[] = [];
    const sections: string[] = [];
    const rows: string[][] = [];
    for (let r = 3; r <= sheet.rowCount; r++) {
      const row = sheet.getRow(r);
      const first = row.getCell(1);
      if (typeof first.value === 'number') {
        numbers.push(first.value);
        expect(first.numFmt).toBe('0"."');
        rows.push(COLUMN_KEYS.map((_, i) => text(row.getCell(i + 2))));
      } else if (first.isMerged) sections.push(text(first));
    }
    expect(numbers).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
    expect(sections.map(normalizeText)).toEqual(reference.sections.map((s) => normalizeText(s.title)));
    expect(rows).toEqual(
      model.sections.flatMap((s) => s.events.map((e) => COLUMN_KEYS.map((k) => e.row[k]))),
    );
    // The reference's «Дружба без границ» (Смоленск) is somewhere in those rows, as written.
    expect(rows.some((r) => r[0]!.includes('Дружба без границ'))).toBe(true);
  });

  it('is laid out for reading: frozen header, wrapped text, widths in the DOCX proportions, Russian sheet name', async () => {
    const sheet = await readSheet(await renderReportXlsx(referenceModel()));
    expect(sheet.name).toBe('Сводный отчет');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    const widths = sheet.columns.map((c) => c.width ?? 0);
    expect(widths[0]).toBeLessThan(10);
    expect(widths[4]).toBeGreaterThan(widths[1]!);
    expect(sheet.getRow(4).getCell(5).alignment?.wrapText).toBe(true);
    expect(sheet.getRow(2).getCell(2).font?.bold).toBe(true);
  });

  it('ends with the closing lists and the sign-off of a final report', async () => {
    const sheet = await readSheet(
      await renderReportXlsx(
        referenceModel({ signer: 'И. И. Иванов', position: 'Начальник департамента', date: '2023-07-14' }),
      ),
    );
    const tail: string[] = [];
    sheet.eachRow((row) => {
      if (row.number > 70 && typeof row.getCell(1).value === 'string') tail.push(text(row.getCell(1)));
    });
    expect(tail).toEqual(
      expect.arrayContaining([
        'Мероприятия в международной сфере не проводились:',
        'Сведения не представлены:',
        'Начальник департамента',
        'И. И. Иванов',
        '14.07.2023',
      ]),
    );
  });

  it('reads a stored DOCX back into the model it was rendered from', async () => {
    const model = referenceModel({
      signer: 'И. И. Иванов',
      position: 'Начальник департамента',
      date: '2023-07-14',
    });
    const back = modelFromReportDocx(await renderReport(model), '2023-Q2', {
      signer: 'И. И. Иванов',
      position: 'Начальник департамента',
      signedAt: new Date('2023-07-14T10:00:00Z'),
    });
    expect(back.title).toBe(model.title);
    expect(back.sections.map((s) => s.title)).toEqual(model.sections.map((s) => s.title));
    expect(back.sections.map((s) => s.events)).toEqual(model.sections.map((s) => s.events));
    expect(back.nilReports).toEqual(model.nilReports);
    expect(back.notSubmitted).toEqual(model.notSubmitted);
    expect(back.signOff).toEqual(model.signOff);
    expect(back.eventCount).toBe(65);
  });

  it('keeps hostile text as text: no formula, no broken XML, no cell beyond Excel’s limit', async () => {
    const model = referenceModel();
    const first = model.sections[0]!.events[0]!;
    first.row = {
      ...first.row,
      title: '=HYPERLINK("http://evil.example","x")\u0001',
      purpose: 'я'.repeat(40_000),
    };
    const sheet = await readSheet(await renderReportXlsx(model));
    const cell = sheet.getRow(4).getCell(2);
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.value).toBe('=HYPERLINK("http://evil.example","x")');
    expect(String(sheet.getRow(4).getCell(5).value).length).toBe(XLSX_CELL_LIMIT);
  });
});
