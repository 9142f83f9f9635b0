// The Russian production calendar shipped with Svodka: ru-decrees.ts resolved to dates.
import { PUBLIC_HOLIDAYS, RU_DECREES } from './ru-decrees';
import type { DecreeYear } from './ru-decrees';
import { addDays, isWeekend, workingCalendarOf } from './working-days';
import type { WorkingCalendar, YearCalendar } from './working-days';

/** Holidays 1–8 January are moved by the Government's decree, never by the statutory rule. */
const NEW_YEAR_HOLIDAYS = /^\d{4}-01-0[1-8]$/;

/**
 * A year's days off: the holidays of art. 112, the decree's transfers, and the statutory rule of
 * art. 112 ч. 2: a holiday (other than 1–8 January) on a Saturday or Sunday moves the day off to
 * the next working day after it.
 */
export function resolveDecreeYear(decree: DecreeYear): YearCalendar {
  const holidays = PUBLIC_HOLIDAYS.map((h) => `${decree.year}-${h.date}`);
  const daysOff = new Set<string>(holidays);
  const workingWeekends = new Set<string>();
  for (const t of decree.transfers) {
    daysOff.add(t.to);
    if (!daysOff.has(t.from) && isWeekend(t.from)) workingWeekends.add(t.from);
  }
  const working = (d: string) => workingWeekends.has(d) || (!daysOff.has(d) && !isWeekend(d));
  for (const h of holidays) {
    if (NEW_YEAR_HOLIDAYS.test(h) || !isWeekend(h) || workingWeekends.has(h)) continue;
    let d = addDays(h, 1);
    while (!working(d)) d = addDays(d, 1);
    daysOff.add(d);
  }
  return {
    year: decree.year,
    source: decree.source,
    kind: decree.kind,
    daysOff: [...daysOff].sort(),
    workingWeekends: [...workingWeekends].sort(),
    // Pre-holiday shortened days are not shipped: they do not change which days are worked.
    shortened: [],
    ...(decree.note ? { note: decree.note } : {}),
  };
}

/** Every shipped year, resolved. */
export const RU_YEARS: readonly YearCalendar[] = RU_DECREES.map(resolveDecreeYear);

/** The shipped calendar for every year it covers. */
export const RU_CALENDAR: WorkingCalendar = workingCalendarOf([...RU_YEARS]);

/**
 * The calendar in force: imported years take precedence over the shipped ones of the same year.
 */
export function mergeYears(
  imported: YearCalendar[],
  shipped: readonly YearCalendar[] = RU_YEARS,
): YearCalendar[] {
  const byYear = new Map<number, YearCalendar>();
  for (const y of shipped) byYear.set(y.year, y);
  for (const y of imported) byYear.set(y.year, y);
  return [...byYear.values()].sort((a, b) => a.year - b.year);
}
