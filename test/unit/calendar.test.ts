// The Russian production calendar shipped for 2022–2027, and the working-day arithmetic on it.
import { describe, expect, it } from 'vitest';
import { RU_DECREES } from '../../domain/calendar/ru-decrees';
import { mergeYears, RU_CALENDAR, RU_YEARS } from '../../domain/calendar/russia';
import {
  addWorkingDays,
  calendarForYears,
  isWeekend,
  isWorkingDay,
  nextWorkingDay,
  previousWorkingDay,
  uncoveredYearsWarning,
  WEEKENDS_ONLY,
  workingCalendarOf,
  workingDaysBetween,
  workingDaysInYear,
  workingDaysLeft,
  deadlineYears,
} from '../../domain/calendar/working-days';
import type { YearCalendar } from '../../domain/calendar/working-days';
import {
  DEFAULT_POLICY,
  defaultDeadline,
  moscowDate,
  moscowTime,
  plannedReminders,
} from '../../domain/schedule';

const cal = RU_CALENDAR;
const year = (y: number) => RU_YEARS.find((c) => c.year === y)!;
/** The weekdays a year takes off, and the weekend days it works: what each decree changes. */
const weekdaysOff = (y: number) => year(y).daysOff.filter((d) => !isWeekend(d));

describe('the days issue 18 names', () => {
  it('5 January 2024, 9 May 2024 and 7 January 2025 are days off', () => {
    for (const d of ['2024-01-05', '2024-05-09', '2025-01-07']) expect(isWorkingDay(d, cal), d).toBe(false);
  });
  it('the working Saturdays 27 April 2024 and 28 December 2024 are working days', () => {
    for (const d of ['2024-04-27', '2024-12-28']) {
      expect(new Date(`${d}T00:00:00Z`).getUTCDay(), d).toBe(6);
      expect(isWorkingDay(d, cal), d).toBe(true);
    }
  });
  it('without a calendar only Saturdays and Sundays are off, as before', () => {
    expect(isWorkingDay('2024-01-05', WEEKENDS_ONLY)).toBe(true);
    expect(isWorkingDay('2024-04-27', WEEKENDS_ONLY)).toBe(false);
  });
});

describe('working days per year against the official totals', () => {
  const official: Record<number, number> = { 2022: 247, 2023: 247, 2024: 248, 2025: 247, 2026: 247 };
  for (const [y, total] of Object.entries(official)) {
    it(`${y}: ${total}`, () => expect(workingDaysInYear(Number(y), cal)).toBe(total));
  }
  it('2027 (holidays of the Labour Code only, no decree yet): 249, and the data says so', () => {
    expect(workingDaysInYear(2027, cal)).toBe(249);
    const y2027 = RU_DECREES.find((d) => d.year === 2027)!;
    expect(y2027.kind).toBe('statutory');
    expect(y2027.note).toMatch(/не учтены/);
  });
  it('every year names the act it comes from', () => {
    expect(RU_DECREES.map((d) => [d.year, d.source.match(/№ \d+|ст\. 112/)?.[0]])).toEqual([
      [2022, '№ 1564'],
      [2023, '№ 1505'],
      [2024, '№ 1314'],
      [2025, '№ 1335'],
      [2026, '№ 1466'],
      [2027, 'ст. 112'],
    ]);
  });
});

