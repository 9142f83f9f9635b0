import { describe, expect, it } from 'vitest';
import { parseDateRange } from '../../domain/dates';
import { UnknownMunicipalityError, buildReport, compareEvents, sortSection } from '../../domain/merge';
import { SMOLENSK_MUNICIPALITIES, SMOLENSK_REGION, generateRegistry } from '../../domain/registry/smolensk';
import type { DateRange, EventRow, Quarter, SubmittedEvent } from '../../domain/types';
import { loadReference } from '../fixtures/reference';

const Q2: Quarter = { year: 2023, quarter: 2 };

/** Deterministic shuffle (mulberry32 + Fisher–Yates). */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function range(text: string): DateRange {
  const r = parseDateRange(text, Q2);
  if (!r.ok) throw new Error(r.message);
  return r.range;
}

function row(title: string, dates: string): EventRow {
  return {
    title,
    place: 'г. Минск',
    dates,
    purpose: 'Обмен опытом',
    participants: 'Делегация Республики Беларусь',
  };
}

function event(
  index: number,
  dates: string | null,
  municipality = 'smolensk',
  title = `Событие ${index}`,
): SubmittedEvent {
  return {
    municipality,
    index,
    row: row(title, dates ?? 'когда-то'),
    range: dates === null ? null : range(dates),
  };
}

/** The reference's events as submissions: index = order in the reference, dates parsed with 2023-Q2. */
function referenceEvents(): {
  code: string;
  numbers: number[];
  events: (SubmittedEvent & { number: number })[];
}[] {
  return loadReference().sections.map((s) => ({
    code: s.code,
    numbers: s.rows.map((r) => r.number),
    events: s.rows.map((r, index) => ({
      municipality: s.code,
      index,
      row: r.row,
      range: range(r.row.dates),
      number: r.number,
    })),
  }));
}

describe('sortSection reproduces the reference order', () => {
  const sections = referenceEvents();

  it('has the 8 sections and 65 events to check', () => {
    expect(sections).toHaveLength(8);
    expect(sections.flatMap((s) => s.numbers)).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
  });

  for (const seed of [1, 2, 3, 42, 2023, 65537, 123456789, 987654321]) {
    it(`after a shuffle with seed ${seed}, every section sorts back to the reference`, () => {
      for (const s of sections) {
        const sorted = sortSection(shuffle(s.events, seed)) as (SubmittedEvent & { number: number })[];
        expect(
          sorted.map((e) => e.number),
          s.code,
        ).toEqual(s.numbers);
      }
    });
  }

  it('sorting the reversed section also gives the reference order', () => {
    for (const s of sections) {
      const sorted = sortSection([...s.events].reverse()) as (SubmittedEvent & { number: number })[];
      expect(sorted.map((e) => e.number)).toEqual(s.numbers);
    }
  });

  it('needs the month-only rule: plain sorting by start and end dates would not give the reference', () => {
    const smolensk = sections[0]!;
    const naive = [...smolensk.events].sort(
      (a, b) =>
        a.range!.start.localeCompare(b.range!.start) ||
        a.range!.end.localeCompare(b.range!.end) ||
        a.index - b.index,
    );
    expect(naive.map((e) => e.number)).not.toEqual(smolensk.numbers);
  });
});

describe('compareEvents', () => {
  it('orders by start month, exact days before month-only, then days, then end dates', () => {
    const input = [
      event(0, 'Апрель – май 2023 года'),
      event(1, 'Апрель 2023 года'),
      event(2, '29 апреля – 4 мая 2023 года'),
      event(3, '29 апреля 2023 года'),
      event(4, '3 апреля 2023 года'),
      event(5, 'Февраль – апрель 2023 года'),
      event(6, '4-5 мая 2023 года'),
      event(7, '20 марта – 28 апреля 2023 года'),
      event(8, '20 марта 2023 года'),
      event(9, 'Май – июнь 2023 года'),
    ];
    expect(sortSection(input).map((e) => e.index)).toEqual([5, 8, 7, 4, 3, 2, 1, 0, 6, 9]);
  });

  it('keeps the submission order for equal dates', () => {
    const input = [event(2, '21 мая 2023 года'), event(0, '21 мая 2023 года'), event(1, '21 мая 2023 года')];
    expect(sortSection(input).map((e) => e.index)).toEqual([0, 1, 2]);
    const months = [event(1, 'Апрель 2023 года'), event(0, 'в апреле 2023 года')];
    expect(sortSection(months).map((e) => e.index)).toEqual([0, 1]);
  });

  it('puts events with unreadable dates last, in submission order', () => {
    const input = [event(3, null), event(0, '5 мая 2023 года'), event(1, null), event(2, 'Апрель 2023 года')];
    expect(sortSection(input).map((e) => e.index)).toEqual([2, 0, 1, 3]);
    expect(compareEvents(event(0, null), event(1, '1 января 2023 года'))).toBeGreaterThan(0);
  });

  it('compares years, not just months', () => {
    const input = [event(0, '3 января 2024 года'), event(1, '28 декабря 2023 года')];
    expect(sortSection(input).map((e) => e.index)).toEqual([1, 0]);
  });

  it('does not modify its argument', () => {
    const input = [event(1, '5 мая 2023 года'), event(0, '3 апреля 2023 года')];
    const copy = [...input];
    sortSection(input);
    expect(input).toEqual(copy);
  });
});

