// The consolidated report in the official format. The `docx` library writes the document around
// the table (styles, page setup, the page-number header, title, closing lists, sign-off); the
// table itself — possibly 100,000 rows — is generated as XML text by report-table.ts and spliced
// in place of a placeholder paragraph while word/document.xml is compressed piece by piece.

import {
  AlignmentType,
  Document,
  Header,
  Packer,
  PageNumber,
  PageOrientation,
  Paragraph,
  Tab,
  TabStopType,
  TextRun,
} from 'docx';
import { unzipSync } from 'fflate';
import { parseQuarter, quarterBounds } from '../../domain/quarter';
import type { ReportModel } from '../../domain/types';
import { BODY_SIZE, FONT, MARGINS, TABLE_SIZE, TEXT_WIDTH } from './layout';
import { TABLE_STYLE_ID, tableChunks } from './report-table';
import { stripIllegalXml } from './xml-text';
import { writeZip } from './zip-write';
import type { PartSource } from './zip-write';

const PLACEHOLDER = '@@SVODKA-REPORT-TABLE@@';

export const NIL_REPORTS_HEADING = 'Мероприятия в международной сфере не проводились:';
export const NOT_SUBMITTED_HEADING = 'Сведения не представлены:';

/** «2023-07-10» (or an ISO timestamp) → «10.07.2023»; anything else as it is. */
export function formatSignOffDate(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : date;
}

function text(value: string, options: { bold?: boolean } = {}): TextRun[] {
  return stripIllegalXml(value)
    .split('\n')
    .map((line, i) => new TextRun({ text: line, bold: options.bold, ...(i > 0 ? { break: 1 } : {}) }));
}

function closingList(heading: string, names: string[]): Paragraph[] {
  if (names.length === 0) return [];
  return [
    new Paragraph({ spacing: { before: 240 }, keepNext: true, children: text(heading, { bold: true }) }),
    ...names.map((name) => new Paragraph({ children: text(name) })),
  ];
}

function signOffBlock(signOff: NonNullable<ReportModel['signOff']>): Paragraph[] {
  const date = new Paragraph({ children: text(formatSignOffDate(signOff.date)) });
  if (signOff.position === null || signOff.position.trim() === '') {
    return [
      new Paragraph({
        spacing: { before: 480 },
        keepNext: true,
        children: text(`Подписано: ${signOff.signer}`),
      }),
      date,
    ];
  }
  // The official layout: the position on the left, the name at the right margin, the date below.
  const lines = stripIllegalXml(signOff.position).split('\n');
  const last = lines.pop() ?? '';
  return [
    ...lines.map(
      (line, i) =>
        new Paragraph({
          keepNext: true,
          spacing: i === 0 ? { before: 480 } : {},
          children: [new TextRun(line)],
        }),
    ),
    new Paragraph({
      keepNext: true,
      spacing: lines.length === 0 ? { before: 480 } : {},
      tabStops: [{ type: TabStopType.RIGHT, position: TEXT_WIDTH }],
      children: [new TextRun(last), new TextRun({ children: [new Tab(), stripIllegalXml(signOff.signer)] })],
    }),
    date,
  ];
}

