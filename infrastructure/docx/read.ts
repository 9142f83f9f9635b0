// Reading a consolidated report back, cell by cell: for the golden test and for verification of a
// signed-off file. Unlike the submission parser it throws on a file it cannot read.

import { MiB, openDocxPackage } from './package';
import { DocxRejection } from './rejection';
import { cellText } from './xml-scan';
import type { ScannedTable } from './xml-scan';

export type ReadReport = {
  /** The non-empty paragraphs before the table, one per line. */
  title: string;
  /** The header row's cells; line breaks as "\n". */
  headers: string[];
  /** Section rows (one cell across the table) and the event rows under each. */
  sections: { title: string; rows: { number: string; cells: string[] }[] }[];
  /** The non-empty paragraphs after the table: closing lists, sign-off. */
  trailing: string[];
};

export class ReportReadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReportReadError';
  }
}

function readTable(table: ScannedTable): Pick<ReadReport, 'headers' | 'sections'> {
  const [head, ...rows] = table.rows;
  const headers = head ? head.cells.map(cellText) : [];
  const sections: ReadReport['sections'] = [];
  for (const row of rows) {
    const cells = row.cells.map(cellText);
    if (row.cells.length === 1 && row.cells[0]!.gridSpan > 1) {
      sections.push({ title: cells[0]!, rows: [] });
      continue;
    }
    if (sections.length === 0) sections.push({ title: '', rows: [] });
    sections[sections.length - 1]!.rows.push({ number: cells[0] ?? '', cells: cells.slice(1) });
  }
  return { headers, sections };
}

export function readReportDocx(
  bytes: Uint8Array,
  limits: { maxBytes?: number; maxUncompressed?: number } = {},
): ReadReport {
  let document;
  try {
    document = openDocxPackage(bytes, {
      maxBytes: limits.maxBytes ?? 1024 * MiB,
      maxUncompressed: limits.maxUncompressed ?? 2048 * MiB,
      // A national report holds millions of elements and characters; the bounds on depth, names
      // and attributes (the shapes no report of ours has) still apply, and the scan stays linear.
      xml: { maxElements: Number.MAX_SAFE_INTEGER, maxText: Number.MAX_SAFE_INTEGER },
    });
  } catch (error) {
    if (error instanceof DocxRejection) throw new ReportReadError(error.code, error.message);
    throw error;
  }
  const at = document.blocks.findIndex((b) => b.kind === 'table');
  const table = document.blocks[at];
  if (at < 0 || table?.kind !== 'table') {
    throw new ReportReadError('no-table', 'В документе нет таблицы сводного отчета.');
  }
  const paragraphs = (from: number, to: number): string[] =>
    document.blocks
      .slice(from, to)
      .flatMap((b) => (b.kind === 'paragraph' && b.text.trim() !== '' ? [b.text] : []));
  return {
    title: paragraphs(0, at).join('\n'),
    ...readTable(table.table),
    trailing: paragraphs(at + 1, document.blocks.length),
  };
}
