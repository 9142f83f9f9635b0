// A submission saved as an Excel workbook (.xlsx): the same limits, the same reading of the table
// and the same findings as the Word file, because each sheet becomes the same ScannedTable a Word
// table becomes and goes through readSubmissionTable unchanged.
//
// exceljs never sees the upload itself. Our own ZIP reader (zip-read.ts: size, entry count,
// inflated total with a real cap, duplicate names, local/central mismatch, CRC) inflates the parts a
// workbook needs, each XML part is scanned with the Word parser's bounds and refused with DOCTYPE or
// ENTITY, and exceljs reads a fresh archive rebuilt from those bytes: whatever it inflates, we
// already did, within the limits.

import ExcelJS from 'exceljs';
import { checkUploadSize, corruptXml, doctypeRejection, tooComplexRejection } from './package';
import { DEFAULT_PARSE_LIMITS } from './parse';
import type { ParseLimits, ParseResult } from './parse';
import { DocxRejection } from './rejection';
import { rejectNonZip } from './sniff';
import { readSubmissionTable } from './submission-table';
import { scanDocumentXml } from './xml-scan';
import type { ScannedCell, ScannedDocument, ScannedRow, ScannedTable } from './xml-scan';
import { XmlScanError } from './xml-text';
import { looksLikeZip, ZipArchive } from './zip-read';
import { writeZip } from './zip-write';

/** The parts of a workbook that hold its cells; drawings, images, printer settings are left out. */
const NEEDED =
  /^(\[content_types\]\.xml|_rels\/\.rels|xl\/workbook\.xml|xl\/_rels\/workbook\.xml\.rels|xl\/sharedstrings\.xml|xl\/styles\.xml|xl\/worksheets\/sheet\d+\.xml)$/;

/** Columns read per sheet: the template has six; a sheet of thousands is not a submission. */
const MAX_COLUMNS = 64;

/** Whether the bytes are a ZIP whose directory names an Excel workbook. Never throws. */
export function isXlsxPackage(bytes: Uint8Array): boolean {
  if (!looksLikeZip(bytes)) return false;
  try {
    const archive = new ZipArchive(bytes, { maxUncompressed: DEFAULT_PARSE_LIMITS.maxUncompressed });
    return archive.has('xl/workbook.xml') && !archive.has('word/document.xml');
  } catch {
    return false;
  }
}

function macroRejection(): DocxRejection {
  return new DocxRejection(
    'macro',
    'Таблица содержит макросы (формат .xlsm) и из соображений безопасности не может быть принята. ' +
      'Сохраните её как «Книга Excel (.xlsx)» — без макросов — и отправьте снова.',
  );
}

function checkXml(bytes: Uint8Array, limits: ParseLimits): void {
  let xml: string;
  try {
    xml = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw corruptXml();
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw doctypeRejection();
  try {
    // The Word scanner's bounds (elements, depth, names, attributes, text, namespaces) apply to
    // any XML; it finds no Word tables here, and that is fine.
    scanDocumentXml(xml, limits.xml);
  } catch (error) {
    if (!(error instanceof XmlScanError)) throw error;
    if (error.kind === 'doctype') throw doctypeRejection();
    if (error.kind === 'limit' && error.over) throw tooComplexRejection(error.over.limit, error.over.value);
    throw corruptXml();
  }
}

/** The archive checked and its workbook parts inflated within the limits, as a fresh ZIP. */
function safeWorkbookArchive(bytes: Uint8Array, limits: ParseLimits): Buffer {
  checkUploadSize(bytes, limits.maxBytes ?? DEFAULT_PARSE_LIMITS.maxBytes);
  if (!looksLikeZip(bytes)) rejectNonZip(bytes);
  const archive = new ZipArchive(bytes, {
    maxUncompressed: limits.maxUncompressed ?? DEFAULT_PARSE_LIMITS.maxUncompressed,
  });
  if (archive.has('xl/vbaProject.bin')) throw macroRejection();
  const parts: [string, Uint8Array][] = [];
  for (const entry of archive.entries.values()) {
    const key = ZipArchive.key(entry.name);
    if (!NEEDED.test(key)) continue;
    const data = archive.read(entry.name);
    if (data === null) continue;
    checkXml(data, limits);
    if (key === '[content_types].xml' && /macroEnabled/i.test(new TextDecoder().decode(data)))
      throw macroRejection();
    // The name as written (exceljs looks parts up by exact name); ZipArchive refused look-alikes.
    parts.push([entry.name.replace(/^\/+/, ''), data]);
  }
  return writeZip(parts, { level: 1 });
}

/** A cell's value as the clerk sees it; formulas by their cached result, never evaluated. */
function cellValueText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) {
    // Excel turns «12.04.2023» into a date; give it back as written, in the Russian order.
    const iso = value.toISOString();
    return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
  }
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: ExcelJS.CellValue }).result;
    return result === undefined || (typeof result === 'object' && result !== null && 'error' in result)
      ? ''
      : cellValueText(result);
  }
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('text' in value && typeof value.text === 'object')
    return cellValueText(value.text as ExcelJS.CellValue);
  return '';
}