function shellDocument(model: ReportModel): Document {
  return new Document({
    title: model.title,
    creator: 'Svodka',
    lastModifiedBy: 'Svodka',
    customProperties: [{ name: 'svodka.quarter', value: model.quarter }],
    styles: {
      default: { document: { run: { font: FONT, size: BODY_SIZE } } },
      paragraphStyles: [
        {
          id: TABLE_STYLE_ID,
          name: 'Svodka Table Text',
          basedOn: 'Normal',
          quickFormat: false,
          run: { font: FONT, size: TABLE_SIZE },
          paragraph: { spacing: { before: 0, after: 0, line: 240 } },
        },
      ],
    },
    sections: [
      {
        properties: {
          page: {
            size: { orientation: PageOrientation.LANDSCAPE },
            margin: MARGINS,
          },
          titlePage: true,
        },
        headers: {
          // The first page carries the title; the others are numbered at the top centre.
          first: new Header({ children: [new Paragraph({ children: [] })] }),
          default: new Header({
            children: [
              new Paragraph({
                alignment: AlignmentType.CENTER,
                children: [new TextRun({ children: [PageNumber.CURRENT] })],
              }),
            ],
          }),
        },
        children: [
          new Paragraph({
            alignment: AlignmentType.CENTER,
            spacing: { after: 240 },
            children: text(model.title, { bold: true }),
          }),
          new Paragraph({ children: [new TextRun(PLACEHOLDER)] }),
          ...closingList(NIL_REPORTS_HEADING, model.nilReports),
          ...closingList(NOT_SUBMITTED_HEADING, model.notSubmitted),
          ...(model.signOff ? signOffBlock(model.signOff) : []),
        ],
      },
    ],
  });
}

/** Splits word/document.xml around the placeholder paragraph. */
function splitAtPlaceholder(xml: string): [string, string] {
  const at = xml.indexOf(PLACEHOLDER);
  if (at < 0) throw new Error('renderReport: the table placeholder is missing from the generated document');
  const start = Math.max(xml.lastIndexOf('<w:p>', at), xml.lastIndexOf('<w:p ', at));
  const end = xml.indexOf('</w:p>', at);
  if (start < 0 || end < 0) throw new Error('renderReport: the table placeholder is not inside a paragraph');
  return [xml.slice(0, start), xml.slice(end + '</w:p>'.length)];
}

/** word/document.xml in pieces: the shell before the placeholder, the table, the shell after it. */
function* documentPieces(before: string, model: ReportModel, after: string): Generator<string> {
  yield before;
  yield* tableChunks(model);
  yield after;
}

/**
 * The date written into the package (core properties, ZIP entries): the sign-off date, or for a
 * draft the last day of the quarter — never the clock, so the same report renders to the same
 * bytes (the report's id is its SHA-256; a retried render must find its own row).
 */
export function documentDate(model: ReportModel): { iso: string; local: Date } {
  let ymd = model.signOff ? /^(\d{4})-(\d{2})-(\d{2})/.exec(model.signOff.date)?.slice(1) : undefined;
  if (!ymd) {
    try {
      ymd = quarterBounds(parseQuarter(model.quarter)).end.split('-');
    } catch {
      ymd = ['2000', '01', '01'];
    }
  }
  const [y, m, d] = ymd.map(Number) as [number, number, number];
  const iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T00:00:00Z`;
  // A local-time date: ZIP stores local date and time, so this gives the same bytes in any time zone.
  return { iso, local: new Date(y, m - 1, d) };
}

function withFixedDates(coreXml: Uint8Array, iso: string): Uint8Array<ArrayBuffer> {
  const xml = new TextDecoder().decode(coreXml);
  return new TextEncoder().encode(
    xml.replace(/(<dcterms:(created|modified)\b[^>]*>)[^<]*(<\/dcterms:\2>)/g, `$1${iso}$3`),
  );
}

export async function renderReport(model: ReportModel): Promise<Buffer> {
  const shell = unzipSync(await Packer.toBuffer(shellDocument(model)));
  const documentXml = shell['word/document.xml'];
  if (!documentXml) throw new Error('renderReport: the generated document has no word/document.xml');
  const [before, after] = splitAtPlaceholder(new TextDecoder().decode(documentXml));
  const date = documentDate(model);
  if (shell['docProps/core.xml'])
    shell['docProps/core.xml'] = withFixedDates(shell['docProps/core.xml'], date.iso);

  const names = Object.keys(shell).sort(
    (a, b) => Number(b === '[Content_Types].xml') - Number(a === '[Content_Types].xml'),
  );
  return writeZip(
    names.map((name): [string, PartSource] => [
      name,
      name === 'word/document.xml' ? documentPieces(before, model, after) : shell[name]!,
    ]),
    { mtime: date.local },
  );
}
