import { describe, expect, it } from 'vitest';
import {
  QuarterFormatError,
  REPORT_COLUMNS,
  formatQuarter,
  formatQuarterKey,
  isRegionCode,
  normalizeQuarterKey,
  parseQuarterKey,
  matchHeaderRow,
  normalizeHeader,
  parseQuarter,
  quarterBounds,
  quarterPhrase,
  quarterRoman,
  reportTitle,
} from '../../domain/quarter';
import { loadReference, normalizeText } from '../fixtures/reference';
import { SMOLENSK_REGION } from '../../domain/registry/smolensk';

describe('parseQuarter / formatQuarter', () => {
  it('reads "2023-Q2" and its lower-case form', () => {
    expect(parseQuarter('2023-Q2')).toEqual({ year: 2023, quarter: 2 });
    expect(parseQuarter('2024-q4')).toEqual({ year: 2024, quarter: 4 });
    expect(parseQuarter(' 2025-Q1 ')).toEqual({ year: 2025, quarter: 1 });
  });

  it('accepts the Cyrillic «К» people type by mistake', () => {
    expect(parseQuarter('2023-К3')).toEqual({ year: 2023, quarter: 3 });
  });

  it.each(['2023-Q5', '2023-Q0', '2023Q2', '23-Q2', '2023-2', 'Q2-2023', '', '2023-Q2x', '2023-QQ2'])(
    'rejects %j with a Russian QuarterFormatError',
    (input) => {
      expect(() => parseQuarter(input)).toThrow(QuarterFormatError);
      try {
        parseQuarter(input);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).message).toContain('например 2023-Q2');
        expect((e as Error).message).toContain('ГГГГ-QN');
      }
    },
  );

  it('round-trips', () => {
    for (const id of ['2023-Q1', '2023-Q2', '1999-Q3', '2030-Q4'])
      expect(formatQuarter(parseQuarter(id))).toBe(id);
  });
});

describe('quarterRoman / quarterBounds', () => {
  it('gives Roman numerals', () => {
    expect([1, 2, 3, 4].map((n) => quarterRoman({ year: 2023, quarter: n as 1 | 2 | 3 | 4 }))).toEqual([
      'I',
      'II',
      'III',
      'IV',
    ]);
  });

  it('gives the first and last day of each quarter', () => {
    expect(quarterBounds({ year: 2023, quarter: 1 })).toEqual({ start: '2023-01-01', end: '2023-03-31' });
    expect(quarterBounds({ year: 2023, quarter: 2 })).toEqual({ start: '2023-04-01', end: '2023-06-30' });
    expect(quarterBounds({ year: 2023, quarter: 3 })).toEqual({ start: '2023-07-01', end: '2023-09-30' });
    expect(quarterBounds({ year: 2023, quarter: 4 })).toEqual({ start: '2023-10-01', end: '2023-12-31' });
  });
});

describe('quarterPhrase / reportTitle', () => {
  it('writes «в II квартале» as the reference does, «во II» only on request', () => {
    expect(quarterPhrase({ year: 2023, quarter: 2 })).toBe('в II квартале 2023 года');
    expect(quarterPhrase({ year: 2023, quarter: 2 }, { vo: true })).toBe('во II квартале 2023 года');
    expect(quarterPhrase({ year: 2023, quarter: 1 }, { vo: true })).toBe('в I квартале 2023 года');
    expect(quarterPhrase({ year: 2023, quarter: 3 }, { vo: true })).toBe('в III квартале 2023 года');
    expect(quarterPhrase({ year: 2024, quarter: 4 }, { vo: true })).toBe('в IV квартале 2024 года');
  });

  it('reproduces the reference title exactly', () => {
    const ref = loadReference();
    expect(reportTitle({ year: 2023, quarter: 2 }, SMOLENSK_REGION.genitive)).toBe(ref.title);
    expect(reportTitle({ year: 2023, quarter: 2 }, SMOLENSK_REGION.genitive)).toBe(
      'Отчет о мероприятиях в международной сфере, проведенных органами местного самоуправления ' +
        'муниципальных образований Смоленской области в II квартале 2023 года',
    );
  });

  it('takes another region in the genitive', () => {
    expect(reportTitle({ year: 2024, quarter: 1 }, 'Тверской области')).toMatch(
      /муниципальных образований Тверской области в I квартале 2024 года$/,
    );
  });
});

