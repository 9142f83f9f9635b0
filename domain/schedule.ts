// When a municipality is reminded: the reminder policy, Moscow working days, and the virtual clock
// of a time-scaled quarter. Pure: every function takes the time it needs.
import { addWorkingDays, isWorkingDay, WEEKENDS_ONLY, workingDayFrom } from './calendar/working-days';
import type { WorkingCalendar } from './calendar/working-days';

export type ReminderPolicy = {
  /** Reminders this many days before the deadline (default 3 and 1). */
  beforeDeadlineDays: number[];
  /** A reminder on the deadline day itself. */
  onDeadline: boolean;
  /** While overdue, a reminder every N days. */
  overdueEveryDays: number;
  /** After this many overdue reminders, an escalation to the head of the municipality. */
  escalateAfterOverdue: number;
  /** Hour of day, Moscow time, at which reminders go out. */
  sendHourMoscow: number;
  /** Remind on working days only: skip Saturdays, Sundays and the calendar's days off. */
  workingDaysOnly: boolean;
  /**
   * The production calendar of the quarter's years, computed by the client at start (see
   * client/calendar.ts) so the workflow never reads it from anywhere. Absent (quarters started
   * before it existed): Saturdays and Sundays only, as those quarters were planned.
   */
  calendar?: WorkingCalendar;
};

export const DEFAULT_POLICY: ReminderPolicy = {
  beforeDeadlineDays: [3, 1],
  onDeadline: true,
  overdueEveryDays: 2,
  escalateAfterOverdue: 2,
  sendHourMoscow: 9,
  workingDaysOnly: true,
};

export type ReminderKind = 'reminder' | 'deadline' | 'overdue' | 'escalation';
export type PlannedReminder = { kind: ReminderKind; at: number };

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Moscow has kept UTC+3 all year since 2014. */
const MOSCOW_OFFSET = 3 * HOUR;

export function parseIsoDate(date: string): { y: number; m: number; d: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new Error(`Дата указывается как ГГГГ-ММ-ДД, например 2023-07-10; получено «${date}»`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) throw new Error(`Такой даты нет: ${date}`);
  return { y, m, d };
}

/** The instant of hour:00 Moscow time on an ISO date. */
export function moscowTime(date: string, hour: number): number {
  const { y, m, d } = parseIsoDate(date);
  return Date.UTC(y, m - 1, d) + hour * HOUR - MOSCOW_OFFSET;
}

/** The end of an ISO date in Moscow: the deadline is inclusive. */
export function endOfMoscowDay(date: string): number {
  return moscowTime(date, 24) - 1;
}

/** The ISO date (Moscow) of an instant. */
export function moscowDate(at: number): string {
  return new Date(at + MOSCOW_OFFSET).toISOString().slice(0, 10);
}

function shiftToWorkingDay(at: number, direction: 1 | -1, calendar: WorkingCalendar): number {
  let t = at;
  while (!isWorkingDay(moscowDate(t), calendar)) t += direction * DAY;
  return t;
}

/**
 * The reminders of a deadline, in time order: before it (moved back to a working day, so they
 * still come before), on it, then overdue ones (moved forward past weekends) with the escalation
 * replacing the overdue reminder that follows the first `escalateAfterOverdue` ones.
 */
export function plannedReminders(
  policy: ReminderPolicy,
  deadline: string,
  overdueCount = 20,
): PlannedReminder[] {
  const hour = policy.sendHourMoscow;
  const deadlineAt = moscowTime(deadline, hour);
  const calendar = policy.calendar ?? WEEKENDS_ONLY;
  const back = (t: number) => (policy.workingDaysOnly ? shiftToWorkingDay(t, -1, calendar) : t);
  const forward = (t: number) => (policy.workingDaysOnly ? shiftToWorkingDay(t, 1, calendar) : t);
  const plan: PlannedReminder[] = [];
  for (const days of [...policy.beforeDeadlineDays].sort((a, b) => b - a)) {
    if (days > 0) plan.push({ kind: 'reminder', at: back(deadlineAt - days * DAY) });
  }
  if (policy.onDeadline) plan.push({ kind: 'deadline', at: back(deadlineAt) });
  let overdueSent = 0;
  let escalated = false;
  // Quarters planned on a calendar count an overdue reminder only once per day it goes out, so the
  // escalation still follows `escalateAfterOverdue` real reminders after a run of days off. Older
  // quarters counted the shifted duplicates too, and keep doing so for replay.
  const countOnce = policy.calendar !== undefined;
  let lastOverdue = -Infinity;
  for (let i = 1; i <= overdueCount; i++) {
    const at = forward(deadlineAt + i * Math.max(1, policy.overdueEveryDays) * DAY);
    if (countOnce && at <= lastOverdue) continue;
    lastOverdue = at;
    if (!escalated && overdueSent >= policy.escalateAfterOverdue) {
      plan.push({ kind: 'escalation', at });
      escalated = true;
      continue;
    }
    plan.push({ kind: 'overdue', at });
    overdueSent++;
  }
  // Shifts past days off can make two reminders land on one day: keep one of each instant, the
  // escalation if it is one of them (an overdue reminder shifted onto its day must not swallow it).
  const byInstant = new Map<number, PlannedReminder>();
  for (const p of plan) {
    const kept = byInstant.get(p.at);
    if (!kept || (p.kind === 'escalation' && kept.kind !== 'escalation')) byInstant.set(p.at, p);
  }
  return [...byInstant.values()].sort((a, b) => a.at - b.at);
}

/**
 * A time-scaled quarter runs on a virtual clock that starts with the real one and goes `scale`
 * times faster: durations of the policy stay real calendar arithmetic, only the waiting shrinks.
 */
export type VirtualClock = { originReal: number; scale: number };

export function toVirtual(clock: VirtualClock, real: number): number {
  return clock.originReal + (real - clock.originReal) * clock.scale;
}

export function realDelayUntil(clock: VirtualClock, nowReal: number, atVirtual: number): number {
  return Math.max(0, (atVirtual - toVirtual(clock, nowReal)) / clock.scale);
}

/**
 * The default deadline: the 10th of the month after the quarter, moved to the next working day when
 * it is a day off (as a term ending on a day off does, Civil Code art. 193); or, if that has passed,
 * ten working days from today.
 */
export function defaultDeadline(
  quarterEnd: string,
  now: number,
  calendar: WorkingCalendar = WEEKENDS_ONLY,
): string {
  const { y, m } = parseIsoDate(quarterEnd);
  const tenth = workingDayFrom(new Date(Date.UTC(y, m, 10)).toISOString().slice(0, 10), calendar);
  if (endOfMoscowDay(tenth) > now) return tenth;
  return addWorkingDays(moscowDate(now), 10, calendar);
}
