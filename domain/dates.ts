// «Сроки проведения мероприятия» as municipalities write them, parsed into ISO date ranges.
// Never throws: a clerk's text that cannot be read becomes a message for the clerk.

import { daysInMonth, quarterBounds } from './quarter';
import { quoteForMessage } from './text';
import type { DateRange, Quarter } from './types';

export type DateParseResult = { ok: true; range: DateRange } | { ok: false; message: string };

// prettier-ignore
const MONTH_GENITIVE = [
  'января', 'февраля', 'марта', 'апреля', 'мая', 'июня',
  'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря',
] as const;
// prettier-ignore
const MONTH_NOMINATIVE = [
  'январь', 'февраль', 'март', 'апрель', 'май', 'июнь',
  'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь',
] as const;
// prettier-ignore
const MONTH_PREPOSITIONAL = [
  'январе', 'феврале', 'марте', 'апреле', 'мае', 'июне',
  'июле', 'августе', 'сентябре', 'октябре', 'ноябре', 'декабре',
] as const;

// Any case of the month name (nominative «Апрель», genitive «апреля», prepositional «в апреле»)
// and the usual abbreviations.
const MONTH_WORDS: readonly RegExp[] = [
  /^(январ[ьяею]|янв)$/,
  /^(феврал[ьяею]|фев|февр)$/,
  /^(март[аеу]?|мар)$/,
  /^(апрел[ьяею]|апр)$/,
  /^(ма[йяею])$/,
  /^(июн[ьяею]?)$/,
  /^(июл[ьяею]?)$/,
  /^(август[аеу]?|авг)$/,
  /^(сентябр[ьяею]|сен|сент)$/,
  /^(октябр[ьяею]|окт)$/,
  /^(ноябр[ьяею]|ноя|нояб)$/,
  /^(декабр[ьяею]|дек)$/,
];
const YEAR_WORDS = new Set(['г', 'гг', 'год', 'года', 'году', 'годов']);
const FROM_WORDS = new Set(['с', 'со', 'от']);
const TO_WORDS = new Set(['по', 'до']);
const FILLER_WORDS = new Set(['в', 'во']);

const MIN_YEAR = 1900;
const MAX_YEAR = 2100;

type Token =
  | { kind: 'num'; text: string; value: number }
  | { kind: 'full'; day: number; month: number; year: number | null }
  | { kind: 'month'; month: number }
  | { kind: 'year-word' }
  | { kind: 'from' }
  | { kind: 'to' }
  | { kind: 'dash' };

type Point = { day: number | null; month: number | null; year: number | null };

class Unreadable extends Error {}

function monthOf(word: string): number | null {
  const i = MONTH_WORDS.findIndex((re) => re.test(word));
  return i < 0 ? null : i + 1;
}

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s+|(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)|(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2})(?!\d))?(?!\d|[./]\d)|(\d+)|([a-zа-я]+)|(-)|([.,])|(.)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null && m[0] !== '') {
    if (m[1] !== undefined) {
      tokens.push({ kind: 'full', year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) });
    } else if (m[4] !== undefined) {
      const y = m[6];
      const year = y === undefined ? null : y.length === 2 ? 2000 + Number(y) : Number(y);
      tokens.push({ kind: 'full', day: Number(m[4]), month: Number(m[5]), year });
    } else if (m[7] !== undefined) {
      tokens.push({ kind: 'num', text: m[7], value: Number(m[7]) });
    } else if (m[8] !== undefined) {
      const word = m[8];
      const month = monthOf(word);
      if (month !== null) tokens.push({ kind: 'month', month });
      else if (YEAR_WORDS.has(word)) tokens.push({ kind: 'year-word' });
      else if (FROM_WORDS.has(word)) tokens.push({ kind: 'from' });
      else if (TO_WORDS.has(word)) tokens.push({ kind: 'to' });
      else if (!FILLER_WORDS.has(word)) throw new Unreadable();
    } else if (m[9] !== undefined) {
      tokens.push({ kind: 'dash' });
    } else if (m[11] !== undefined) {
      throw new Unreadable();
    }
    // whitespace, full stops and commas carry nothing
  }
  return tokens;
}