describe('REPORT_COLUMNS and header matching', () => {
  it('are the reference headers word for word, line breaks included', () => {
    expect([...REPORT_COLUMNS]).toEqual(loadReference().headers);
  });

  it('normalizeHeader ignores case, line breaks, «ё» and trailing punctuation', () => {
    expect(normalizeHeader('Сроки\nпроведения\n  мероприятия:')).toBe('сроки проведения мероприятия');
    expect(normalizeHeader('№ п / п')).toBe(normalizeHeader('№\nп/п'));
    expect(normalizeHeader('ЦЕЛЬ, содержание и результат')).toBe('цель, содержание и результат');
    expect(normalizeHeader('Проведённые')).toBe('проведенные');
  });

  it('recognises the official header row', () => {
    expect(matchHeaderRow([...REPORT_COLUMNS])).toEqual({
      numberColumn: true,
      columns: ['title', 'place', 'dates', 'purpose', 'participants'],
    });
  });

  it('recognises a header without the «№ п/п» column and with shortened headers', () => {
    expect(
      matchHeaderRow([
        'наименование  мероприятия',
        'МЕСТО ПРОВЕДЕНИЯ',
        'Сроки проведения',
        'Цель, содержание и результат мероприятия',
        'Участники мероприятия',
        '',
      ]),
    ).toEqual({ numberColumn: false, columns: ['title', 'place', 'dates', 'purpose', 'participants'] });
  });

  it('reports the columns in the order the table has them', () => {
    expect(
      matchHeaderRow(['№', 'Сроки', 'Наименование мероприятия', 'Место проведения', 'Участники', 'Цель']),
    ).toEqual({ numberColumn: true, columns: ['dates', 'title', 'place', 'participants', 'purpose'] });
  });

  it('does not take a data row or an incomplete header for a header', () => {
    expect(
      matchHeaderRow([
        '1.',
        'Фестиваль',
        'г. Смоленск',
        '21 мая 2023 года',
        'Обмен опытом',
        'Участники из Беларуси',
      ]),
    ).toBeNull();
    expect(matchHeaderRow(['№ п/п', 'Наименование мероприятия', 'Место проведения', 'Сроки'])).toBeNull();
    expect(
      matchHeaderRow(['Наименование', 'Наименование', 'Место проведения', 'Сроки', 'Участники']),
    ).toBeNull();
    expect(matchHeaderRow(['Местоимение', 'Наименование', 'Сроки', 'Цель', 'Участники'])).toBeNull();
    expect(matchHeaderRow([])).toBeNull();
  });

  it('matches the reference headers after they were flattened to one line each', () => {
    const flat = loadReference().headers.map(normalizeText);
    expect(matchHeaderRow(flat)?.columns).toEqual(['title', 'place', 'dates', 'purpose', 'participants']);
  });
});

describe('quarter keys of several regions', () => {
  it('reads the first region’s bare period and another region’s qualified key', () => {
    expect(parseQuarterKey('2024-Q2')).toEqual({ period: { year: 2024, quarter: 2 }, region: null });
    expect(parseQuarterKey('2024-Q2.kaluga')).toEqual({ period: { year: 2024, quarter: 2 }, region: 'kaluga' });
    expect(parseQuarterKey(' 2024-к2.Tver-1 ')).toEqual({ period: { year: 2024, quarter: 2 }, region: 'tver-1' });
  });

  it('forms and normalises keys, round trip', () => {
    expect(formatQuarterKey({ period: { year: 2024, quarter: 2 }, region: null })).toBe('2024-Q2');
    expect(formatQuarterKey({ period: { year: 2024, quarter: 2 }, region: 'kaluga' })).toBe('2024-Q2.kaluga');
    expect(normalizeQuarterKey('2024-q2.KALUGA')).toBe('2024-Q2.kaluga');
    for (const key of ['2023-Q1', '2023-Q4.a', '2030-Q3.perm-krai'])
      expect(normalizeQuarterKey(key)).toBe(key);
  });

  it('gives every date function the period only', () => {
    expect(parseQuarter('2024-Q2.kaluga')).toEqual({ year: 2024, quarter: 2 });
    expect(quarterBounds(parseQuarter('2024-Q2.kaluga'))).toEqual({ start: '2024-04-01', end: '2024-06-30' });
  });

  it.each([
    '2024-Q2.',
    '2024-Q2.1kaluga',
    '2024-Q2.kal uga',
    '2024-Q2.kaluga/x',
    '2024-Q2..kaluga',
    '2024-Q2.kaluga-',
    '2024-Q2.калуга',
    '2024-Q2.../etc',
    `2024-Q2.${'a'.repeat(33)}`,
  ])('refuses %j: a key goes into URLs, workflow ids and file names', (input) => {
    expect(() => parseQuarterKey(input)).toThrow(QuarterFormatError);
    expect(() => parseQuarter(input)).toThrow(/2023-Q2\.kaluga/);
  });

  it('knows a region code', () => {
    expect(isRegionCode('kaluga')).toBe(true);
    expect(isRegionCode('perm-krai')).toBe(true);
    for (const bad of ['', 'Kaluga', '-a', 'a-', 'a--b', 'a.b', '1a', 'a'.repeat(33)]) expect(isRegionCode(bad)).toBe(false);
  });
});
