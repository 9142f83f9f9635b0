// The municipality's template as an Excel workbook: the heading, the official header row and empty
// rows to fill on the first sheet; the instructions on a second sheet, where they cannot be taken
// for events. The parser (parse-xlsx.ts) reads it back like the Word template.
import ExcelJS from 'exceljs';
import { REPORT_COLUMNS } from '../../domain/quarter';
import { XLSX_COLUMN_WIDTHS } from '../export/report-xlsx';
import { templateHeading, templateInstructions } from './template';
import type { TemplateInput } from './template';

const EMPTY_ROWS = 30;
const THIN = { style: 'thin', color: { argb: 'FF000000' } } as const;
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };

export async function buildTemplateXlsx(input: TemplateInput): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Svodka';
  workbook.title = templateHeading(input);
  const sheet = workbook.addWorksheet('Сведения', {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 2, topLeftCell: 'A3' }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  sheet.columns = XLSX_COLUMN_WIDTHS.map((width) => ({
    width,
    style: { alignment: { vertical: 'top', wrapText: true } },
  }));
  const heading = sheet.getCell(1, 1);
  heading.value = templateHeading(input);
  heading.font = { bold: true, size: 12 };
  heading.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  sheet.getRow(1).height = 45;
  sheet.mergeCells(1, 1, 1, REPORT_COLUMNS.length);
  REPORT_COLUMNS.forEach((text, i) => {
    const cell = sheet.getCell(2, i + 1);
    cell.value = text;
    cell.font = { bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.border = BORDER;
  });
  sheet.getRow(2).height = 90;
  for (let r = 3; r < 3 + EMPTY_ROWS; r++)
    for (let c = 1; c <= REPORT_COLUMNS.length; c++) sheet.getCell(r, c).border = BORDER;

  const help = workbook.addWorksheet('Как заполнить');
  help.columns = [{ width: 120, style: { alignment: { wrapText: true, vertical: 'top' } } }];
  const [title, ...lines] = templateInstructions(input);
  help.addRow([title]).font = { bold: true };
  for (const line of lines)
    help.addRow([
      // The Word wording, with the Excel way to add a row and to save.
      line
        .replace(
          'Чтобы добавить строку, поставьте курсор в последнюю ячейку таблицы и нажмите Tab.',
          'Пустых строк в таблице 30; если их не хватит, продолжайте ниже.',
        )
        .replace(
          'Внутри ячейки можно начинать новые строки (Enter).',
          'Внутри ячейки новая строка — Alt+Enter.',
        )
        .replace(
          'Сохраните файл в формате «Документ Word (.docx)» — не .doc, не PDF и не скан',
          'Сохраните файл в формате «Книга Excel (.xlsx)» — не .xls, не PDF и не скан',
        ),
    ]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
