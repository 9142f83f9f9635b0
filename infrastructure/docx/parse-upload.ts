// The parser's entry for an uploaded answer: an Excel workbook (.xlsx) or a Word document (.docx),
// told apart by what the archive holds, not by the file's name.
import type { ParseLimits, ParseResult } from './parse';
import { parseSubmissionDocx } from './parse';
import { isXlsxPackage, parseSubmissionXlsx } from './parse-xlsx';

export async function parseSubmissionFile(bytes: Uint8Array, limits: ParseLimits = {}): Promise<ParseResult> {
  return isXlsxPackage(bytes) ? parseSubmissionXlsx(bytes, limits) : parseSubmissionDocx(bytes, limits);
}
