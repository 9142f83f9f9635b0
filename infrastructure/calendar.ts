// The production calendar in force: the shipped years plus those imported with
// `svodka calendar import`, kept in the database so every portal and worker sees the same ones.
import type { Db } from './db/client';
import { mergeYears } from '../domain/calendar/russia';
import {
  calendarForYears,
  deadlineYears,
  uncoveredYearsWarning,
  workingCalendarOf,
} from '../domain/calendar/working-days';
import type { WorkingCalendar, YearCalendar } from '../domain/calendar/working-days';

function dates(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((d): d is string => typeof d === 'string') : [];
}

export async function importedYears(db: Db): Promise<YearCalendar[]> {
  const rows = await db.calendarYear.findMany({ orderBy: { year: 'asc' } });
  return rows.map((r) => ({
    year: r.year,
    source: r.source,
    kind: 'imported' as const,
    daysOff: dates(r.daysOff),
    workingWeekends: dates(r.workingWeekends),
    shortened: dates(r.shortened),
  }));
}

/** Every year the calendar covers, imported ones in place of the shipped. */
export async function calendarYears(db: Db): Promise<YearCalendar[]> {
  return mergeYears(await importedYears(db));
}

/** The calendar a quarter carries in its input: only the years it touches. */
export async function workingCalendar(db: Db, years?: number[]): Promise<WorkingCalendar> {
  return workingCalendarOf(await calendarYears(db), years);
}

/** Stores imported years, each replacing whatever was imported for that year before, in one transaction. */
export async function saveImportedYears(db: Db, years: YearCalendar[], actor: string): Promise<void> {
  await db.$transaction(
    years.map((y) => {
      const data = {
        source: y.source,
        daysOff: JSON.stringify(y.daysOff),
        workingWeekends: JSON.stringify(y.workingWeekends),
        shortened: JSON.stringify(y.shortened),
        importedBy: actor,
        importedAt: new Date(),
      };
      return db.calendarYear.upsert({
        where: { year: y.year },
        create: { year: y.year, ...data },
        update: data,
      });
    }),
  );
}

export type QuarterCalendar = {
  /** What the quarter's policy carries (ReminderPolicy.calendar). */
  calendar: WorkingCalendar;
  /** For the coordinator, once, when the quarter starts: years without a calendar; null if none. */
  warning: string | null;
};

/**
 * The calendar a quarter with this deadline carries, and the warning to give when it starts.
 * Whatever starts a quarter (the CLI, the portal, a schedule's activity) calls this.
 */
export async function calendarForQuarter(db: Db, deadline: string): Promise<QuarterCalendar> {
  const known = await calendarYears(db);
  const years = deadlineYears(deadline);
  return {
    calendar: calendarForYears(workingCalendarOf(known), years),
    warning: uncoveredYearsWarning(years, known),
  };
}
