// The portal's coordinator on the production calendar: the warning after starting a quarter that
// reaches an uncovered year, and the working days left to the deadline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { RU_CALENDAR } from '../../domain/calendar/russia';
import { addDays, workingDaysLeft } from '../../domain/calendar/working-days';
import { moscowDate } from '../../domain/schedule';
import type { QuarterInput } from '../../workflows/api';
import { createTestDb, fakeTemporal, hiddenValue, quarterStatus, signInAs, testPortal } from '../e2e/fakes';
import type { FakeTemporal, TestDb } from '../e2e/fakes';

let t: TestDb;
let temporal: FakeTemporal;
let app: FastifyInstance;
let cookies: Record<string, string>;

beforeAll(async () => {
  t = await createTestDb();
  temporal = fakeTemporal(t.db);
  app = await testPortal(t.db, temporal.client);
  cookies = await signInAs(app, t.db, {
    login: 'coord',
    name: 'Координатор',
    role: 'coordinator',
    password: 'Zvezda-Dnepr-7311',
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

describe('the coordinator and the calendar', () => {
  it('is warned, on landing after the start, that 2028 has no calendar; the workflow got the calendar it has', async () => {
    const list = await app.inject({ method: 'GET', url: '/quarters', cookies });
    const start = await app.inject({
      method: 'POST',
      url: '/quarters',
      cookies,
      payload: { _csrf: hiddenValue(list.body, '_csrf'), quarter: '2027-Q4', deadline: '2028-01-17' },
    });
    expect(start.statusCode).toBe(303);
    const input = temporal.calls.find((c) => c.kind === 'start')!.args[0] as QuarterInput;
    expect(input.policy.calendar!.years).toEqual([2027]);
    temporal.statuses.set('2027-Q4', quarterStatus('2027-Q4', { deadline: input.deadline }));
    const page = await app.inject({ method: 'GET', url: start.headers.location!, cookies });
    expect(page.body).toContain('Внимание: производственного календаря на 2028 год нет.');
    expect(page.body).toContain('на 2027 год известны только праздники по Трудовому кодексу');
    // Said once: the page itself, opened later, does not repeat it.
    const later = await app.inject({ method: 'GET', url: '/quarters/2027-Q4', cookies });
    expect(later.body).not.toContain('производственного календаря на 2028 год нет');
  });

  it('shows the working days left to the deadline, counted on the calendar', async () => {
    const today = moscowDate(Date.now());
    const deadline = addDays(today, 20);
    temporal.statuses.set('2026-Q3', quarterStatus('2026-Q3', { deadline }));
    const n = workingDaysLeft(today, deadline, RU_CALENDAR);
    expect(n).toBeGreaterThan(0);
    const page = await app.inject({ method: 'GET', url: '/quarters/2026-Q3', cookies });
    expect(page.body).toMatch(new RegExp(`Остал(ся|ось) ${n} рабоч(ий день|их дня|их дней)`));
    temporal.statuses.set('2026-Q3', quarterStatus('2026-Q3', { deadline, timeScale: 86_400 }));
    const scaled = await app.inject({ method: 'GET', url: '/quarters/2026-Q3', cookies });
    // No «working days left» for a quarter on a compressed clock (the timeliness legend stays).
    expect(scaled.body).not.toMatch(/Остал(ся|ось) \d+ рабоч/);
  });
});
