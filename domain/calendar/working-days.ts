// Working days on a production calendar. Pure and deterministic: workflows call it with the
// calendar their input carries, so the days a quarter counts never change under it.
//
// Dates are ISO (YYYY-MM-DD) in Moscow. A date in a year the calendar does not cover is a working
// day unless it is a Saturday or a Sunday: the old rule, and the fallback the coordinator is warned
// about (uncoveredYearsWarning).

/** One year of a production calendar, resolved to dates. */
export type YearCalendar = {
  year: number;
  /** The act or file the year comes from. */
  source: string;
  kind: 'decree' | 'statutory' | 'imported';
  /** Days that are not worked: holidays and transferred days off (weekend holidays included). */
  daysOff: string[];
  /** Saturdays and Sundays that are working days. */
  workingWeekends: string[];
  /** Pre-holiday days, one hour shorter; still working days. */
  shortened: string[];
  note?: string;
};

/**
 * The calendar as a quarter carries it in its workflow input: the covered years and their
 * exceptions to the five-day week. Small on purpose: it is copied into every child's input.
 */
export type WorkingCalendar = {
  years: number[];
  /** Days off that would otherwise be working days (Monday–Friday). */
  daysOff: string[];
  /** Saturdays and Sundays that are working days. */
  workingWeekends: string[];
};

/** No calendar: Saturdays and Sundays are the only days off. */
export const WEEKENDS_ONLY: WorkingCalendar = { years: [], daysOff: [], workingWeekends: [] };

const DAY = 86_400_000;

type Compiled = { years: Set<number>; off: Set<string>; on: Set<string> };
const compiled = new WeakMap<WorkingCalendar, Compiled>();

function compile(calendar: WorkingCalendar): Compiled {
  let c = compiled.get(calendar);
  if (!c) {
    c = {
      years: new Set(calendar.years),
      off: new Set(calendar.daysOff),
      on: new Set(calendar.workingWeekends),
    };
    compiled.set(calendar, c);
  }
  return c;
}

