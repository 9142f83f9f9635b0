// The Word template a municipality fills in: a heading naming the municipality and the quarter, the
// official six-column table with one empty row, and a short instruction under it. The parser reads
// it back as it is (zero rows) and ignores the text around the table.

import {
  AlignmentType,
  Document,
  HeightRule,
  Packer,
  PageOrientation,
  Paragraph,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  VerticalAlign,
  WidthType,
} from 'docx';
import { formatQuarter, quarterPhrase, REPORT_COLUMNS } from '../../domain/quarter';
import type { Municipality, Quarter } from '../../domain/types';
import { BODY_SIZE, COLUMN_WIDTHS, FONT, MARGINS, TABLE_SIZE, TEXT_WIDTH } from './layout';

export type TemplateInput = { municipality: Municipality; quarter: Quarter };

/** «Сведения о мероприятиях … — <муниципальное образование> — во II квартале 2023 года». */
export function templateHeading(input: TemplateInput): string {
  return (
    'Сведения о мероприятиях в международной сфере, проведенных органами местного самоуправления — ' +
    `${input.municipality.sectionTitle} — ${quarterPhrase(input.quarter, { vo: true })}`
  );
}

/** The instruction printed under the table, paragraph by paragraph. */
export function templateInstructions(input: TemplateInput): string[] {
  const when = quarterPhrase(input.quarter, { vo: true });
  const year = input.quarter.year;
  return [
    'Как заполнить таблицу (этот текст можно не удалять — он не мешает обработке)',
    '1. Каждое мероприятие — отдельная строка таблицы. Чтобы добавить строку, поставьте курсор ' +
      'в последнюю ячейку таблицы и нажмите Tab. Столбец «№ п/п» можно не заполнять: номера проставляются ' +
      'в сводном отчете.',
    `2. Сроки пишите словами, с годом: «3 апреля ${year} года», «3–5 апреля ${year} года», ` +
      `«29 апреля – 4 мая ${year} года»; если известен только месяц — «Апрель ${year} года».`,
    '3. Не объединяйте строки и ячейки, не меняйте, не удаляйте и не переставляйте заголовки столбцов, ' +
      'не добавляйте новые столбцы. Внутри ячейки можно начинать новые строки (Enter).',
    '4. В столбце «Участники мероприятия» укажите и иностранных участников — страну, организацию.',
    `5. Если ${when} мероприятия в международной сфере не проводились, выберите при отправке на портале ` +
      '(или в командной строке: svodka submit … --nil) вариант «Мероприятия не проводились» ' +
      'либо напишите «Мероприятия не проводились» в первой ячейке пустой строки таблицы и отправьте этот файл.',
    '6. Сохраните файл в формате «Документ Word (.docx)» — не .doc, не PDF и не скан — и отправьте его ' +
      'ответным письмом или загрузите на портале.',
  ];
}

function run(text: string, options: { bold?: boolean; size?: number; italics?: boolean } = {}): TextRun {
  return new TextRun({
    text,
    font: FONT,
    size: options.size ?? BODY_SIZE,
    bold: options.bold,
    italics: options.italics,
  });
}

function headerCell(text: string, width: number): TableCell {
  return new TableCell({
    width: { size: width, type: WidthType.DXA },
    verticalAlign: VerticalAlign.CENTER,
    children: text.split('\n').map(
      (line) =>
        new Paragraph({
          alignment: AlignmentType.CENTER,
          children: [run(line, { bold: true, size: TABLE_SIZE })],
        }),
    ),
  });
}

function emptyCell(width: number): TableCell {
  return new TableCell({
    width: { size: width, type: WidthType.DXA },
    children: [new Paragraph({ children: [run('', { size: TABLE_SIZE })] })],
  });
}

export async function buildTemplate(input: TemplateInput): Promise<Buffer> {
  const table = new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: [...COLUMN_WIDTHS],
    layout: TableLayoutType.FIXED,
    rows: [
      new TableRow({
        tableHeader: true,
        cantSplit: true,
        children: REPORT_COLUMNS.map((header, i) => headerCell(header, COLUMN_WIDTHS[i]!)),
      }),
      new TableRow({
        height: { value: 567, rule: HeightRule.ATLEAST },
        children: COLUMN_WIDTHS.map((width) => emptyCell(width)),
      }),
    ],
  });
  const [instructionTitle, ...instructions] = templateInstructions(input);
  const doc = new Document({
    title: templateHeading(input),
    creator: 'Svodka',
    customProperties: [
      { name: 'svodka.municipality', value: input.municipality.code },
      { name: 'svodka.quarter', value: formatQuarter(input.quarter) },
    ],
    styles: { default: { document: { run: { font: FONT, size: BODY_SIZE } } } },
    sections: [
      {
        properties: {
          page: {
            size: { orientation: PageOrientation.LANDSCAPE },
            margin: MARGINS,
          },
        },
        children: [
          new Paragraph({
            alignment: AlignmentType.CENTER,
            spacing: { after: 240 },
            children: [run(templateHeading(input), { bold: true })],
          }),
          table,
          new Paragraph({
            spacing: { before: 360, after: 120 },
            children: [run(instructionTitle!, { bold: true, size: TABLE_SIZE })],
          }),
          ...instructions.map(
            (text) =>
              new Paragraph({
                spacing: { after: 80 },
                alignment: AlignmentType.BOTH,
                children: [run(text, { size: TABLE_SIZE, italics: true })],
              }),
          ),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}
