// Timeliness of a municipality's answer, counted in working days on the production calendar.
// A term whose last day is a day off ends on the next working day (Civil Code art. 193): a deadline
// of 9 May 2024 is met by an answer on 13 May. Pure: the portal, the CLI and the exports share it.
import { workingDayFrom, workingDaysBetween } from './calendar/working-days';
import type { WorkingCalendar } from './calendar/working-days';
import { plural } from './text';

export type TimelinessKind =
  /** Answered (first accepted version) by the deadline. */
  | 'on_time'
  /** Answered after the deadline: `days` working days late. */
  | 'late'
  /** No accepted answer yet and the deadline has passed: `days` working days so far. */
  | 'overdue'
  /** No accepted answer yet; the deadline has not passed. */
  | 'pending'
  /** The collection ended without an accepted answer. */
  | 'missing'
  /** Excused by the coordinator: neither on time nor late. */
  | 'excused';

export type Timeliness = { kind: TimelinessKind; days: number };

export type TimelinessFacts = {
  /** ISO date: the deadline in force (the quarter's, or the municipality's extension). */
  deadline: string;
  /** ISO date (Moscow) of the first accepted answer, or null. */
  answeredOn: string | null;
  excused: boolean;
  /** The collection no longer waits (closed or signed off). */
  ended: boolean;
  /** ISO date (Moscow) of «today» on the quarter's clock. */
  today: string;
};

/** The last day a deadline allows: the deadline itself, or the working day after it when it is a day off. */
export function effectiveDeadline(deadline: string, calendar: WorkingCalendar): string {
  return workingDayFrom(deadline, calendar, 1);
}

export function assessTimeliness(facts: TimelinessFacts, calendar: WorkingCalendar): Timeliness {
  if (facts.excused) return { kind: 'excused', days: 0 };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(facts.deadline)) {
    // No deadline known (an archive without one): only whether it answered.
    return facts.answeredOn ? { kind: 'on_time', days: 0 } : { kind: 'missing', days: 0 };
  }
  const last = effectiveDeadline(facts.deadline, calendar);
  if (facts.answeredOn) {
    const days = workingDaysBetween(last, facts.answeredOn, calendar);
    return days > 0 ? { kind: 'late', days } : { kind: 'on_time', days: 0 };
  }
  if (facts.ended) return { kind: 'missing', days: 0 };
  if (facts.today <= last) return { kind: 'pending', days: 0 };
  return { kind: 'overdue', days: workingDaysBetween(last, facts.today, calendar) };
}

export type TimelinessShare = {
  onTime: number;
  late: number;
  /** Overdue now or never answered. */
  missing: number;
  /** On time among those whose answer was due (excused and still pending left out); null: none due. */
  share: number | null;
};

export function timelinessShare(all: Iterable<Timeliness>): TimelinessShare {
  let onTime = 0;
  let late = 0;
  let missing = 0;
  for (const t of all) {
    if (t.kind === 'on_time') onTime++;
    else if (t.kind === 'late') late++;
    else if (t.kind === 'overdue' || t.kind === 'missing') missing++;
  }
  const due = onTime + late + missing;
  return { onTime, late, missing, share: due === 0 ? null : onTime / due };
}

/** One municipality across quarters: who is chronically late. */
export type LatenessRecord = {
  code: string;
  quarters: number;
  onTime: number;
  late: number;
  missing: number;
  /** Working days late, summed over the late answers. */
  lateDays: number;
  worst: number;
};

export function latenessRecord(code: string, cells: Iterable<Timeliness>): LatenessRecord {
  const r: LatenessRecord = { code, quarters: 0, onTime: 0, late: 0, missing: 0, lateDays: 0, worst: 0 };
  for (const t of cells) {
    r.quarters++;
    if (t.kind === 'on_time') r.onTime++;
    if (t.kind === 'late') {
      r.late++;
      r.lateDays += t.days;
      r.worst = Math.max(r.worst, t.days);
    }
    if (t.kind === 'missing' || t.kind === 'overdue') r.missing++;
  }
  return r;
}

/** Chronically late first: most quarters late or missing, then most working days late. */
export function byLateness(a: LatenessRecord, b: LatenessRecord): number {
  return b.late + b.missing - (a.late + a.missing) || b.lateDays - a.lateDays || b.worst - a.worst;
}

const DAYS: [string, string, string] = ['рабочий день', 'рабочих дня', 'рабочих дней'];

/** «в срок», «опоздание: 3 рабочих дня», «просрочено: 1 рабочий день», … */
export function timelinessText(t: Timeliness): string {
  switch (t.kind) {
    case 'on_time':
      return 'в срок';
    case 'late':
      return `опоздание: ${t.days} ${plural(t.days, DAYS)}`;
    case 'overdue':
      return t.days > 0 ? `просрочено: ${t.days} ${plural(t.days, DAYS)}` : 'просрочено';
    case 'pending':
      return 'срок не наступил';
    case 'missing':
      return 'не представлено';
    case 'excused':
      return 'освобождено';
  }
}
