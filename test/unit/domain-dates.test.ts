import { describe, expect, it } from 'vitest';
import { formatIsoDate, formatRange, isOutsideQuarter, parseDateRange } from '../../domain/dates';
import type { DateRange, Quarter } from '../../domain/types';
import { loadReference } from '../fixtures/reference';

const Q2: Quarter = { year: 2023, quarter: 2 };

function ok(text: string, quarter: Quarter = Q2): DateRange {
  const r = parseDateRange(text, quarter);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${r.message}`);
  return r.range;
}

function fail(text: string, quarter: Quarter = Q2): string {
  const r = parseDateRange(text, quarter);
  if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to fail, got ${JSON.stringify(r.range)}`);
  return r.message;
}

const day = (start: string, end = start): DateRange => ({ start, end, precision: 'day' });
const month = (start: string, end: string): DateRange => ({ start, end, precision: 'month' });

describe('parseDateRange: the forms of the reference', () => {
  it.each<[string, DateRange]>([
    ['20 марта 2023 года', day('2023-03-20')],
    ['20 марта\n2023 года', day('2023-03-20')],
    ['24-25 марта\n2023 года', day('2023-03-24', '2023-03-25')],
    ['29-30 марта 2023 года', day('2023-03-29', '2023-03-30')],
    ['31 марта – \n2 апреля\n2023 года', day('2023-03-31', '2023-04-02')],
    ['31 марта – 2 апреля 2023 года', day('2023-03-31', '2023-04-02')],
    ['20 марта – \n28 апреля\n2023 года', day('2023-03-20', '2023-04-28')],
    ['29 апреля – \n4 мая\n2023 года', day('2023-04-29', '2023-05-04')],
    ['Февраль – апрель \n2023 года', month('2023-02-01', '2023-04-30')],
    ['Апрель \n2023 года', month('2023-04-01', '2023-04-30')],
    ['Апрель – май 2023 года', month('2023-04-01', '2023-05-31')],
    ['Май – июнь \n2023 года', month('2023-05-01', '2023-06-30')],
    ['20 апреля \n2023 года ', day('2023-04-20')],
    ['  5-9 мая \n2023 года\n\n', day('2023-05-05', '2023-05-09')],
  ])('%j', (text, expected) => {
    expect(ok(text)).toEqual(expected);
  });

  it('parses every date cell of the reference', () => {
    const ref = loadReference();
    const cells = ref.sections.flatMap((s) => s.rows.map((r) => r.row.dates));
    expect(cells).toHaveLength(65);
    for (const text of cells) {
      const r = parseDateRange(text, Q2);
      expect(r.ok, `${JSON.stringify(text)}: ${r.ok ? '' : r.message}`).toBe(true);
    }
  });
});