describe('the transfers of each year', () => {
  it('2022 (№ 1564): 1 and 2 January to 3 and 10 May, Saturday 5 March to 7 March', () => {
    // prettier-ignore
    expect(weekdaysOff(2022)).toEqual([
      '2022-01-03', '2022-01-04', '2022-01-05', '2022-01-06', '2022-01-07',
      '2022-02-23', '2022-03-07', '2022-03-08',
      '2022-05-02', '2022-05-03', '2022-05-09', '2022-05-10',
      '2022-06-13', '2022-11-04',
    ]);
    expect(year(2022).workingWeekends).toEqual(['2022-03-05']);
  });
  it('2023 (№ 1505): 1 January to 24 February, 8 January to 8 May; 4 November (Saturday) to 6 November', () => {
    // prettier-ignore
    expect(weekdaysOff(2023)).toEqual([
      '2023-01-02', '2023-01-03', '2023-01-04', '2023-01-05', '2023-01-06',
      '2023-02-23', '2023-02-24', '2023-03-08',
      '2023-05-01', '2023-05-08', '2023-05-09',
      '2023-06-12', '2023-11-06',
    ]);
    expect(year(2023).workingWeekends).toEqual([]);
  });
  it('2024 (№ 1314): five transfers, three working Saturdays', () => {
    // prettier-ignore
    expect(weekdaysOff(2024)).toEqual([
      '2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-08',
      '2024-02-23', '2024-03-08',
      '2024-04-29', '2024-04-30', '2024-05-01', '2024-05-09', '2024-05-10',
      '2024-06-12', '2024-11-04', '2024-12-30', '2024-12-31',
    ]);
    expect(year(2024).workingWeekends).toEqual(['2024-04-27', '2024-11-02', '2024-12-28']);
  });
  it('2025 (№ 1335): 4 January to 2 May, 5 January to 31 December, Saturday 1 November to 3 November; 23 February and 8 March move to Monday', () => {
    // prettier-ignore
    expect(weekdaysOff(2025)).toEqual([
      '2025-01-01', '2025-01-02', '2025-01-03', '2025-01-06', '2025-01-07', '2025-01-08',
      '2025-02-24', '2025-03-10',
      '2025-05-01', '2025-05-02', '2025-05-09',
      '2025-06-12', '2025-11-03', '2025-11-04', '2025-12-31',
    ]);
    expect(year(2025).workingWeekends).toEqual(['2025-11-01']);
  });
  it('2026 (№ 1466): 3 January to 9 January, 4 January to 31 December; 8 March and 9 May move to Monday', () => {
    // prettier-ignore
    expect(weekdaysOff(2026)).toEqual([
      '2026-01-01', '2026-01-02', '2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09',
      '2026-02-23', '2026-03-09',
      '2026-05-01', '2026-05-11',
      '2026-06-12', '2026-11-04', '2026-12-31',
    ]);
    expect(year(2026).workingWeekends).toEqual([]);
  });
  it('2027 (art. 112 only): holidays on Saturdays and Sundays move to the next working day, January ones do not', () => {
    // prettier-ignore
    expect(weekdaysOff(2027)).toEqual([
      '2027-01-01', '2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08',
      '2027-02-23', '2027-03-08',
      '2027-05-03', '2027-05-10',
      '2027-06-14', '2027-11-04',
    ]);
    expect(year(2027).workingWeekends).toEqual([]);
  });
});

describe('working-day arithmetic', () => {
  it('finds the next and the previous working day across the May holidays of 2024', () => {
    expect(nextWorkingDay('2024-04-27', cal)).toBe('2024-05-02');
    expect(previousWorkingDay('2024-05-02', cal)).toBe('2024-04-27');
    expect(nextWorkingDay('2024-05-08', cal)).toBe('2024-05-13');
  });
  it('adds working days from the day after, and counts from a day off correctly', () => {
    // Monday 29 April 2024 is a day off: the first of ten working days is 2 May.
    expect(addWorkingDays('2024-04-29', 10, cal)).toBe('2024-05-17');
    expect(addWorkingDays('2024-04-29', 0, cal)).toBe('2024-05-02');
    expect(addWorkingDays('2024-12-27', 1, cal)).toBe('2024-12-28');
    expect(addWorkingDays('2024-12-28', 1, cal)).toBe('2025-01-09');
    expect(() => addWorkingDays('2024-01-01', -1, cal)).toThrow(/неотрицательным/);
  });
  it('counts working days between dates (lateness) and those left (the dashboard)', () => {
    expect(workingDaysBetween('2024-05-08', '2024-05-13', cal)).toBe(1);
    expect(workingDaysBetween('2024-05-13', '2024-05-08', cal)).toBe(-1);
    expect(workingDaysBetween('2024-05-08', '2024-05-13', WEEKENDS_ONLY)).toBe(3);
    expect(workingDaysLeft('2024-05-06', '2024-05-13', cal)).toBe(4);
    expect(workingDaysLeft('2024-05-14', '2024-05-13', cal)).toBe(0);
    expect(workingDaysLeft('2024-05-13', '2024-05-13', cal)).toBe(1);
  });
  it('falls back to weekends only outside the covered years', () => {
    expect(isWorkingDay('2028-01-03', cal)).toBe(true);
    expect(isWorkingDay('2028-01-01', cal)).toBe(false);
  });
  it('takes imported years over the shipped ones', () => {
    const imported: YearCalendar = {
      year: 2027,
      source: 'файл 2027.xml',
      kind: 'imported',
      daysOff: ['2027-12-31'],
      workingWeekends: [],
      shortened: [],
    };
    const merged = workingCalendarOf(mergeYears([imported]));
    expect(isWorkingDay('2027-12-31', merged)).toBe(false);
    expect(isWorkingDay('2027-05-03', merged)).toBe(true);
    expect(isWorkingDay('2026-12-31', merged)).toBe(false);
  });
  it('gives a quarter only the years it touches', () => {
    expect(deadlineYears('2025-01-10')).toEqual([2024, 2025]);
    expect(deadlineYears('2024-10-10')).toEqual([2024, 2025]);
    expect(deadlineYears('2024-07-10')).toEqual([2024]);
    const q = calendarForYears(cal, [2024]);
    expect(q.years).toEqual([2024]);
    expect([...q.daysOff, ...q.workingWeekends].every((d) => d.startsWith('2024-'))).toBe(true);
    expect(isWorkingDay('2025-01-07', q)).toBe(true);
  });
});