describe('buildReport', () => {
  it('rebuilds the reference from shuffled submissions: section order, numbering 1..65, rows', () => {
    const ref = loadReference();
    const all = referenceEvents().flatMap((s) => s.events.map(({ number: _n, ...e }) => e));
    const report = buildReport({
      quarter: Q2,
      municipalities: shuffle(SMOLENSK_MUNICIPALITIES, 7),
      events: shuffle(all, 11),
      regionGenitive: SMOLENSK_REGION.genitive,
    });
    expect(report.quarter).toBe('2023-Q2');
    expect(report.title).toBe(ref.title);
    expect(report.eventCount).toBe(65);
    expect(report.sections.map((s) => s.title)).toEqual(ref.sections.map((s) => s.title));
    expect(report.sections.map((s) => s.municipality)).toEqual([
      'smolensk',
      'vyazma',
      'desnogorsk',
      'dorogobuzh',
      'krasny',
      'pochinok',
      'rudnya',
      'khislavichi',
    ]);
    const numbers = report.sections.flatMap((s) => s.events.map((e) => e.number));
    expect(numbers).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
    expect(report.sections.map((s) => s.events)).toEqual(ref.sections.map((s) => s.rows));
  });

  it('gives sections only to municipalities with events and numbers across sections', () => {
    const report = buildReport({
      quarter: Q2,
      municipalities: SMOLENSK_MUNICIPALITIES,
      regionGenitive: SMOLENSK_REGION.genitive,
      events: [
        event(0, '12 мая 2023 года', 'yartsevo'),
        event(0, '3 апреля 2023 года', 'velizh'),
        event(1, '1 апреля 2023 года', 'velizh'),
      ],
    });
    expect(
      report.sections.map((s) => [s.municipality, s.title, s.events.map((e) => [e.number, e.row.title])]),
    ).toEqual([
      [
        'velizh',
        'Муниципальное образование «Велижский район» Смоленской области',
        [
          [1, 'Событие 1'],
          [2, 'Событие 0'],
        ],
      ],
      ['yartsevo', 'Муниципальное образование «Ярцевский район» Смоленской области', [[3, 'Событие 0']]],
    ]);
    expect(report.eventCount).toBe(3);
    expect(report.signOff).toBeNull();
  });

  it('lists nil reports and missing reports by name in region order', () => {
    const report = buildReport({
      quarter: Q2,
      municipalities: SMOLENSK_MUNICIPALITIES,
      regionGenitive: SMOLENSK_REGION.genitive,
      events: [],
      nilReports: ['yartsevo', 'smolensky', 'desnogorsk', 'yartsevo'],
      notSubmitted: ['ugra', 'velizh'],
      signOff: { signer: 'И. И. Иванов', position: 'Начальник департамента', date: '2023-07-20' },
    });
    expect(report.sections).toEqual([]);
    expect(report.eventCount).toBe(0);
    expect(report.nilReports).toEqual(['город Десногорск', 'Смоленский район', 'Ярцевский район']);
    expect(report.notSubmitted).toEqual(['Велижский район', 'Угранский район']);
    expect(report.signOff).toEqual({
      signer: 'И. И. Иванов',
      position: 'Начальник департамента',
      date: '2023-07-20',
    });
  });

  it('refuses events and lists from municipalities outside the registry', () => {
    expect(() =>
      buildReport({
        quarter: Q2,
        municipalities: SMOLENSK_MUNICIPALITIES,
        regionGenitive: SMOLENSK_REGION.genitive,
        events: [event(0, '3 апреля 2023 года', 'tver')],
      }),
    ).toThrow(UnknownMunicipalityError);
    expect(() =>
      buildReport({
        quarter: Q2,
        municipalities: SMOLENSK_MUNICIPALITIES,
        regionGenitive: SMOLENSK_REGION.genitive,
        events: [],
        notSubmitted: ['tver'],
      }),
    ).toThrow(/«tver» нет в реестре/);
  });

  it('uses the given region in the title', () => {
    const report = buildReport({
      quarter: { year: 2024, quarter: 3 },
      municipalities: generateRegistry(3),
      events: [],
      regionGenitive: 'Тверской области',
    });
    expect(report.title).toMatch(/Тверской области в III квартале 2024 года$/);
    expect(report.quarter).toBe('2024-Q3');
  });

  it('scales to a region of 10,000 municipalities', () => {
    const registry = generateRegistry(10_000);
    const events: SubmittedEvent[] = [];
    for (let i = 0; i < 10_000; i += 3) {
      events.push(
        event(1, '5 мая 2023 года', registry[i]!.code),
        event(0, '4 мая 2023 года', registry[i]!.code),
      );
    }
    const report = buildReport({
      quarter: Q2,
      municipalities: shuffle(registry, 5),
      regionGenitive: SMOLENSK_REGION.genitive,
      events: shuffle(events, 9),
    });
    expect(report.sections).toHaveLength(3334);
    expect(report.eventCount).toBe(6668);
    expect(report.sections[0]!.municipality).toBe('m00001');
    expect(report.sections[1]!.municipality).toBe('m00004');
    expect(report.sections[3333]!.events.map((e) => [e.number, e.row.title])).toEqual([
      [6667, 'Событие 0'],
      [6668, 'Событие 1'],
    ]);
  });
});