describe('parseDateRange: what clerks write', () => {
  it.each<[string, DateRange]>([
    ['с 3 по 5 апреля 2023 г.', day('2023-04-03', '2023-04-05')],
    ['С 3 апреля по 5 мая 2023 года', day('2023-04-03', '2023-05-05')],
    ['с 3 до 5 апреля 2023 года', day('2023-04-03', '2023-04-05')],
    ['03.04.2023', day('2023-04-03')],
    ['3.4.2023', day('2023-04-03')],
    ['03.04.2023 г.', day('2023-04-03')],
    ['03.04.23', day('2023-04-03')],
    ['03.04.2023 – 05.04.2023', day('2023-04-03', '2023-04-05')],
    ['03.04.2023-05.04.2023', day('2023-04-03', '2023-04-05')],
    ['03.04 - 05.04.2023', day('2023-04-03', '2023-04-05')],
    ['3-5.04.2023', day('2023-04-03', '2023-04-05')],
    ['2023-04-03', day('2023-04-03')],
    ['3 апреля 2023 г.', day('2023-04-03')],
    ['3 апреля 2023г.', day('2023-04-03')],
    ['3 апреля 2023', day('2023-04-03')],
    ['3 апреля', day('2023-04-03')],
    ['3 АПРЕЛЯ 2023 ГОДА', day('2023-04-03')],
    ['3\u00a0апреля\u00a02023\u00a0года', day('2023-04-03')],
    ['3 апр. 2023 г.', day('2023-04-03')],
    ['в апреле 2023 года', month('2023-04-01', '2023-04-30')],
    ['апрель', month('2023-04-01', '2023-04-30')],
    ['с апреля по май 2023 года', month('2023-04-01', '2023-05-31')],
    ['Февраль 2023 – апрель 2023 года', month('2023-02-01', '2023-04-30')],
    ['Февраль – Апрель 2023 г.', month('2023-02-01', '2023-04-30')],
  ])('%j', (text, expected) => {
    expect(ok(text)).toEqual(expected);
  });

  it.each([
    ['hyphen-minus', '24-25 марта 2023 года'],
    ['en dash', '24–25 марта 2023 года'],
    ['em dash', '24—25 марта 2023 года'],
    ['minus sign', '24−25 марта 2023 года'],
    ['hyphen', '24‐25 марта 2023 года'],
    ['non-breaking hyphen', '24‑25 марта 2023 года'],
    ['spaced em dash', '24 — 25 марта 2023 года'],
  ])('accepts a %s between the ends', (_name, text) => {
    expect(ok(text)).toEqual(day('2023-03-24', '2023-03-25'));
  });

  it('does not mind «ё» or the case of the month', () => {
    expect(ok('3 Апреля 2023 года')).toEqual(day('2023-04-03'));
    expect(ok('МАЙ 2023 ГОДА')).toEqual(month('2023-05-01', '2023-05-31'));
    expect(ok('3 мая 2023 гoда'.replace('o', 'о'))).toEqual(day('2023-05-03'));
  });

  it('takes a missing year from the quarter', () => {
    expect(ok('3 апреля', { year: 2024, quarter: 2 })).toEqual(day('2024-04-03'));
    expect(ok('24-25 марта', { year: 2022, quarter: 1 })).toEqual(day('2022-03-24', '2022-03-25'));
    expect(ok('Апрель – май', { year: 2025, quarter: 2 })).toEqual(month('2025-04-01', '2025-05-31'));
  });

  it('in a first-quarter report reads October–December without a year as last year', () => {
    expect(ok('28 декабря', { year: 2024, quarter: 1 })).toEqual(day('2023-12-28'));
    expect(ok('28 декабря', { year: 2024, quarter: 2 })).toEqual(day('2024-12-28'));
  });

  it('applies a year written only at the end to both ends', () => {
    expect(ok('31 марта – 2 апреля 2022 года', { year: 2023, quarter: 2 })).toEqual(
      day('2022-03-31', '2022-04-02'),
    );
    expect(ok('3 апреля 2023 года – 5 мая')).toEqual(day('2023-04-03', '2023-05-05'));
  });

  it('reads ranges across the new year', () => {
    expect(ok('28 декабря 2022 – 3 января 2023 года', { year: 2023, quarter: 1 })).toEqual(
      day('2022-12-28', '2023-01-03'),
    );
    expect(ok('28 декабря – 3 января 2023 года', { year: 2023, quarter: 1 })).toEqual(
      day('2022-12-28', '2023-01-03'),
    );
    expect(ok('28.12.2022 – 03.01.2023')).toEqual(day('2022-12-28', '2023-01-03'));
    expect(ok('Декабрь 2022 – январь 2023 года')).toEqual(month('2022-12-01', '2023-01-31'));
    // No year at all: the quarter decides which new year is meant.
    expect(ok('28 декабря – 3 января', { year: 2024, quarter: 1 })).toEqual(day('2023-12-28', '2024-01-03'));
    expect(ok('28 декабря – 3 января', { year: 2023, quarter: 4 })).toEqual(day('2023-12-28', '2024-01-03'));
  });

  it('knows leap years', () => {
    expect(ok('29 февраля 2024 года', { year: 2024, quarter: 1 })).toEqual(day('2024-02-29'));
    expect(ok('Февраль 2024 года', { year: 2024, quarter: 1 })).toEqual(month('2024-02-01', '2024-02-29'));
    expect(fail('29 февраля 2023 года')).toBe('В феврале 2023 года нет 29 числа: «29 февраля 2023 года».');
  });
});

