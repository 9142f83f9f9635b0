// The production calendar as the CLI and the portal show it: working days left, and the warning
// about years the calendar does not cover.
import { calendarForQuarter, calendarYears } from '../infrastructure/calendar';
import type { Db } from '../infrastructure/db/client';
import { moscowDate } from '../domain/schedule';
import { plural } from '../domain/text';
import { workingCalendarOf, workingDaysLeft } from '../domain/calendar/working-days';

/**
 * «Рабочих дней осталось: 4» for a quarter still collecting; null on a time-scaled quarter, whose
 * «today» is virtual, and once the deadline has passed.
 */
export async function workingDaysLeftText(
  db: Db,
  status: { deadline: string; timeScale: number },
  now: number = Date.now(),
): Promise<string | null> {
  if (status.timeScale !== 1) return null;
  const today = moscowDate(now);
  if (status.deadline < today) return null;
  const n = workingDaysLeft(today, status.deadline, workingCalendarOf(await calendarYears(db)));
  return `${plural(n, ['Остался', 'Осталось', 'Осталось'])} ${n} ${plural(n, ['рабочий день', 'рабочих дня', 'рабочих дней'])}`;
}

/** The warning startQuarter returned, said again on the page the coordinator lands on after starting. */
export async function quarterCalendarWarning(db: Db, deadline: string): Promise<string | null> {
  return (await calendarForQuarter(db, deadline)).warning;
}
