// When a quarter opens itself: the coordinator's rule, counted on the production calendar. Pure: the
// schedule's opener activity calls it with today's date and the calendar in force.
import { addWorkingDays, workingDayFrom } from './calendar/working-days';
import type { WorkingCalendar } from './calendar/working-days';
import { formatQuarter, quarterBounds } from './quarter';
import type { Quarter } from './types';

export type OpeningRule = {
  /** The quarter opens on this working day after it ends: 1 is the first working day after it. */
  openOnWorkingDay: number;
  /** The deadline: this many working days after the day the quarter opens. */
  deadlineWorkingDays: number;
};

export const DEFAULT_OPENING_RULE: OpeningRule = { openOnWorkingDay: 1, deadlineWorkingDays: 10 };

/** The quarter that holds an ISO date. */
export function quarterOf(date: string): Quarter {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return { year: y, quarter: Math.ceil(m / 3) as Quarter['quarter'] };
}

export function previousQuarterOf(q: Quarter): Quarter {
  return q.quarter === 1
    ? { year: q.year - 1, quarter: 4 }
    : { year: q.year, quarter: (q.quarter - 1) as Quarter['quarter'] };
}

/** The day a quarter opens by the rule. */
export function openingDay(q: Quarter, rule: OpeningRule, calendar: WorkingCalendar): string {
  return addWorkingDays(quarterBounds(q).end, rule.openOnWorkingDay, calendar);
}

export type DueQuarter = { quarter: string; openingDay: string; deadline: string };

/**
 * The quarter due to open on `today`: the one that ended last, once its opening day has come. A
 * quarter opened late (the schedule was paused, or created after the day) still gets its whole term:
 * the deadline counts from the day it actually opens. Null before the opening day.
 */
export function dueQuarter(today: string, rule: OpeningRule, calendar: WorkingCalendar): DueQuarter | null {
  const q = previousQuarterOf(quarterOf(today));
  const opens = openingDay(q, rule, calendar);
  if (today < opens) return null;
  const from = workingDayFrom(today, calendar);
  return {
    quarter: formatQuarter(q),
    openingDay: opens,
    deadline: addWorkingDays(from, rule.deadlineWorkingDays, calendar),
  };
}

/** The next day a quarter opens on or after `today` (for the coordinator's page). */
export function nextOpening(
  today: string,
  rule: OpeningRule,
  calendar: WorkingCalendar,
): { quarter: string; openingDay: string } {
  let q = previousQuarterOf(quarterOf(today));
  for (let i = 0; i < 3; i++) {
    const opens = openingDay(q, rule, calendar);
    if (opens >= today) return { quarter: formatQuarter(q), openingDay: opens };
    q =
      q.quarter === 4
        ? { year: q.year + 1, quarter: 1 }
        : { year: q.year, quarter: (q.quarter + 1) as Quarter['quarter'] };
  }
  return { quarter: formatQuarter(q), openingDay: openingDay(q, rule, calendar) };
}
