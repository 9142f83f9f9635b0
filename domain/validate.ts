// Validation of one municipality's submission. Errors block acceptance; warnings are shown to the
// clerk and the coordinator but let the submission through.

import { formatRange, isOutsideQuarter, parseDateRange } from './dates';
import { mentionsForeign } from './foreign';
import { quarterBounds, quarterRoman } from './quarter';
import { looseKey, normalizeCell, plural } from './text';
import { COLUMN_KEYS } from './types';
import type { ColumnKey, DateRange, EventRow, Finding, Quarter } from './types';

export { normalizeCell } from './text';
export { findCrossMunicipalityDuplicates } from './duplicates';

/** Column names for messages: the official headers without their parentheses. */
export const COLUMN_TITLES: Record<ColumnKey, string> = {
  title: 'Наименование мероприятия',
  place: 'Место проведения мероприятия',
  dates: 'Сроки проведения мероприятия',
  purpose: 'Цель, содержание и результат мероприятия',
  participants: 'Участники мероприятия',
};

const MISSING: Record<ColumnKey, string> = {
  title: 'Не указано наименование мероприятия.',
  place: 'Не указано место проведения.',
  dates: 'Не указаны сроки проведения.',
  purpose: 'Не указаны цель, содержание и результат мероприятия.',
  participants: 'Не указаны участники мероприятия.',
};

export type ValidationLimits = { maxCellLength?: number; maxRows?: number };

export const DEFAULT_LIMITS: Required<ValidationLimits> = { maxCellLength: 4000, maxRows: 1000 };

/** Empty, or only a dash or dots — clerks put «–» into cells they have nothing for. */
function isBlank(text: string): boolean {
  return /^[\s\-–—―−‐.…_]*$/.test(text);
}

/**
 * Checks the rows of one submission. Returns the findings and, for every row, its parsed dates
 * (null when missing or unreadable, and for rows beyond maxRows, which are not examined).
 */
export function validateRows(
  rows: EventRow[],
  quarter: Quarter,
  limits: ValidationLimits = {},
): { findings: Finding[]; ranges: (DateRange | null)[] } {
  const maxCellLength = limits.maxCellLength ?? DEFAULT_LIMITS.maxCellLength;
  const maxRows = limits.maxRows ?? DEFAULT_LIMITS.maxRows;
  const findings: Finding[] = [];
  const ranges: (DateRange | null)[] = rows.map(() => null);

  if (rows.length === 0) {
    findings.push({
      severity: 'error',
      code: 'no-rows',
      row: null,
      column: null,
      message:
        'В отчете нет ни одного мероприятия. Если международных мероприятий в квартале не было, ' +
        'отправьте отчет «мероприятия не проводились».',
    });
    return { findings, ranges };
  }
  if (rows.length > maxRows) {
    findings.push({
      severity: 'error',
      code: 'too-many-rows',
      row: null,
      column: null,
      message:
        `В отчете ${rows.length} ${plural(rows.length, ['строка', 'строки', 'строк'])}, ` +
        `а допускается не больше ${maxRows}. Проверьте, не попали ли в таблицу лишние строки.`,
    });
  }

  const bounds = quarterBounds(quarter);
  const firstSeen = new Map<string, number>();
  const checked = Math.min(rows.length, maxRows);
  for (let i = 0; i < checked; i++) {
    const n = i + 1;
    const raw = rows[i]!;
    const cells = {} as EventRow;
    for (const key of COLUMN_KEYS) cells[key] = normalizeCell(raw[key] ?? '');

    for (const key of COLUMN_KEYS) {
      const text = cells[key];
      if (isBlank(text)) {
        findings.push({ severity: 'error', code: 'required', row: n, column: key, message: MISSING[key] });
      } else if (text.length > maxCellLength) {
        findings.push({
          severity: 'error',
          code: 'too-long',
          row: n,
          column: key,
          message:
            `Текст слишком длинный: ${text.length} ${plural(text.length, ['знак', 'знака', 'знаков'])} ` +
            `при допустимых ${maxCellLength}. Сократите его.`,
        });
      }
    }

    if (!isBlank(cells.dates)) {
      const parsed = parseDateRange(cells.dates, quarter);
      if (!parsed.ok) {
        findings.push({ severity: 'error', code: 'date', row: n, column: 'dates', message: parsed.message });
      } else {
        ranges[i] = parsed.range;
        if (isOutsideQuarter(parsed.range, quarter)) {
          const when = formatRange(parsed.range);
          const message =
            parsed.range.end < bounds.start
              ? `Мероприятие прошло до начала ${quarterRoman(quarter)} квартала ${quarter.year} года ` +
                `(${when}). Это допустимо, если о нем не сообщалось в прошлом отчете; проверьте дату.`
              : `Мероприятие проходит после окончания ${quarterRoman(quarter)} квартала ${quarter.year} года ` +
                `(${when}). В отчет включаются проведенные мероприятия; проверьте дату.`;
          findings.push({ severity: 'warning', code: 'outside-quarter', row: n, column: 'dates', message });
        }
      }
    }

    if (!isBlank(cells.title)) {
      const range = ranges[i];
      const when = range ? `${range.start}/${range.end}/${range.precision}` : looseKey(cells.dates);
      const key = `${looseKey(cells.title)}\u0000${when}\u0000${looseKey(cells.place)}`;
      const earlier = firstSeen.get(key);
      if (earlier === undefined) {
        firstSeen.set(key, n);
      } else {
        findings.push({
          severity: 'error',
          code: 'duplicate',
          row: n,
          column: 'title',
          message: `Повторяет строку ${earlier}: совпадают наименование, место и сроки. Оставьте одну из них.`,
        });
      }
    }

    // The purpose is searched too: the reference's row 32 («Марафон победы») names Belarus only there.
    const described = `${cells.title}\n${cells.place}\n${cells.participants}\n${cells.purpose}`;
    if (!isBlank(cells.participants) && !mentionsForeign(described)) {
      findings.push({
        severity: 'warning',
        code: 'no-foreign-participant',
        row: n,
        column: 'participants',
        message:
          'Не видно иностранных участников: ни в наименовании, ни в месте проведения, ни в описании, ' +
          'ни среди участников не названа другая страна. В отчет включаются мероприятия с иностранным участием — ' +
          'если зарубежные участники были, укажите страну.',
      });
    }
  }
  return { findings, ranges };
}

/** «Строка 3, столбец «Сроки проведения мероприятия»: не указаны сроки проведения.» */
export function formatFinding(f: Finding): string {
  // After a colon the sentence continues in lower case, but abbreviations («МБОУ») stay as written.
  const message = /^[А-ЯЁ][а-яё\s]/.test(f.message)
    ? f.message[0]!.toLowerCase() + f.message.slice(1)
    : f.message;
  const column = f.column === null ? null : `столбец «${COLUMN_TITLES[f.column]}»`;
  if (f.row !== null && column !== null) return `Строка ${f.row}, ${column}: ${message}`;
  if (f.row !== null) return `Строка ${f.row}: ${message}`;
  if (column !== null) return `Столбец «${COLUMN_TITLES[f.column!]}»: ${message}`;
  return f.message;
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
