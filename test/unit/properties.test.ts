// Property-based tests: on any input the date parser, the validator and the merge never throw and
// keep their invariants (numbering continuous, every accepted row exactly once, region order kept).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDateRange } from '../../domain/dates';
import { buildReport } from '../../domain/merge';
import { SMOLENSK_MUNICIPALITIES, SMOLENSK_REGION } from '../../domain/registry/smolensk';
import type { EventRow, Quarter, SubmittedEvent } from '../../domain/types';
import { validateRows } from '../../domain/validate';

const quarter: Quarter = { year: 2023, quarter: 2 };
const MONTHS = [
  'января',
  'февраля',
  'марта',
  'апреля',
  'мая',
  'июня',
  'июля',
  'августа',
  'сентября',
  'октября',
  'ноября',
  'декабря',
];
const DASHES = ['-', '–', '—', ' – ', ' - '];

/** Text a clerk might type into the dates column: real forms, broken forms and noise. */
const datesText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: fc.constantFrom(...'0123456789 .-–—мартаяпрельгод\n'.split('')), maxLength: 40 }),
  fc
    .tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom(...MONTHS), fc.integer({ min: 1890, max: 2200 }))
    .map(([d, m, y]) => `${d} ${m} ${y} года`),
  fc
    .tuple(
      fc.integer({ min: 1, max: 31 }),
      fc.constantFrom(...DASHES),
      fc.integer({ min: 1, max: 31 }),
      fc.constantFrom(...MONTHS),
    )
    .map(([a, dash, b, m]) => `${a}${dash}${b} ${m}`),
  fc
    .tuple(
      fc.integer({ min: 0, max: 35 }),
      fc.integer({ min: 0, max: 14 }),
      fc.integer({ min: 1999, max: 2030 }),
    )
    .map(([d, m, y]) => `${String(d).padStart(2, '0')}.${String(m).padStart(2, '0')}.${y}`),
);

const text = fc.string({ maxLength: 120 });
const row: fc.Arbitrary<EventRow> = fc.record({
  title: text,
  place: text,
  dates: datesText,
  purpose: text,
  participants: text,
});

describe('date parser on any text', () => {
  it('never throws, and a parsed range is ordered, real and of a known precision', () => {
    fc.assert(
      fc.property(datesText, (input) => {
        const result = parseDateRange(input, quarter);
        if (!result.ok) {
          expect(result.message.length).toBeGreaterThan(0);
          return;
        }
        const { start, end, precision } = result.range;
        expect(['day', 'month']).toContain(precision);
        expect(start <= end).toBe(true);
        for (const d of [start, end]) expect(new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10)).toBe(d);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('validator on any rows', () => {
  it('never throws; every finding points at a real row and column and says something', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
        const { findings, ranges } = validateRows(rows, quarter);
        expect(ranges).toHaveLength(rows.length);
        for (const f of findings) {
          expect(['error', 'warning', 'info']).toContain(f.severity);
          expect(f.message.length).toBeGreaterThan(0);
          if (f.row !== null) expect(f.row >= 1 && f.row <= rows.length).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('merge on any accepted events', () => {
  const event = fc.record({
    municipality: fc.constantFrom(...SMOLENSK_MUNICIPALITIES.map((m) => m.code)),
    row,
  });

  it('numbers continuously, keeps every row exactly once, and keeps region order', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 80 }), (drawn) => {
        const counters = new Map<string, number>();
        const events: SubmittedEvent[] = drawn.map((e) => {
          const index = counters.get(e.municipality) ?? 0;
          counters.set(e.municipality, index + 1);
          const parsed = parseDateRange(e.row.dates, quarter);
          return { municipality: e.municipality, index, row: e.row, range: parsed.ok ? parsed.range : null };
        });
        const report = buildReport({
          quarter,
          municipalities: SMOLENSK_MUNICIPALITIES,
          regionGenitive: SMOLENSK_REGION.genitive,
          events,
        });
        const numbers = report.sections.flatMap((s) => s.events.map((e) => e.number));
        expect(numbers).toEqual(numbers.map((_, i) => i + 1));
        expect(report.eventCount).toBe(events.length);
        // Every row exactly once: the multiset of rows in equals the multiset out.
        const fingerprint = (r: EventRow) => JSON.stringify(r);
        const out = report.sections.flatMap((s) => s.events.map((e) => fingerprint(e.row))).sort();
        expect(out).toEqual(events.map((e) => fingerprint(e.row)).sort());
        // Region order, one section per municipality that reported events.
        const positions = report.sections.map(
          (s) => SMOLENSK_MUNICIPALITIES.find((m) => m.code === s.municipality)!.position,
        );
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(new Set(report.sections.map((s) => s.municipality)).size).toBe(report.sections.length);
      }),
      { numRuns: 300 },
    );
  });
});