describe('the coordinator is warned about years without a calendar', () => {
  it('says nothing for covered years', () => {
    expect(uncoveredYearsWarning([2024, 2025], RU_YEARS)).toBeNull();
  });
  it('names a missing year and the fallback, and how to fix it', () => {
    const w = uncoveredYearsWarning([2027, 2028], RU_YEARS)!;
    expect(w).toContain('производственного календаря на 2028 год нет');
    expect(w).toContain('только субботы и воскресенья');
    expect(w).toContain('на 2027 год известны только праздники');
    expect(w).toContain('npx svodka calendar import');
  });
});

describe('reminders on the calendar', () => {
  const withCalendar = { ...DEFAULT_POLICY, calendar: RU_CALENDAR };
  const days = (policy: typeof DEFAULT_POLICY, deadline: string, overdue = 3) =>
    plannedReminders(policy, deadline, overdue).map((p) => `${p.kind} ${moscowDate(p.at)}`);

  it('skips the May holidays of 2024: no reminder on 9 or 10 May', () => {
    expect(days(withCalendar, '2024-05-08', 4)).toEqual([
      'reminder 2024-05-03',
      'reminder 2024-05-07',
      'deadline 2024-05-08',
      // 10 and 12 May both move to Monday 13 May: one reminder, counted once before the escalation.
      'overdue 2024-05-13',
      'overdue 2024-05-14',
      'escalation 2024-05-16',
    ]);
    // The old rule sent one on the holiday 10 May.
    expect(days(DEFAULT_POLICY, '2024-05-08')).toContain('overdue 2024-05-10');
  });
  it('moves a reminder out of the New Year holidays: not on 5 January 2024 nor 7 January 2025', () => {
    // 6 and 8 January both move back to Friday 29 December: one reminder.
    expect(days(withCalendar, '2024-01-09', 0)).toEqual(['reminder 2023-12-29', 'deadline 2024-01-09']);
    expect(days(DEFAULT_POLICY, '2024-01-09', 0)).toContain('reminder 2024-01-05');
    expect(days(withCalendar, '2025-01-10', 0)).toEqual([
      'reminder 2024-12-28',
      'reminder 2025-01-09',
      'deadline 2025-01-10',
    ]);
    expect(days(DEFAULT_POLICY, '2025-01-10', 0)).toContain('reminder 2025-01-07');
  });
  it('puts the default deadline on a working day, or ten working days ahead', () => {
    // 10 January 2026 is a Saturday.
    expect(defaultDeadline('2025-12-31', moscowTime('2025-12-01', 12), RU_CALENDAR)).toBe('2026-01-12');
    // Past the 10th: ten working days from Monday 29 April 2024, a day off.
    expect(defaultDeadline('2024-03-31', moscowTime('2024-04-29', 12), RU_CALENDAR)).toBe('2024-05-17');
    expect(defaultDeadline('2024-03-31', moscowTime('2024-04-29', 12))).toBe('2024-05-13');
  });
});

describe('the warning names long runs of years briefly', () => {
  it('gives a range for a far deadline', () => {
    expect(uncoveredYearsWarning([2028, 2029, 2030, 2031], RU_YEARS)).toContain('на 2028–2031 годы нет');
  });
});
