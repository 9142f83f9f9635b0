// The schedule's rule (which quarter opens when, and its deadline) on the Russian production
// calendar, and the reminder policy a coordinator types in.
import { describe, expect, it } from 'vitest';
import { RU_CALENDAR } from '../../domain/calendar/russia';
import { WEEKENDS_ONLY } from '../../domain/calendar/working-days';
import { DEFAULT_OPENING_RULE, dueQuarter, nextOpening, openingDay } from '../../domain/opening';
import {
  describePolicy,
  installationPolicy,
  parsePolicyChoice,
  PolicyError,
} from '../../domain/policy-options';
import { DEFAULT_POLICY, moscowDate, plannedReminders } from '../../domain/schedule';

const rule = DEFAULT_OPENING_RULE;

describe('the day a quarter opens', () => {
  it('is the first working day after the quarter, past the New Year holidays', () => {
    // 1–8 January 2024 and 2025 are days off: the fourth quarter opens on the 9th.
    expect(openingDay({ year: 2023, quarter: 4 }, rule, RU_CALENDAR)).toBe('2024-01-09');
    expect(openingDay({ year: 2024, quarter: 4 }, rule, RU_CALENDAR)).toBe('2025-01-09');
    // Weekends only, the 2nd would have been a working day: the calendar is what moves it.
    expect(openingDay({ year: 2024, quarter: 4 }, rule, WEEKENDS_ONLY)).toBe('2025-01-01');
    // 31 March 2024 is a Sunday; 30 June 2024 too.
    expect(openingDay({ year: 2024, quarter: 1 }, rule, RU_CALENDAR)).toBe('2024-04-01');
    expect(openingDay({ year: 2024, quarter: 2 }, rule, RU_CALENDAR)).toBe('2024-07-01');
    expect(openingDay({ year: 2024, quarter: 1 }, { ...rule, openOnWorkingDay: 3 }, RU_CALENDAR)).toBe(
      '2024-04-03',
    );
  });

  it('opens nothing before that day, and the quarter that ended last from it on', () => {
    expect(dueQuarter('2025-01-08', rule, RU_CALENDAR)).toBeNull();
    expect(dueQuarter('2025-01-09', rule, RU_CALENDAR)).toEqual({
      quarter: '2024-Q4',
      openingDay: '2025-01-09',
      // 10, 13–17, 20–23 January: ten working days.
      deadline: '2025-01-23',
    });
    expect(dueQuarter('2024-01-09', rule, RU_CALENDAR)?.deadline).toBe('2024-01-23');
    // Late in the next quarter the one that ended last is still due (a day the schedule missed is
    // made up; a quarter already started is refused by its start), with a term counted from today.
    expect(dueQuarter('2024-03-29', rule, RU_CALENDAR)).toEqual({
      quarter: '2023-Q4',
      openingDay: '2024-01-09',
      deadline: '2024-04-12',
    });
    expect(dueQuarter('2024-04-01', rule, RU_CALENDAR)).toEqual({
      quarter: '2024-Q1',
      openingDay: '2024-04-01',
      deadline: '2024-04-15',
    });
  });

  it('gives a quarter opened late its whole term, counted across the May holidays of 2024', () => {
    // Opened on 25 April: 26 Apr, Saturday 27 Apr (a working day), 2, 3, 6, 7, 8, 13, 14, 15 May —
    // 29 April–1 May and 9–10 May are days off.
    expect(dueQuarter('2024-04-25', rule, RU_CALENDAR)).toEqual({
      quarter: '2024-Q1',
      openingDay: '2024-04-01',
      deadline: '2024-05-15',
    });
    // Opened on a day off (a trigger on 9 May): the term counts from the next working day, 13 May.
    expect(dueQuarter('2024-05-09', { ...rule, deadlineWorkingDays: 1 }, RU_CALENDAR)?.deadline).toBe(
      '2024-05-14',
    );
  });

  it('names the next opening for the coordinator', () => {
    expect(nextOpening('2024-12-15', rule, RU_CALENDAR)).toEqual({
      quarter: '2024-Q4',
      openingDay: '2025-01-09',
    });
    expect(nextOpening('2025-01-05', rule, RU_CALENDAR).openingDay).toBe('2025-01-09');
    expect(nextOpening('2025-01-10', rule, RU_CALENDAR)).toEqual({
      quarter: '2025-Q1',
      openingDay: '2025-04-01',
    });
  });
});

