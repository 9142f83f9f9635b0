// The check every end-to-end path makes of its final report: read back cell by cell, it is the
// official Q2 2023 report — its title, the column headers, the sections in region order, 65 rows.
import { expect } from 'vitest';
import { readReportDocx } from '../../infrastructure/docx/read';
import { REPORT_COLUMNS } from '../../domain/quarter';
import { loadReference, normalizeText } from '../fixtures/reference';

/** The official report's 65 rows, number first, each cell's text normalized. */
export function officialRows(): string[][] {
  return loadReference().sections.flatMap((s) =>
    s.rows.map((r) =>
      [`${r.number}.`, r.row.title, r.row.place, r.row.dates, r.row.purpose, r.row.participants].map(
        normalizeText,
      ),
    ),
  );
}

export function expectOfficialReport(docx: Uint8Array): void {
  const reference = loadReference();
  const report = readReportDocx(docx);
  expect(normalizeText(report.title)).toBe(normalizeText(reference.title));
  expect(report.headers.map(normalizeText)).toEqual(REPORT_COLUMNS.map(normalizeText));
  expect(report.sections.map((s) => s.title)).toEqual(reference.sections.map((s) => s.title));
  const got = report.sections.flatMap((s) => s.rows.map((r) => [r.number, ...r.cells].map(normalizeText)));
  expect(got).toHaveLength(65);
  expect(got).toEqual(officialRows());
}
