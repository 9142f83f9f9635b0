// The golden test: the official 2023-Q2 report, split into the eight municipalities' submissions
// as DOCX files, goes through parse → validate → merge → render → read and comes out the same,
// cell by cell.

import { describe, expect, it } from 'vitest';
import { parseSubmissionDocx } from '../../infrastructure/docx/parse';
import { readReportDocx } from '../../infrastructure/docx/read';
import { renderReport, NIL_REPORTS_HEADING } from '../../infrastructure/docx/render';
import { parseDateRange } from '../../domain/dates';
import { buildReport } from '../../domain/merge';
import { parseQuarter, REPORT_COLUMNS } from '../../domain/quarter';
import { SMOLENSK_MUNICIPALITIES, SMOLENSK_REGION } from '../../domain/registry/smolensk';
import type { EventRow, SubmittedEvent } from '../../domain/types';
import { hasErrors, validateRows } from '../../domain/validate';
import { libreOfficeSubmission, seededShuffle, wordSubmission } from '../fixtures/docx-builders';
import { loadReference, normalizeText } from '../fixtures/reference';

const QUARTER = parseQuarter('2023-Q2');

/**
 * Rows in the order a clerk might type them — except that events on the same dates keep their
 * relative order: the report breaks such ties by submission order, so no shuffle may swap them.
 */
function shuffleKeepingTies(rows: EventRow[], seed: number): EventRow[] {
  const key = (row: EventRow): string => {
    const parsed = parseDateRange(row.dates, QUARTER);
    return parsed.ok
      ? `${parsed.range.start}/${parsed.range.end}/${parsed.range.precision}`
      : normalizeText(row.dates);
  };
  const queues = new Map<string, EventRow[]>();
  for (const row of rows) queues.set(key(row), [...(queues.get(key(row)) ?? []), row]);
  return seededShuffle(rows, seed).map((row) => queues.get(key(row))!.shift()!);
}

async function submission(title: string, rows: EventRow[], i: number): Promise<Uint8Array> {
  const numberColumn = i % 3 !== 1;
  const around =
    i % 2 === 0 ? { before: [`Сведения о мероприятиях: ${title}`], after: ['Исполнитель: специалист'] } : {};
  return i % 2 === 0
    ? wordSubmission({ rows, numberColumn, lineBreaks: i % 4 === 0 ? 'paragraphs' : 'breaks', ...around })
    : libreOfficeSubmission({
        rows,
        numberColumn,
        wrappers: i % 4 === 1,
        ...(i === 3 ? { before: ['Приложение'] } : {}),
      });
}

describe('golden: the 2023-Q2 reference report', () => {
  const reference = loadReference();

  it('has the shape the test relies on', () => {
    expect(reference.sections).toHaveLength(8);
    expect(reference.sections.flatMap((s) => s.rows)).toHaveLength(65);
  });

  it('comes out of parse → validate → merge → render → read cell by cell', async () => {
    const events: SubmittedEvent[] = [];
    let reordered = 0;
    for (const [i, section] of reference.sections.entries()) {
      const typed = shuffleKeepingTies(
        section.rows.map((r) => r.row),
        1000 + i,
      );
      if (typed.some((row, k) => row !== section.rows[k]!.row)) reordered++;
      const parsed = parseSubmissionDocx(await submission(section.title, typed, i));
      if (!parsed.ok) throw new Error(`${section.code}: ${parsed.code}: ${parsed.message}`);
      expect(parsed.nil).toBe(false);
      expect(parsed.rows).toHaveLength(section.rows.length);
      const { findings, ranges } = validateRows(parsed.rows, QUARTER);
      expect(hasErrors(findings), `${section.code}: ${JSON.stringify(findings)}`).toBe(false);
      parsed.rows.forEach((row, index) =>
        events.push({ municipality: section.code, index, row, range: ranges[index] ?? null }),
      );
    }
    expect(reordered).toBeGreaterThanOrEqual(6);
    const withEvents = new Set(reference.sections.map((s) => s.code));
    const nilReports = SMOLENSK_MUNICIPALITIES.map((m) => m.code).filter((c) => !withEvents.has(c));

    const model = buildReport({
      quarter: QUARTER,
      municipalities: SMOLENSK_MUNICIPALITIES,
      regionGenitive: SMOLENSK_REGION.genitive,
      events,
      nilReports,
      signOff: { signer: 'И. И. Иванов', position: 'Начальник департамента', date: '2023-07-14' },
    });
    const report = readReportDocx(await renderReport(model));

    expect(normalizeText(report.title)).toBe(normalizeText(reference.title));
    expect(report.headers).toEqual([...REPORT_COLUMNS]);
    expect(report.headers.map(normalizeText)).toEqual(reference.headers.map(normalizeText));
    expect(report.sections.map((s) => s.title)).toEqual(reference.sections.map((s) => s.title));

    const got = report.sections.flatMap((s) => s.rows.map((r) => [r.number, ...r.cells].map(normalizeText)));
    const want = reference.sections.flatMap((s) =>
      s.rows.map((r) =>
        [`${r.number}.`, r.row.title, r.row.place, r.row.dates, r.row.purpose, r.row.participants].map(
          normalizeText,
        ),
      ),
    );
    expect(got).toHaveLength(65);
    expect(got.map((row) => row[0])).toEqual(Array.from({ length: 65 }, (_, i) => `${i + 1}.`));
    for (let i = 0; i < want.length; i++) expect(got[i], `row ${i + 1}`).toEqual(want[i]);

    expect(report.trailing[0]).toBe(NIL_REPORTS_HEADING);
    expect(report.trailing).toHaveLength(1 + 19 + 2);
  });
});