function toUtc(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`Дата указывается как ГГГГ-ММ-ДД, например 2024-05-09; получено «${date}»`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

function fromUtc(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** The ISO date `days` calendar days after `date` (before it when negative). */
export function addDays(date: string, days: number): string {
  return fromUtc(toUtc(date) + days * DAY);
}

export function isWeekend(date: string): boolean {
  const day = new Date(toUtc(date)).getUTCDay();
  return day === 0 || day === 6;
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

export function isCovered(year: number, calendar: WorkingCalendar): boolean {
  return compile(calendar).years.has(year);
}

export function isWorkingDay(date: string, calendar: WorkingCalendar): boolean {
  const c = compile(calendar);
  if (c.years.has(yearOf(date))) {
    if (c.on.has(date)) return true;
    if (c.off.has(date)) return false;
  }
  return !isWeekend(date);
}

/** `date` itself when it is a working day, else the nearest working day after it (before it: direction -1). */
export function workingDayFrom(date: string, calendar: WorkingCalendar, direction: 1 | -1 = 1): string {
  let d = date;
  // A year has at most a few weeks of consecutive days off; the bound only guards a broken calendar.
  for (let i = 0; i < 366 && !isWorkingDay(d, calendar); i++) d = addDays(d, direction);
  return d;
}

/** The first working day strictly after `date`. */
export function nextWorkingDay(date: string, calendar: WorkingCalendar): string {
  return workingDayFrom(addDays(date, 1), calendar, 1);
}

/** The last working day strictly before `date`. */
export function previousWorkingDay(date: string, calendar: WorkingCalendar): string {
  return workingDayFrom(addDays(date, -1), calendar, -1);
}

/**
 * The `n`-th working day after `date`, counting from the day after it (a term of n working days);
 * 0: `date` itself, or the next working day when `date` is a day off.
 */
export function addWorkingDays(date: string, n: number, calendar: WorkingCalendar): string {
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`Число рабочих дней должно быть целым и неотрицательным: ${n}`);
  if (n === 0) return workingDayFrom(date, calendar);
  let d = date;
  for (let i = 0; i < n; i++) d = nextWorkingDay(d, calendar);
  return d;
}

/**
 * Working days d with from < d ≤ to; negative when `to` is before `from`. Lateness: a municipality
 * that answered on `to` for a deadline `from` is that many working days late.
 */
export function workingDaysBetween(from: string, to: string, calendar: WorkingCalendar): number {
  if (to < from) return -workingDaysBetween(to, from, calendar);
  let n = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (isWorkingDay(d, calendar)) n++;
  return n;
}

/** «Рабочих дней осталось»: working days from `today` to `deadline`, both included; 0 once it has passed. */
export function workingDaysLeft(today: string, deadline: string, calendar: WorkingCalendar): number {
  if (deadline < today) return 0;
  return workingDaysBetween(addDays(today, -1), deadline, calendar);
}

/** Working days in a whole year: compared with the official totals in the tests. */
export function workingDaysInYear(year: number, calendar: WorkingCalendar): number {
  return workingDaysBetween(`${year - 1}-12-31`, `${year}-12-31`, calendar);
}

/**
 * The years a quarter's reminders can fall in: from three months before its deadline to three
 * months after (overdue reminders, an extension). Only these travel in its workflow input, which
 * every municipality's workflow copies: a quarter with a far deadline does not carry every year.
 */
export function deadlineYears(deadline: string): number[] {
  const years: number[] = [];
  for (let y = yearOf(addDays(deadline, -92)); y <= yearOf(addDays(deadline, 92)); y++) years.push(y);
  return years;
}

/** «2027», «2028 и 2029», «2028–2031, 2035»: runs of years as ranges. */
function yearList(years: number[]): string {
  const runs: [number, number][] = [];
  for (const y of [...years].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && y === last[1] + 1) last[1] = y;
    else runs.push([y, y]);
  }
  if (runs.length === 1 && runs[0]![1] === runs[0]![0] + 1) return `${runs[0]![0]} и ${runs[0]![1]}`;
  return runs.map(([a, b]) => (a === b ? `${a}` : b === a + 1 ? `${a}, ${b}` : `${a}–${b}`)).join(', ');
}

/**
 * The coordinator's warning when a quarter reaches into years the calendar does not cover, or
 * covers only with the Labour Code's holidays (no decree yet); null when there is nothing to say.
 */
export function uncoveredYearsWarning(years: number[], known: readonly YearCalendar[]): string | null {
  const kinds = new Map(known.map((y) => [y.year, y.kind]));
  const missing = years.filter((y) => !kinds.has(y));
  const statutory = years.filter((y) => kinds.get(y) === 'statutory');
  const parts: string[] = [];
  if (missing.length > 0) {
    const one = missing.length === 1;
    parts.push(
      `Внимание: производственного календаря на ${yearList(missing)} ${one ? 'год' : 'годы'} нет. ` +
        `Для ${one ? 'этого года' : 'этих лет'} выходными считаются только субботы и воскресенья — ` +
        'праздники и переносы не учитываются в напоминаниях и сроках.',
    );
  }
  if (statutory.length > 0) {
    parts.push(
      `Внимание: на ${yearList(statutory)} ${statutory.length === 1 ? 'год' : 'годы'} известны только праздники ` +
        'по Трудовому кодексу; переносы выходных по постановлению Правительства не учтены.',
    );
  }
  if (parts.length === 0) return null;
  parts.push(
    'Загрузите календарь: npx svodka calendar import ФАЙЛ (XML производственного календаря или CSV).',
  );
  return parts.join('\n');
}

/** The quarter's calendar: only the given years, and only what differs from the five-day week. */
export function workingCalendarOf(years: YearCalendar[], wanted?: number[]): WorkingCalendar {
  const chosen = wanted ? years.filter((y) => wanted.includes(y.year)) : years;
  return {
    years: chosen.map((y) => y.year).sort((a, b) => a - b),
    daysOff: chosen
      .flatMap((y) => y.daysOff.filter((d) => !isWeekend(d) && !y.workingWeekends.includes(d)))
      .sort(),
    workingWeekends: chosen.flatMap((y) => y.workingWeekends).sort(),
  };
}

/** Only the given years of a calendar: what a quarter needs of it. */
export function calendarForYears(calendar: WorkingCalendar, years: number[]): WorkingCalendar {
  const keep = (d: string) => years.includes(yearOf(d));
  return {
    years: calendar.years.filter((y) => years.includes(y)),
    daysOff: calendar.daysOff.filter(keep),
    workingWeekends: calendar.workingWeekends.filter(keep),
  };
}
