// The consolidated report as an Excel workbook, from the same ReportModel the DOCX is rendered
// from: the same title, headers, section rows and continuous numbering, the same cell texts.
// exceljs writes the package; cells are always plain strings or numbers, never formulas.

import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { REPORT_COLUMNS } from '../../domain/quarter';
import { COLUMN_KEYS } from '../../domain/types';
import type { ReportModel } from '../../domain/types';
import { documentDate, formatSignOffDate, NIL_REPORTS_HEADING, NOT_SUBMITTED_HEADING } from '../docx/render';
import { COLUMN_WIDTHS } from '../docx/layout';
import { stripIllegalXml } from '../docx/xml-text';

export const REPORT_SHEET_NAME = 'Сводный отчет';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Excel refuses a cell of more than 32,767 characters (the file then opens «with errors»). */
export const XLSX_CELL_LIMIT = 32_767;

/** The row of the header: the title is row 1, the header row 2; both stay frozen on scrolling. */
export const HEADER_ROW = 2;

const FONT = { name: 'Times New Roman', size: 11 } as const;
const THIN = { style: 'thin', color: { argb: 'FF000000' } } as const;
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };

/** A cell's text as Excel can hold it: XML-legal characters, line breaks as "\n", within the limit. */
export function xlsxText(text: string): string {
  const clean = stripIllegalXml(text).replace(/\r\n?/g, '\n');
  return clean.length <= XLSX_CELL_LIMIT ? clean : `${clean.slice(0, XLSX_CELL_LIMIT - 1)}…`;
}

/** Column widths in Excel's characters, in the proportions of the DOCX table (twips ÷ ~105). */
export const XLSX_COLUMN_WIDTHS: readonly number[] = COLUMN_WIDTHS.map((w) =>
  Math.max(6, Math.round(w / 105)),
);

/** How many lines a wrapped text needs in a column of `width` characters (for row heights). */
function lineCount(text: string, width: number): number {
  return text.split('\n').reduce((n, line) => n + Math.max(1, Math.ceil((line.length * 1.1) / width)), 0);
}

function rowHeight(texts: string[]): number {
  const lines = Math.max(1, ...texts.map((t, i) => lineCount(t, XLSX_COLUMN_WIDTHS[i] ?? 20)));
  // Excel caps a row at 409 points; beyond that the text is still all there, just scrolled.
  return Math.min(409, lines * 15);
}

/**
 * Written with exceljs's streaming writer: each row is committed as it is written, so a national
 * report (100,000 events) needs memory for the compressed output only, not for a workbook model.
 */
export async function renderReportXlsx(model: ReportModel): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  // The same date as the DOCX package: the sign-off date or the quarter's last day, never the clock.
  const date = new Date(documentDate(model).iso);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream,
    useStyles: true,
    useSharedStrings: false,
    created: date,
    modified: date,
    creator: 'Svodka',
    lastModifiedBy: 'Svodka',
  } as ConstructorParameters<typeof ExcelJS.stream.xlsx.WorkbookWriter>[0] & Record<string, unknown>);
  const sheet = workbook.addWorksheet(REPORT_SHEET_NAME, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: HEADER_ROW, topLeftCell: `A${HEADER_ROW + 1}` }],
    pageSetup: {
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: `${HEADER_ROW}:${HEADER_ROW}`,
    },
  });
  sheet.columns = XLSX_COLUMN_WIDTHS.map((width) => ({ width }));
  const last = REPORT_COLUMNS.length;
  let at = 1;

  const title = sheet.getRow(at);
  title.getCell(1).value = xlsxText(model.title);
  title.getCell(1).font = { ...FONT, size: 12, bold: true };
  title.getCell(1).alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  title.height = 45;
  sheet.mergeCells(at, 1, at, last);
  title.commit();
  at++;

  const header = sheet.getRow(at++);
  REPORT_COLUMNS.forEach((text, i) => {
    const cell = header.getCell(i + 1);
    cell.value = text;
    cell.font = { ...FONT, bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.border = BORDER;
  });
  header.height = rowHeight([...REPORT_COLUMNS]);
  header.commit();

  for (const section of model.sections) {
    const row = sheet.getRow(at);
    const cell = row.getCell(1);
    cell.value = xlsxText(section.title);
    cell.font = { ...FONT, bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    for (let c = 1; c <= last; c++) row.getCell(c).border = BORDER;
    sheet.mergeCells(at, 1, at, last);
    row.commit();
    at++;
    for (const event of section.events) {
      const texts = COLUMN_KEYS.map((key) => xlsxText(event.row[key] ?? ''));
      const row = sheet.getRow(at++);
      const number = row.getCell(1);
      // A number, shown as «12.» like the DOCX: the column still sorts and sums as numbers.
      number.value = event.number;
      number.numFmt = '0"."';
      number.alignment = { horizontal: 'center', vertical: 'top' };
      texts.forEach((text, i) => {
        const cell = row.getCell(i + 2);
        cell.value = text;
        cell.alignment = { vertical: 'top', wrapText: true };
      });
      for (let c = 1; c <= last; c++) {
        row.getCell(c).font = FONT;
        row.getCell(c).border = BORDER;
      }
      row.height = rowHeight(['', ...texts]);
      row.commit();
    }
  }

  const paragraph = (text: string, bold = false) => {
    const row = sheet.getRow(at++);
    const cell = row.getCell(1);
    cell.value = xlsxText(text);
    cell.font = { ...FONT, size: 12, bold };
    row.commit();
  };
  const closingList = (heading: string, names: string[]) => {
    if (names.length === 0) return;
    at++;
    paragraph(heading, true);
    for (const name of names) paragraph(name);
  };
  closingList(NIL_REPORTS_HEADING, model.nilReports);
  closingList(NOT_SUBMITTED_HEADING, model.notSubmitted);
  if (model.signOff) {
    at++;
    const { signer, position } = model.signOff;
    if (position && position.trim() !== '') {
      for (const line of position.split('\n')) paragraph(line);
      paragraph(signer);
    } else paragraph(`Подписано: ${signer}`);
    paragraph(formatSignOffDate(model.signOff.date));
  }

  sheet.commit();
  await workbook.commit();
  await done;
  return Buffer.concat(chunks);
}

export function reportXlsxFileName(quarter: string, kind: 'draft' | 'final'): string {
  return `svodka-${quarter}-${kind === 'final' ? 'итоговый' : 'проект'}.xlsx`;
}
