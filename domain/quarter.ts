// Quarters ("2023-Q2"), their Russian phrasing, the report title and the official column headers.

import type { ColumnKey, Quarter } from './types';

export class QuarterFormatError extends Error {
  constructor(readonly input: string) {
    super(
      `Не удалось распознать квартал «${input}». Квартал указывается как ГГГГ-QN, ` +
        `где N — номер квартала от 1 до 4, например 2023-Q2; квартал другого региона установки — ` +
        `с кодом региона через точку, например 2023-Q2.kaluga.`,
    );
    this.name = 'QuarterFormatError';
  }
}

const ROMAN = ['I', 'II', 'III', 'IV'] as const;

/**
 * A region's code in quarter keys: latin letters, digits and inner hyphens, so a key stays safe in
 * URLs, Temporal workflow ids (`quarter/<key>/<code>`) and file names.
 */
export const REGION_CODE_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const MAX_REGION_CODE = 32;

export function isRegionCode(code: string): boolean {
  return code.length <= MAX_REGION_CODE && REGION_CODE_PATTERN.test(code);
}

/**
 * A quarter's key: the period, and the region for every region but the installation's first one
 * (whose keys stay the bare period, as before the installation had a second region).
 */
export type QuarterKey = { period: Quarter; region: string | null };

/**
 * "2023-Q2" → the first region's quarter; "2023-Q2.kaluga" → region «kaluga»'s. Case and the
 * Cyrillic «К» people type by mistake are forgiven; anything else in the key is refused.
 */
export function parseQuarterKey(key: string): QuarterKey {
  const m = /^\s*([12]\d{3})\s*-\s*[QqКк]\s*([1-4])\s*(?:\.\s*([A-Za-z0-9-]+)\s*)?$/.exec(key);
  if (!m) throw new QuarterFormatError(key);
  const region = m[3]?.toLowerCase() ?? null;
  if (region !== null && !isRegionCode(region)) throw new QuarterFormatError(key);
  return { period: { year: Number(m[1]), quarter: Number(m[2]) as Quarter['quarter'] }, region };
}

export function formatQuarterKey(key: QuarterKey): string {
  return key.region ? `${formatQuarter(key.period)}.${key.region}` : formatQuarter(key.period);
}

/** " 2023-q2.Kaluga " → "2023-Q2.kaluga": the one spelling every table and workflow id uses. */
export function normalizeQuarterKey(key: string): string {
  return formatQuarterKey(parseQuarterKey(key));
}

/** The period of a quarter key ("2023-Q2" or "2023-Q2.kaluga"): what every date of the quarter comes from. */
export function parseQuarter(id: string): Quarter {
  return parseQuarterKey(id).period;
}

/** The period alone, "2023-Q2", as titles and file names of people print it. */
export function formatQuarter(q: Quarter): string {
  return `${q.year}-Q${q.quarter}`;
}

export function quarterRoman(q: Quarter): 'I' | 'II' | 'III' | 'IV' {
  return ROMAN[q.quarter - 1]!;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Days in a month (month 1..12), Gregorian. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** First and last day of the quarter, ISO. */
export function quarterBounds(q: Quarter): { start: string; end: string } {
  const first = (q.quarter - 1) * 3 + 1;
  const last = first + 2;
  return {
    start: `${q.year}-${pad2(first)}-01`,
    end: `${q.year}-${pad2(last)}-${pad2(daysInMonth(q.year, last))}`,
  };
}

/**
 * «в II квартале 2023 года». The reference's title writes «в II квартале», so that is the default;
 * vo: true gives the grammatical «во II квартале» (only II is read «во втором»).
 */
export function quarterPhrase(q: Quarter, opts: { vo?: boolean } = {}): string {
  const preposition = opts.vo && q.quarter === 2 ? 'во' : 'в';
  return `${preposition} ${quarterRoman(q)} квартале ${q.year} года`;
}

/** The consolidated report's title, word for word as the reference prints it; the region's name is data. */
export function reportTitle(q: Quarter, regionGenitive: string): string {
  return (
    'Отчет о мероприятиях в международной сфере, проведенных органами местного самоуправления ' +
    `муниципальных образований ${regionGenitive} ${quarterPhrase(q)}`
  );
}

/** The six column headers of the official table, with the reference's line breaks. */
export const REPORT_COLUMNS = [
  '№\nп/п',
  'Наименование мероприятия',
  'Место проведения\nмероприятия',
  'Сроки\nпроведения\nмероприятия',
  'Цель, содержание и результат мероприятия\n(в том числе краткая информация о достигнутых договоренностях, подписанных документах)',
  'Участники мероприятия\n(общее количество, другие дополнительные сведения)',
] as const;

/** The header of each text column, as in REPORT_COLUMNS. */
export const REPORT_COLUMN_HEADERS: Record<ColumnKey, string> = {
  title: REPORT_COLUMNS[1],
  place: REPORT_COLUMNS[2],
  dates: REPORT_COLUMNS[3],
  purpose: REPORT_COLUMNS[4],
  participants: REPORT_COLUMNS[5],
};

/** For loose comparison of headers: case, whitespace, «ё» and trailing punctuation do not matter. */
export function normalizeHeader(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[\u00ad\u200b\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*\/\s*/g, '/')
    .trim()
    .replace(/[\s.,;:!?*]+$/, '');
}

// Distinctive openings of each header. Clerks shorten headers or drop the parenthesis, so a cell
// that starts with one of these (as whole words) is enough.
const HEADER_OPENINGS: Record<ColumnKey, readonly string[]> = {
  title: ['наименование мероприятия', 'наименование', 'название мероприятия', 'название'],
  place: ['место проведения', 'место'],
  dates: [
    'сроки проведения',
    'срок проведения',
    'дата проведения',
    'даты проведения',
    'сроки',
    'срок',
    'дата',
    'даты',
  ],
  purpose: ['цель, содержание', 'цель', 'цели', 'содержание'],
  participants: ['участники мероприятия', 'участники', 'состав участников'],
};

function startsWithWords(text: string, opening: string): boolean {
  if (!text.startsWith(opening)) return false;
  const next = text.charAt(opening.length);
  return next === '' || !/[a-zа-я0-9]/.test(next);
}

function headerColumn(cell: string): ColumnKey | null {
  const text = normalizeHeader(cell);
  for (const [key, openings] of Object.entries(HEADER_OPENINGS) as [ColumnKey, readonly string[]][]) {
    if (openings.some((o) => startsWithWords(text, o))) return key;
  }
  return null;
}

function isNumberHeader(cell: string): boolean {
  const text = normalizeHeader(cell).replace(/\s/g, '');
  return /^(№|n|no|номер)(п\/п|пп|п\.п)?$/.test(text) || text === 'п/п';
}

/**
 * Recognises the table's header row, with or without the «№ п/п» column, and tells which column
 * holds what. Trailing empty cells are ignored; each of the five columns must appear exactly once.
 */
export function matchHeaderRow(cells: string[]): { numberColumn: boolean; columns: ColumnKey[] } | null {
  const trimmed = [...cells];
  while (trimmed.length > 0 && normalizeHeader(trimmed[trimmed.length - 1]!) === '') trimmed.pop();
  const numberColumn = trimmed.length > 0 && isNumberHeader(trimmed[0]!);
  const rest = numberColumn ? trimmed.slice(1) : trimmed;
  if (rest.length !== 5) return null;
  const columns: ColumnKey[] = [];
  for (const cell of rest) {
    const key = headerColumn(cell);
    if (key === null || columns.includes(key)) return null;
    columns.push(key);
  }
  return { numberColumn, columns };
}