/** Reads «[с] point [– | по] point» where a point is «3 апреля 2023 г.», «3», «апрель 2023», «03.04.2023». */
function parsePoints(tokens: Token[]): [Point] | [Point, Point] {
  let i = 0;
  const peek = (): Token | undefined => tokens[i];

  const yearAfter = (point: Point): void => {
    const t = peek();
    if (t?.kind === 'num' && t.text.length === 4) {
      if (point.year !== null) throw new Unreadable();
      point.year = t.value;
      i++;
    }
    while (peek()?.kind === 'year-word') i++;
  };

  const point = (): Point => {
    const t = peek();
    if (t?.kind === 'full') {
      i++;
      const p: Point = { day: t.day, month: t.month, year: t.year };
      yearAfter(p);
      return p;
    }
    if (t?.kind === 'num' && t.text.length <= 2) {
      i++;
      const p: Point = { day: t.value, month: null, year: null };
      const next = peek();
      if (next?.kind === 'month') {
        i++;
        p.month = next.month;
        yearAfter(p);
      }
      return p;
    }
    if (t?.kind === 'month') {
      i++;
      const p: Point = { day: null, month: t.month, year: null };
      yearAfter(p);
      return p;
    }
    throw new Unreadable();
  };

  if (peek()?.kind === 'from') i++;
  const left = point();
  if (i === tokens.length) return [left];
  const sep = peek();
  if (sep?.kind !== 'dash' && sep?.kind !== 'to') throw new Unreadable();
  i++;
  const right = point();
  if (i !== tokens.length) throw new Unreadable();
  return [left, right];
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function iso(year: number, month: number, day: number): string {
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** «3 апреля 2023 года» for an ISO date. */
export function formatIsoDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return `${d} ${MONTH_GENITIVE[(m ?? 1) - 1]} ${y} года`;
}

/**
 * A range in words for messages: «20 марта 2023 года», «с 31 марта 2023 года по 2 апреля 2023 года»,
 * «апрель 2023 года», «февраль – апрель 2023 года».
 */
export function formatRange(range: DateRange): string {
  if (range.precision === 'day') {
    return range.start === range.end
      ? formatIsoDate(range.start)
      : `с ${formatIsoDate(range.start)} по ${formatIsoDate(range.end)}`;
  }
  const [sy, sm] = range.start.split('-').map(Number) as [number, number];
  const [ey, em] = range.end.split('-').map(Number) as [number, number];
  const startMonth = MONTH_NOMINATIVE[sm - 1];
  const endMonth = MONTH_NOMINATIVE[em - 1];
  if (sy !== ey) return `${startMonth} ${sy} года – ${endMonth} ${ey} года`;
  return sm === em ? `${startMonth} ${sy} года` : `${startMonth} – ${endMonth} ${sy} года`;
}

/**
 * «28 декабря – 3 января»: the left end's month comes after the right end's and the whole span is
 * at most half a year. Longer backward spans («Май – апрель») and backward days within one month
 * are mistakes, reported as "end before start" rather than read as a year-long event.
 */
function crossesNewYear(left: Point, right: Point): boolean {
  const l = left.month ?? 0;
  const r = right.month ?? 0;
  return l > r && r + 12 - l <= 6;
}

/**
 * Years nobody wrote. A year written only at the end of a range applies to both ends; a range that
 * runs backwards within one year (28 декабря – 3 января) crosses the new year. With no year at all
 * the quarter's year is used, except that in a first-quarter report October–December mean the
 * previous year (reports list the previous quarter's late events), and a range crossing the new
 * year ends in the quarter's year (or, in a fourth-quarter report, starts in it).
 */
function fillYears(left: Point, right: Point | null, quarter: Quarter): void {
  if (right === null) {
    if (left.year === null) {
      left.year = quarter.quarter === 1 && (left.month ?? 0) >= 10 ? quarter.year - 1 : quarter.year;
    }
    return;
  }
  const crosses = crossesNewYear(left, right);
  if (left.year === null && right.year !== null) {
    left.year = crosses ? right.year - 1 : right.year;
  } else if (left.year !== null && right.year === null) {
    right.year = crosses ? left.year + 1 : left.year;
  } else if (left.year === null && right.year === null) {
    if (crosses) {
      left.year = quarter.quarter === 4 ? quarter.year : quarter.year - 1;
      right.year = left.year + 1;
    } else {
      const year = quarter.quarter === 1 && (left.month ?? 0) >= 10 ? quarter.year - 1 : quarter.year;
      left.year = year;
      right.year = year;
    }
  }
}

function checkPoint(p: Point, quoted: string): string | null {
  const year = p.year!;
  const month = p.month!;
  if (year < MIN_YEAR || year > MAX_YEAR) return `Год ${year} в сроках «${quoted}» похож на опечатку.`;
  if (month < 1 || month > 12) return `В сроках «${quoted}» указан месяц ${month}, а месяцев в году 12.`;
  if (p.day !== null) {
    if (p.day < 1) return `В сроках «${quoted}» указано число ${p.day}, такого дня не бывает.`;
    if (p.day > daysInMonth(year, month)) {
      return `В ${MONTH_PREPOSITIONAL[month - 1]} ${year} года нет ${p.day} числа: «${quoted}».`;
    }
  }
  return null;
}

function unreadableMessage(quoted: string): string {
  return (
    `Не удалось распознать дату «${quoted}». ` + 'Укажите, например, «3 апреля 2023 года» или «03.04.2023».'
  );
}

/**
 * Parses a Russian date or date range: «20 марта 2023 года», «24-25 марта 2023 года»,
 * «31 марта – 2 апреля 2023 года», «Апрель – май 2023 года», «с 3 по 5 апреля 2023 г.»,
 * «03.04.2023 – 05.04.2023» … Day precision when both ends have days, month precision when
 * neither has (start on the 1st, end on the last day of the end month).
 */
export function parseDateRange(text: string, quarter: Quarter): DateParseResult {
  const quoted = quoteForMessage(text);
  if (quoted === '' || /^[\s\-–—―−.…_]*$/.test(text)) {
    return { ok: false, message: 'Сроки проведения не указаны.' };
  }
  // Longer texts are descriptions, not dates; do not bother reading them.
  if (text.length > 200) return { ok: false, message: unreadableMessage(quoted) };

  const normalized = text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[\u00ad\u200b\ufeff]/g, '')
    .replace(/[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();

  let points: [Point] | [Point, Point];
  try {
    points = parsePoints(tokenize(normalized));
  } catch {
    // Unreadable, or anything unforeseen: clerk input must never crash the caller.
    return { ok: false, message: unreadableMessage(quoted) };
  }

  const left = points[0];
  const right = points[1] ?? null;

  if (right === null) {
    if (left.month === null) return { ok: false, message: unreadableMessage(quoted) };
  } else {
    if (right.month === null) return { ok: false, message: unreadableMessage(quoted) };
    if (left.month === null) {
      // «24-25 марта»: the left end borrows the right end's month (and year, below).
      if (left.day === null || right.day === null) return { ok: false, message: unreadableMessage(quoted) };
      left.month = right.month;
      if (left.year === null) left.year = right.year;
    }
    if ((left.day === null) !== (right.day === null)) {
      return {
        ok: false,
        message:
          `В сроках «${quoted}» начало и окончание указаны по-разному: ` +
          'укажите либо числа у обеих дат, либо только месяцы.',
      };
    }
  }

  fillYears(left, right, quarter);
  for (const p of right === null ? [left] : [left, right]) {
    const problem = checkPoint(p, quoted);
    if (problem !== null) return { ok: false, message: problem };
  }

  const end = right ?? left;
  let range: DateRange;
  if (left.day !== null && end.day !== null) {
    range = {
      start: iso(left.year!, left.month!, left.day),
      end: iso(end.year!, end.month!, end.day),
      precision: 'day',
    };
  } else {
    range = {
      start: iso(left.year!, left.month!, 1),
      end: iso(end.year!, end.month!, daysInMonth(end.year!, end.month!)),
      precision: 'month',
    };
  }
  if (range.end < range.start) {
    const detail =
      range.precision === 'day' ? ` (с ${formatIsoDate(range.start)} по ${formatIsoDate(range.end)})` : '';
    return { ok: false, message: `Дата окончания раньше даты начала: «${quoted}»${detail}.` };
  }
  return { ok: true, range };
}

/** True when the event lies entirely outside the quarter (touching it counts as inside). */
export function isOutsideQuarter(range: DateRange, quarter: Quarter): boolean {
  const bounds = quarterBounds(quarter);
  return range.end < bounds.start || range.start > bounds.end;
}
