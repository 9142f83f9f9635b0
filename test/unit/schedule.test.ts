import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  defaultDeadline,
  moscowDate,
  moscowTime,
  plannedReminders,
  realDelayUntil,
  toVirtual,
} from '../../domain/schedule';

const at = (iso: string) => new Date(iso).toISOString();

describe('reminder plan', () => {
  // 2023-07-10 is a Monday.
  const plan = plannedReminders(DEFAULT_POLICY, '2023-07-10', 6);

  it('reminds 3 and 1 days before, on the deadline, then every 2 days, escalating after 2 overdue', () => {
    expect(plan.map((p) => [p.kind, at(new Date(p.at).toISOString())])).toEqual([
      // 3 days before is Friday 7 July; 1 day before is Sunday 9 July, moved back to Friday — the same
      // instant, so it is sent once.
      ['reminder', '2023-07-07T06:00:00.000Z'],
      ['deadline', '2023-07-10T06:00:00.000Z'],
      ['overdue', '2023-07-12T06:00:00.000Z'],
      ['overdue', '2023-07-14T06:00:00.000Z'],
      // 16 July is a Sunday: moved forward to Monday.
      ['escalation', '2023-07-17T06:00:00.000Z'],
      ['overdue', '2023-07-18T06:00:00.000Z'],
      ['overdue', '2023-07-20T06:00:00.000Z'],
      // 22 July is a Saturday: moved to Monday 24.
      ['overdue', '2023-07-24T06:00:00.000Z'],
    ]);
  });

  it('escalates even when a weekend shift puts an overdue reminder on the escalation day', () => {
    // Deadline Tue 15 Dec 2026: overdue reminders fall on Thu 17 and Sat 19 → Mon 21, and the
    // escalation, due Mon 21 as well, was dropped as a duplicate of that day (npm run demo saw it).
    const plan = plannedReminders(DEFAULT_POLICY, '2026-12-15');
    const escalations = plan.filter((p) => p.kind === 'escalation');
    expect(escalations).toHaveLength(1);
    expect(new Date(escalations[0]!.at).toISOString()).toBe('2026-12-21T06:00:00.000Z');
    expect(plan.filter((p) => p.at === escalations[0]!.at)).toHaveLength(1);
  });

  it('goes out at 09:00 Moscow time', () => {
    for (const p of plan) expect(new Date(p.at).getUTCHours()).toBe(6);
  });

  it('keeps weekends when the policy says so', () => {
    const everyDay = plannedReminders({ ...DEFAULT_POLICY, workingDaysOnly: false }, '2023-07-10', 0);
    expect(everyDay.map((p) => moscowDate(p.at))).toEqual(['2023-07-07', '2023-07-09', '2023-07-10']);
  });
});

describe('virtual clock', () => {
  it('runs a scaled quarter: a day of policy is a second of real time at 86400', () => {
    const origin = Date.UTC(2026, 0, 1);
    const clock = { originReal: origin, scale: 86_400 };
    expect(toVirtual(clock, origin + 1000)).toBe(origin + 86_400_000);
    expect(realDelayUntil(clock, origin, origin + 3 * 86_400_000)).toBe(3000);
    expect(realDelayUntil(clock, origin + 5000, origin + 3 * 86_400_000)).toBe(0);
  });
});

describe('default deadline', () => {
  it('is the 10th of the month after the quarter while that is ahead', () => {
    expect(defaultDeadline('2023-06-30', moscowTime('2023-07-01', 12))).toBe('2023-07-10');
  });
  it('is ten working days from now once that has passed', () => {
    expect(defaultDeadline('2023-06-30', moscowTime('2026-11-25', 12))).toBe('2026-12-09');
  });
});
