// Reading a municipality's submission: the filled Word template. Never throws — every problem is
// a ParseResult with a stable code and a Russian message for the clerk.

import type { EventRow } from '../../domain/types';
import { MiB, openDocxPackage } from './package';
import { DocxRejection } from './rejection';
import { readSubmissionTable } from './submission-table';
import type { ScanLimits } from './xml-scan';

export type ParseLimits = {
  /** The largest upload accepted, bytes (10 MiB). */
  maxBytes?: number;
  /** The most the archive may inflate to, in total and per part (50 MiB). */
  maxUncompressed?: number;
  /** The most event rows (2000). */
  maxRows?: number;
  /** Bounds on the document's XML: elements, depth, names, attributes, text (xml-scan.ts). */
  xml?: Partial<ScanLimits>;
};

export const DEFAULT_PARSE_LIMITS: Required<Omit<ParseLimits, 'xml'>> = {
  maxBytes: 10 * MiB,
  maxUncompressed: 50 * MiB,
  maxRows: 2000,
};

export type ParseResult =
  | { ok: true; rows: EventRow[]; nil: boolean; numberColumn: boolean; warnings: string[] }
  | { ok: false; code: string; message: string };

export function parseSubmissionDocx(bytes: Uint8Array, limits: ParseLimits = {}): ParseResult {
  try {
    const document = openDocxPackage(bytes, {
      maxBytes: limits.maxBytes ?? DEFAULT_PARSE_LIMITS.maxBytes,
      maxUncompressed: limits.maxUncompressed ?? DEFAULT_PARSE_LIMITS.maxUncompressed,
      ...(limits.xml ? { xml: limits.xml } : {}),
    });
    const table = readSubmissionTable(document, limits.maxRows ?? DEFAULT_PARSE_LIMITS.maxRows);
    return { ok: true, ...table };
  } catch (error) {
    if (error instanceof DocxRejection) return { ok: false, code: error.code, message: error.message };
    return {
      ok: false,
      code: 'corrupt',
      message:
        'Файл не удалось прочитать: он повреждён или сохранён в необычном формате. Откройте его в Word, ' +
        'сохраните как «Документ Word (.docx)» и отправьте снова.',
    };
  }
}