describe('the reminder policy a coordinator chooses', () => {
  it('takes days before the deadline, the overdue interval and the escalation', () => {
    const choice = parsePolicyChoice({ remindBefore: '2, 5 ,5', overdueEvery: '1', escalateAfter: '3' });
    expect(choice).toEqual({ beforeDeadlineDays: [5, 2], overdueEveryDays: 1, escalateAfterOverdue: 3 });
    expect(parsePolicyChoice({ remindBefore: 'нет' }).beforeDeadlineDays).toEqual([]);
    // Blank fields keep the base.
    expect(parsePolicyChoice({ remindBefore: ' ', overdueEvery: '' })).toEqual({
      beforeDeadlineDays: [3, 1],
      overdueEveryDays: 2,
      escalateAfterOverdue: 2,
    });
  });

  it('refuses what it cannot use, in Russian, naming the field', () => {
    const bad = (text: Parameters<typeof parsePolicyChoice>[0]) => () => parsePolicyChoice(text);
    expect(bad({ remindBefore: '3,0' })).toThrow(PolicyError);
    expect(bad({ remindBefore: '3,0' })).toThrow(/Напоминания до срока: «0» — не число дней от 1 до 60/);
    expect(bad({ remindBefore: 'три' })).toThrow(/«три»/);
    expect(bad({ overdueEvery: '0' })).toThrow(
      /Интервал напоминаний после срока: нужно целое число от 1 до 30/,
    );
    expect(bad({ overdueEvery: '1.5' })).toThrow(/целое число/);
    expect(bad({ escalateAfter: '-1' })).toThrow(/Эскалация после напоминаний/);
  });

  it("defaults to the installation's settings, and says which variable is wrong", () => {
    expect(installationPolicy({})).toEqual({
      beforeDeadlineDays: DEFAULT_POLICY.beforeDeadlineDays,
      overdueEveryDays: DEFAULT_POLICY.overdueEveryDays,
      escalateAfterOverdue: DEFAULT_POLICY.escalateAfterOverdue,
    });
    expect(installationPolicy({ SVODKA_REMIND_BEFORE_DAYS: '7', SVODKA_ESCALATE_AFTER: '1' })).toEqual({
      beforeDeadlineDays: [7],
      overdueEveryDays: 2,
      escalateAfterOverdue: 1,
    });
    expect(() => installationPolicy({ SVODKA_OVERDUE_EVERY_DAYS: 'часто' })).toThrow(
      /^SVODKA_OVERDUE_EVERY_DAYS: нужно целое число/,
    );
    // A coordinator's choice goes over the installation's.
    const base = installationPolicy({ SVODKA_REMIND_BEFORE_DAYS: '7' });
    expect(parsePolicyChoice({ overdueEvery: '4' }, base).beforeDeadlineDays).toEqual([7]);
  });

  it('shapes the plan of reminders', () => {
    const policy = {
      ...DEFAULT_POLICY,
      ...parsePolicyChoice({ remindBefore: '5,2', overdueEvery: '1', escalateAfter: '1' }),
      calendar: RU_CALENDAR,
    };
    // Deadline Friday 15 March 2024. Five days before is Sunday the 10th, moved back past Saturday
    // and the 8 March holiday to Thursday the 7th; two days before is Wednesday the 13th. Overdue
    // every day: the weekend's two land on Monday the 18th and count once; after that one reminder
    // comes the escalation, then a reminder a day.
    const plan = plannedReminders(policy, '2024-03-15', 6).map((p) => `${p.kind} ${moscowDate(p.at)}`);
    expect(plan).toEqual([
      'reminder 2024-03-07',
      'reminder 2024-03-13',
      'deadline 2024-03-15',
      'overdue 2024-03-18',
      'escalation 2024-03-19',
      'overdue 2024-03-20',
      'overdue 2024-03-21',
    ]);
    // The default policy on the same deadline: 3 and 1 days before, every 2 days after.
    const usual = plannedReminders({ ...DEFAULT_POLICY, calendar: RU_CALENDAR }, '2024-03-15', 3);
    expect(usual.map((p) => `${p.kind} ${moscowDate(p.at)}`).slice(0, 2)).toEqual([
      'reminder 2024-03-12',
      'reminder 2024-03-14',
    ]);
    expect(describePolicy(policy)).toContain('за 5, 2 дн. до срока');
  });
});
