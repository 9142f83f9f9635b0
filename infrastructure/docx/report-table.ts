// The consolidated report's table as WordprocessingML, built with plain string concatenation so a
// report of 100,000 events takes seconds rather than minutes. The text of each cell is the
// municipality's text: each "\n" starts a new paragraph; XML specials are escaped and characters
// XML 1.0 cannot hold are dropped.

import { REPORT_COLUMNS } from '../../domain/quarter';
import { COLUMN_KEYS } from '../../domain/types';
import type { ReportModel } from '../../domain/types';
import { COLUMN_WIDTHS, TEXT_WIDTH } from './layout';
import { escapeXml } from './xml-text';

/** The paragraph style of every paragraph in the table (11 pt, no spacing), defined by render.ts. */
export const TABLE_STYLE_ID = 'SvodkaTable';

const P_PLAIN = `<w:p><w:pPr><w:pStyle w:val="${TABLE_STYLE_ID}"/></w:pPr>`;
const P_CENTER = `<w:p><w:pPr><w:pStyle w:val="${TABLE_STYLE_ID}"/><w:jc w:val="center"/></w:pPr>`;
const P_SECTION = `<w:p><w:pPr><w:pStyle w:val="${TABLE_STYLE_ID}"/><w:keepNext/><w:jc w:val="center"/></w:pPr>`;
const RUN = '<w:r><w:t xml:space="preserve">';
const RUN_BOLD = '<w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space="preserve">';
const RUN_END = '</w:t></w:r></w:p>';

const CELL_OPEN = COLUMN_WIDTHS.map((w) => `<w:tc><w:tcPr><w:tcW w:w="${w}" w:type="dxa"/></w:tcPr>`);
const HEADER_CELL_OPEN = COLUMN_WIDTHS.map(
  (w) => `<w:tc><w:tcPr><w:tcW w:w="${w}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>`,
);
const SECTION_OPEN =
  '<w:tr><w:trPr><w:cantSplit/></w:trPr>' +
  `<w:tc><w:tcPr><w:tcW w:w="${TEXT_WIDTH}" w:type="dxa"/><w:gridSpan w:val="${COLUMN_WIDTHS.length}"/></w:tcPr>`;

/** Paragraphs for a cell's text: one per line; an empty text still needs one paragraph. */
function paragraphs(text: string, open: string, run: string): string {
  if (text === '') return `${open}</w:p>`;
  if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) return open + run + escapeXml(text) + RUN_END;
  let out = '';
  for (const line of text.split(/\r\n|[\n\r]/)) {
    out += line === '' ? `${open}</w:p>` : open + run + escapeXml(line) + RUN_END;
  }
  return out;
}

const BORDER = 'w:val="single" w:sz="4" w:space="0" w:color="000000"';

/** The table's properties, grid and header row (repeated on every page). */
export function tableHead(): string {
  const grid = COLUMN_WIDTHS.map((w) => `<w:gridCol w:w="${w}"/>`).join('');
  const header = REPORT_COLUMNS.map(
    (text, i) => HEADER_CELL_OPEN[i] + paragraphs(text, P_CENTER, RUN_BOLD) + '</w:tc>',
  ).join('');
  return (
    '<w:tbl><w:tblPr>' +
    `<w:tblW w:w="${TEXT_WIDTH}" w:type="dxa"/>` +
    `<w:tblBorders><w:top ${BORDER}/><w:left ${BORDER}/><w:bottom ${BORDER}/><w:right ${BORDER}/>` +
    `<w:insideH ${BORDER}/><w:insideV ${BORDER}/></w:tblBorders>` +
    '<w:tblLayout w:type="fixed"/>' +
    '<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>' +
    '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>' +
    `</w:tblPr><w:tblGrid>${grid}</w:tblGrid>` +
    `<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>${header}</w:tr>`
  );
}

export const TABLE_END = '</w:tbl>';

/** A section row: the municipality's name across the whole table, bold and centred. */
export function sectionRow(title: string): string {
  return SECTION_OPEN + paragraphs(title, P_SECTION, RUN_BOLD) + '</w:tc></w:tr>';
}

/** An event row: «N.» and the five texts. */
export function eventRow(number: number, row: Record<string, string>): string {
  let out = '<w:tr>' + CELL_OPEN[0] + P_CENTER + RUN + number + '.' + RUN_END + '</w:tc>';
  for (let i = 0; i < COLUMN_KEYS.length; i++) {
    out += CELL_OPEN[i + 1] + paragraphs(row[COLUMN_KEYS[i]!] ?? '', P_PLAIN, RUN) + '</w:tc>';
  }
  return out + '</w:tr>';
}

/**
 * The whole table in pieces of roughly `chunkChars` characters, so a huge report is never one
 * string: the caller encodes and compresses each piece as it comes.
 */
export function* tableChunks(model: ReportModel, chunkChars = 1 << 20): Generator<string> {
  let chunk = tableHead();
  for (const section of model.sections) {
    chunk += sectionRow(section.title);
    for (const event of section.events) {
      chunk += eventRow(event.number, event.row);
      if (chunk.length >= chunkChars) {
        yield chunk;
        chunk = '';
      }
    }
  }
  yield chunk + TABLE_END;
}
