// Timeliness on the production calendar over the May holidays of 2024: 28 April – 1 May and
// 9–12 May off, Saturday 27 April worked. A deadline on a day off moves to the next working day.
import { describe, expect, it } from 'vitest';
import { RU_CALENDAR } from '../../domain/calendar/russia';
import { WEEKENDS_ONLY } from '../../domain/calendar/working-days';
import {
  assessTimeliness,
  byLateness,
  effectiveDeadline,
  latenessRecord,
  timelinessShare,
  timelinessText,
} from '../../domain/timeliness';
import type { TimelinessFacts } from '../../domain/timeliness';

const facts = (patch: Partial<TimelinessFacts>): TimelinessFacts => ({
  deadline: '2024-05-08',
  answeredOn: null,
  excused: false,
  ended: false,
  today: '2024-05-08',
  ...patch,
});
const assess = (patch: Partial<TimelinessFacts>) => assessTimeliness(facts(patch), RU_CALENDAR);

describe('timeliness over the May holidays of 2024', () => {
  it('an answer on the deadline is on time; the holidays do not count as days late', () => {
    expect(assess({ answeredOn: '2024-05-08' })).toEqual({ kind: 'on_time', days: 0 });
    // 9–12 May are days off: an answer on Monday the 13th is one working day late, not five days.
    expect(assess({ answeredOn: '2024-05-13' })).toEqual({ kind: 'late', days: 1 });
    expect(assess({ answeredOn: '2024-05-14' })).toEqual({ kind: 'late', days: 2 });
    // With weekends only (the old rule), 9 and 10 May would have been counted.
    expect(assessTimeliness(facts({ answeredOn: '2024-05-13' }), WEEKENDS_ONLY)).toEqual({
      kind: 'late',
      days: 3,
    });
  });

  it('a deadline on Victory Day runs to Monday 13 May (Civil Code art. 193)', () => {
    expect(effectiveDeadline('2024-05-09', RU_CALENDAR)).toBe('2024-05-13');
    expect(assess({ deadline: '2024-05-09', answeredOn: '2024-05-10' }).kind).toBe('on_time');
    expect(assess({ deadline: '2024-05-09', answeredOn: '2024-05-13' }).kind).toBe('on_time');
    expect(assess({ deadline: '2024-05-09', answeredOn: '2024-05-14' })).toEqual({ kind: 'late', days: 1 });
  });

  it('the working Saturday of 27 April counts; 29 and 30 April and 1 May do not', () => {
    // Deadline Friday 26 April: late days are 27 April (worked) and 2 May.
    expect(assess({ deadline: '2024-04-26', answeredOn: '2024-05-02' })).toEqual({ kind: 'late', days: 2 });
    expect(assess({ deadline: '2024-04-26', answeredOn: '2024-04-27' })).toEqual({ kind: 'late', days: 1 });
  });

  it('no answer: pending before the deadline, overdue after it, «не представлено» once the collection ended', () => {
    expect(assess({ today: '2024-05-08' })).toEqual({ kind: 'pending', days: 0 });
    // Past the deadline over the holidays: overdue, though no working day is lost yet.
    expect(assess({ today: '2024-05-12' })).toEqual({ kind: 'overdue', days: 0 });
    expect(timelinessText({ kind: 'overdue', days: 0 })).toBe('просрочено');
    expect(assess({ today: '2024-05-13' })).toEqual({ kind: 'overdue', days: 1 });
    expect(assess({ today: '2024-05-20', ended: true })).toEqual({ kind: 'missing', days: 0 });
    expect(assess({ today: '2024-05-20', excused: true })).toEqual({ kind: 'excused', days: 0 });
  });

  it('says it in Russian', () => {
    expect(timelinessText({ kind: 'on_time', days: 0 })).toBe('в срок');
    expect(timelinessText({ kind: 'late', days: 1 })).toBe('опоздание: 1 рабочий день');
    expect(timelinessText({ kind: 'late', days: 3 })).toBe('опоздание: 3 рабочих дня');
    expect(timelinessText({ kind: 'overdue', days: 11 })).toBe('просрочено: 11 рабочих дней');
  });

  it('the share on time leaves out the excused and those whose deadline has not come', () => {
    const share = timelinessShare([
      { kind: 'on_time', days: 0 },
      { kind: 'on_time', days: 0 },
      { kind: 'on_time', days: 0 },
      { kind: 'late', days: 2 },
      { kind: 'missing', days: 0 },
      { kind: 'excused', days: 0 },
      { kind: 'pending', days: 0 },
    ]);
    expect(share).toEqual({ onTime: 3, late: 1, missing: 1, share: 0.6 });
    expect(timelinessShare([{ kind: 'pending', days: 0 }]).share).toBeNull();
  });

  it('ranks the chronically late first', () => {
    const steady = latenessRecord('a', [
      { kind: 'on_time', days: 0 },
      { kind: 'on_time', days: 0 },
    ]);
    const once = latenessRecord('b', [
      { kind: 'late', days: 7 },
      { kind: 'on_time', days: 0 },
    ]);
    const always = latenessRecord('c', [
      { kind: 'late', days: 1 },
      { kind: 'missing', days: 0 },
    ]);
    expect([steady, once, always].sort(byLateness).map((r) => r.code)).toEqual(['c', 'b', 'a']);
    expect(once).toMatchObject({ quarters: 2, onTime: 1, late: 1, lateDays: 7, worst: 7 });
  });
});