type Range = { top: number; left: number; bottom: number; right: number };

function columnNumber(letters: string): number {
  let n = 0;
  for (const c of letters) n = n * 26 + (c.charCodeAt(0) - 64);
  return n;
}

function parseRange(text: string): Range | null {
  const m = /^([A-Z]+)(\d+):([A-Z]+)(\d+)$/.exec(text.replace(/\$/g, '').toUpperCase());
  if (!m) return null;
  return { top: Number(m[2]), left: columnNumber(m[1]!), bottom: Number(m[4]), right: columnNumber(m[3]!) };
}

/** A sheet as the table a Word document would hold: merges become gridSpan and vMerge. */
function sheetTable(sheet: ExcelJS.Worksheet, maxRows: number): ScannedTable {
  const columns = Math.min(MAX_COLUMNS, sheet.columnCount);
  // Rows past what readSubmissionTable accepts (plus headers and blanks) change nothing but time.
  const lastRow = Math.min(sheet.rowCount, maxRows * 4 + 100);
  const merges = ((sheet.model as { merges?: string[] }).merges ?? [])
    .map(parseRange)
    .filter((r): r is Range => r !== null && r.top <= lastRow && r.left <= columns);
  // Overlapping merges (Excel never writes them) must not multiply the work: each cell has one
  // owner, and the walk stops after visiting each cell of the sheet twice.
  const mergeAt = new Map<string, Range>();
  let budget = 2 * lastRow * columns;
  walk: for (const r of merges)
    for (let row = r.top; row <= Math.min(r.bottom, lastRow); row++)
      for (let col = r.left; col <= Math.min(r.right, columns); col++) {
        if (--budget < 0) break walk;
        const key = `${row}:${col}`;
        if (!mergeAt.has(key)) mergeAt.set(key, r);
      }

  const rows: ScannedRow[] = [];
  for (let r = 1; r <= lastRow; r++) {
    const row = sheet.getRow(r);
    const cells: ScannedCell[] = [];
    for (let c = 1; c <= columns;) {
      const merge = mergeAt.get(`${r}:${c}`);
      const span = merge ? Math.min(merge.right, columns) - c + 1 : 1;
      const master = merge ? sheet.getCell(merge.top, merge.left) : row.getCell(c);
      const text = cellValueText(master.value).replace(/\r\n?/g, '\n');
      cells.push({
        paragraphs: text.split('\n'),
        gridSpan: Math.max(1, span),
        vMerge: merge && merge.bottom > merge.top ? (r === merge.top ? 'restart' : 'continue') : null,
        hMerge: null,
        nested: false,
      });
      c += Math.max(1, span);
    }
    rows.push({ cells, gridBefore: 0, header: false, deleted: false });
  }
  return { rows, depth: 0 };
}

async function readWorkbook(bytes: Uint8Array, limits: ParseLimits): Promise<ParseResult> {
  const clean = safeWorkbookArchive(bytes, limits);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(clean as unknown as ArrayBuffer);
  } catch {
    throw corruptXml();
  }
  const maxRows = limits.maxRows ?? DEFAULT_PARSE_LIMITS.maxRows;
  const document: ScannedDocument = {
    blocks: workbook.worksheets
      .filter((s) => s.state === 'visible')
      .map((s) => ({ kind: 'table' as const, table: sheetTable(s, maxRows) })),
    nested: [],
    trackedChanges: false,
    hiddenText: workbook.worksheets.some((s) => s.state !== 'visible'),
  };
  const table = readSubmissionTable(document, maxRows);
  // readSubmissionTable says «скрытый текст» for Word; for a workbook it is a hidden sheet.
  const warnings = table.warnings.map((w) =>
    w.startsWith('В документе есть скрытый текст') ? 'В книге есть скрытые листы; они не учтены.' : w,
  );
  return { ok: true, ...table, warnings };
}

/** Like parseSubmissionDocx, for a workbook. Never throws. */
export async function parseSubmissionXlsx(bytes: Uint8Array, limits: ParseLimits = {}): Promise<ParseResult> {
  try {
    return await readWorkbook(bytes, limits);
  } catch (error) {
    if (error instanceof DocxRejection) return { ok: false, code: error.code, message: error.message };
    return {
      ok: false,
      code: 'corrupt',
      message:
        'Файл не удалось прочитать: он повреждён или сохранён в необычном формате. Откройте его в Excel, ' +
        'сохраните как «Книга Excel (.xlsx)» и отправьте снова.',
    };
  }
}