describe('parseDateRange: errors', () => {
  it('says the dates are missing', () => {
    expect(fail('')).toBe('Сроки проведения не указаны.');
    expect(fail('  \n ')).toBe('Сроки проведения не указаны.');
    expect(fail('–')).toBe('Сроки проведения не указаны.');
  });

  it.each([
    'в течение квартала',
    'абв',
    '2023',
    '3',
    'весна 2023 года',
    '3 апреля 2023 года (перенесено)',
    '3, 5 апреля 2023',
    'апрель 2023 2024',
    '3 апреля – 5 апреля – 7 апреля',
  ])('cannot read %j and says how to write it', (text) => {
    const message = fail(text);
    expect(message).toBe(
      `Не удалось распознать дату «${text}». Укажите, например, «3 апреля 2023 года» или «03.04.2023».`,
    );
  });

  it('quotes a multi-line text on one line', () => {
    expect(fail('когда-нибудь\nв 2023 году')).toContain('«когда-нибудь в 2023 году»');
  });

  it('names a day the month does not have', () => {
    expect(fail('31 февраля 2023 года')).toBe('В феврале 2023 года нет 31 числа: «31 февраля 2023 года».');
    expect(fail('31 апреля')).toBe('В апреле 2023 года нет 31 числа: «31 апреля».');
    expect(fail('30.02.2023')).toBe('В феврале 2023 года нет 30 числа: «30.02.2023».');
    expect(fail('1 – 31 июня 2023 года')).toMatch(/^В июне 2023 года нет 31 числа/);
    expect(fail('0 мая 2023 года')).toMatch(/число 0, такого дня не бывает/);
  });

  it('names a month that does not exist and an implausible year', () => {
    expect(fail('03.13.2023')).toBe('В сроках «03.13.2023» указан месяц 13, а месяцев в году 12.');
    expect(fail('3 апреля 2203 года')).toBe('Год 2203 в сроках «3 апреля 2203 года» похож на опечатку.');
  });

  it('says when the end comes before the start', () => {
    expect(fail('5 – 3 апреля 2023 года')).toBe(
      'Дата окончания раньше даты начала: «5 – 3 апреля 2023 года» (с 5 апреля 2023 года по 3 апреля 2023 года).',
    );
    expect(fail('05.04.2023 – 03.04.2023')).toMatch(/^Дата окончания раньше даты начала/);
    expect(fail('3 апреля 2024 – 5 апреля 2023 года')).toMatch(/^Дата окончания раньше даты начала/);
    // A backward span of more than half a year is a mistake, not a year-long event.
    expect(fail('Май – апрель 2023 года')).toBe(
      'Дата окончания раньше даты начала: «Май – апрель 2023 года».',
    );
  });

  it('does not mix days and months in one range', () => {
    expect(fail('март – 5 апреля 2023 года')).toBe(
      'В сроках «март – 5 апреля 2023 года» начало и окончание указаны по-разному: ' +
        'укажите либо числа у обеих дат, либо только месяцы.',
    );
  });

  it('never throws, whatever the text', () => {
    for (const text of [
      '\u0000',
      '(((',
      '31.31.31.31',
      '-',
      '–––',
      'с по',
      '3 -',
      '- 3 апреля',
      'x'.repeat(10_000),
    ]) {
      expect(() => parseDateRange(text, Q2)).not.toThrow();
      expect(parseDateRange(text, Q2).ok).toBe(false);
    }
  });
});

describe('parseDateRange: random mixtures of date words', () => {
  it('never throws and every success is a valid, ordered range', () => {
    const pieces = [
      '3',
      '31',
      '0',
      '2023',
      '22',
      ' ',
      ' ',
      '-',
      '–',
      '.',
      ',',
      'марта',
      'апрель',
      'мая',
      'декабря',
      'января',
      'с',
      'по',
      'г.',
      'года',
      '03.04.2023',
      '29.02',
      '\n',
      'в',
    ];
    let s = 12345;
    const next = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s % n;
    };
    let successes = 0;
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: 1 + next(7) }, () => pieces[next(pieces.length)]).join(' ');
      const r = parseDateRange(text, Q2);
      if (r.ok) {
        successes++;
        expect(r.range.start <= r.range.end, text).toBe(true);
        for (const isoDate of [r.range.start, r.range.end]) {
          const [y, m, d] = isoDate.split('-').map(Number);
          expect(new Date(Date.UTC(y!, m! - 1, d!)).toISOString().slice(0, 10), text).toBe(isoDate);
        }
      } else {
        expect(r.message.length).toBeGreaterThan(10);
      }
    }
    expect(successes).toBeGreaterThan(50);
  });
});

describe('isOutsideQuarter', () => {
  it('is true only for events entirely outside the quarter', () => {
    expect(isOutsideQuarter(day('2023-03-20'), Q2)).toBe(true);
    expect(isOutsideQuarter(day('2023-07-01'), Q2)).toBe(true);
    expect(isOutsideQuarter(day('2023-03-31', '2023-04-02'), Q2)).toBe(false);
    expect(isOutsideQuarter(month('2023-02-01', '2023-04-30'), Q2)).toBe(false);
    expect(isOutsideQuarter(day('2023-04-01'), Q2)).toBe(false);
    expect(isOutsideQuarter(day('2023-06-30'), Q2)).toBe(false);
    expect(isOutsideQuarter(month('2023-05-01', '2023-07-31'), Q2)).toBe(false);
    expect(isOutsideQuarter(day('2022-04-03'), Q2)).toBe(true);
  });
});

describe('formatIsoDate / formatRange', () => {
  it('writes dates the Russian way', () => {
    expect(formatIsoDate('2023-04-03')).toBe('3 апреля 2023 года');
    expect(formatRange(day('2023-03-20'))).toBe('20 марта 2023 года');
    expect(formatRange(day('2023-03-31', '2023-04-02'))).toBe('с 31 марта 2023 года по 2 апреля 2023 года');
    expect(formatRange(month('2023-04-01', '2023-04-30'))).toBe('апрель 2023 года');
    expect(formatRange(month('2023-02-01', '2023-04-30'))).toBe('февраль – апрель 2023 года');
    expect(formatRange(month('2022-12-01', '2023-01-31'))).toBe('декабрь 2022 года – январь 2023 года');
  });
});
