// Submission files the benchmarks send, built as the tests build them (test/fixtures/docx-builders).
import type { EventRow } from '../domain/types';
import { libreOfficeSubmission, wordSubmission } from '../test/fixtures/docx-builders';
import { loadReference } from '../test/fixtures/reference';

/** A small submission: one event, the first of the reference, in a LibreOffice-style file. */
export function smallSubmission(): Uint8Array {
  const row: EventRow = loadReference().sections[0]!.rows[0]!.row;
  return libreOfficeSubmission({ rows: [row], numberColumn: true });
}

/** A submission of `count` rows (the reference's 65 repeated), written as Word writes it. */
export async function submissionOf(count: number): Promise<Uint8Array> {
  const reference = loadReference().sections.flatMap((s) => s.rows.map((r) => r.row));
  const rows: EventRow[] = Array.from({ length: count }, (_, i) => reference[i % reference.length]!);
  return wordSubmission({ rows, numberColumn: true });
}
