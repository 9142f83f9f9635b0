// The quarter's read model (application/quarter-status.ts) against a real SQLite database and a
// fake Temporal: flat and tree quarters read alike; a page of a 20,000-municipality quarter asks
// at most a page of workflows; a quarter Temporal has forgotten still reads from the database.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quarterStatus, readMunicipalitySummary, readQuarterView } from '../../application/quarter-status';
import type { QuarterSource } from '../../application/quarter-status';
import { execute } from '../../application/use-case';
import { RU_CALENDAR } from '../../domain/calendar/russia';
import { generateRegistry, SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import type { MunicipalitySummary, QuarterStatus, SubmissionState } from '../../workflows/api';
import { createTestDb, fakeTemporal, quarterStatus as flatStatus, summary } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

/** A Temporal that knows a tree quarter's states (visibility) and its municipalities' summaries. */
function fakeSource(states: Map<string, SubmissionState> | null, status: QuarterStatus | null = null) {
  const asked: string[] = [];
  let listings = 0;
  const source: QuarterSource = {
    status: async () => status,
    states: async () => {
      listings++;
      return states;
    },
    summary: async (_q, code) => {
      asked.push(code);
      const state = states?.get(code);
      return state ? summary(code, { state, reminders: 2, deadline: '2099-07-10' }) : null;
    },
  };
  return { source, asked, listings: () => listings };
}

const treeStatus = (quarter: string, total: number, patch: Partial<QuarterStatus> = {}): QuarterStatus =>
  flatStatus(quarter, {
    municipalities: [],
    counts: { requested: total },
    total,
    groups: Math.ceil(total / 200),
    ...patch,
  });

async function useRegistry(count: number | 'smolensk') {
  await t.db.municipality.deleteMany();
  await t.db.municipality.createMany({
    data: count === 'smolensk' ? SMOLENSK_MUNICIPALITIES.map((m) => ({ ...m })) : generateRegistry(count),
  });
}

async function accepted(quarter: string, code: string, at: string, version = 1) {
  await t.db.submission.create({
    data: {
      id: `${quarter}-${code}-${version}`,
      quarter,
      municipality: code,
      version,
      kind: 'nil',
      channel: 'web',
      status: 'accepted',
      findings: '[]',
      rowCount: 0,
      createdAt: new Date(at),
    },
  });
}

const clock = (iso: string) => () => new Date(iso);

describe('a flat quarter', () => {
  beforeAll(() => useRegistry('smolensk'));
  afterEach(async () => {
    await t.db.submission.deleteMany();
  });

  it('finds by a part of the name in any case, filters by state, pages', async () => {
    const status = flatStatus('2024-Q1', {
      municipalities: SMOLENSK_MUNICIPALITIES.map((m, i) =>
        summary(m.code, { state: i % 3 === 0 ? 'accepted' : 'requested' }),
      ),
    });
    const { source, asked } = fakeSource(null, status);
    const deps = { db: t.db, source, clock: clock('2099-01-01T12:00:00Z'), calendar: RU_CALENDAR };
    const found = await readQuarterView(deps, status, { quarter: '2024-Q1', search: 'ВЯЗЕМ' });
    expect(found.rows.map((r) => r.code)).toEqual(['vyazma']);
    expect(found.rows[0]!.name).toContain('Вяземский');
    expect(found.rows[0]!.position).toBe(3);
    const byCode = await readQuarterView(deps, status, { quarter: '2024-Q1', search: 'desno' });
    expect(byCode.rows.map((r) => r.code)).toEqual(['desnogorsk']);

    const acceptedOnly = await readQuarterView(deps, status, { quarter: '2024-Q1', state: 'accepted' });
    expect(acceptedOnly.matched).toBe(9);
    expect(acceptedOnly.rows.every((r) => r.summary.state === 'accepted')).toBe(true);
    expect(acceptedOnly.counts).toEqual({ accepted: 9, requested: 18 });

    const second = await readQuarterView(deps, status, { quarter: '2024-Q1', pageSize: 10, page: 2 });
    expect(second.pages).toBe(3);
    expect(second.rows.map((r) => r.position)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    // A page past the end shows the last one.
    expect((await readQuarterView(deps, status, { quarter: '2024-Q1', pageSize: 10, page: 99 })).page).toBe(
      3,
    );
    // The flat quarter's own status says everything: no workflow is asked.
    expect(asked).toEqual([]);
  });

  it('reads a municipality from the quarter status, and knows none outside it', async () => {
    const status = flatStatus('2024-Q1');
    const { source } = fakeSource(null, status);
    const deps = { db: t.db, source, clock: clock('2099-01-01T12:00:00Z'), calendar: RU_CALENDAR };
    expect((await readMunicipalitySummary(deps, status, 'gagarin'))?.code).toBe('gagarin');
    expect(await readMunicipalitySummary(deps, status, 'nowhere')).toBeNull();
  });
});

describe('a tree quarter of 20,000 municipalities', () => {
  const COUNT = 20_000;
  const states = new Map<string, SubmissionState>(
    generateRegistry(COUNT).map((m, i) => [
      m.code,
      i % 4 === 0 ? 'accepted' : i % 4 === 1 ? 'overdue' : i === 2 ? 'excused' : 'requested',
    ]),
  );
  beforeAll(() => useRegistry(COUNT), 60_000);

  it('counts every municipality, and a page asks no workflow of its rows', async () => {
    const status = treeStatus('2024-Q2', COUNT);
    const { source, asked, listings } = fakeSource(states, status);
    const deps = { db: t.db, source, clock: clock('2099-01-01T12:00:00Z'), calendar: RU_CALENDAR };
    const started = performance.now();
    const view = await readQuarterView(deps, status, { quarter: '2024-Q2', page: 3 });
    const ms = performance.now() - started;
    expect(view.total).toBe(COUNT);
    expect(view.counts).toEqual({ accepted: 5000, overdue: 5000, excused: 1, requested: 9999 });
    expect(view.source).toBe('visibility');
    expect(view.rows).toHaveLength(50);
    expect(view.rows[0]!.position).toBe(101);
    expect(view.rows[0]!.summary.state).toBe(states.get('m00101'));
    // One visibility listing, and no query per municipality.
    expect(listings()).toBe(1);
    expect(asked).toEqual([]);
    console.log(`a page of ${COUNT} in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(5_000);
  });

  it('filters by state and searches by name across the whole region', async () => {
    const status = treeStatus('2024-Q2', COUNT);
    const { source } = fakeSource(states, status);
    const deps = { db: t.db, source, clock: clock('2099-01-01T12:00:00Z'), calendar: RU_CALENDAR };
    const overdue = await readQuarterView(deps, status, { quarter: '2024-Q2', state: 'overdue', page: 100 });
    expect(overdue.matched).toBe(5000);
    expect(overdue.pages).toBe(100);
    expect(overdue.rows.every((r) => r.summary.state === 'overdue')).toBe(true);
    expect(overdue.rows.at(-1)!.code).toBe('m19998');
    const one = await readQuarterView(deps, status, { quarter: '2024-Q2', search: '№ 19999' });
    expect(one.rows.map((r) => r.code)).toEqual(['m19999']);
    const both = await readQuarterView(deps, status, {
      quarter: '2024-Q2',
      search: '№ 1999',
      state: 'accepted',
    });
    // № 1999, 19990…19999 contain «№ 1999»; of those every fourth (index ≡ 0 mod 4) is accepted.
    expect(both.rows.map((r) => r.code)).toEqual(['m19993', 'm19997']);
  });

  it('asks a municipality of a tree quarter its own workflow', async () => {
    const status = treeStatus('2024-Q2', COUNT);
    const { source, asked } = fakeSource(states, status);
    const deps = { db: t.db, source, clock: clock('2099-01-01T12:00:00Z'), calendar: RU_CALENDAR };
    const s = (await readMunicipalitySummary(deps, status, 'm12345')) as MunicipalitySummary;
    expect(s.state).toBe(states.get('m12345'));
    expect(asked).toEqual(['m12345']);
  });

  it('exports every row without asking any workflow', async () => {
    const status = treeStatus('2024-Q2', COUNT);
    const { source, asked } = fakeSource(states, status);
    const deps = { db: t.db, source, clock: clock('2099-01-01T12:00:00Z'), calendar: RU_CALENDAR };
    const all = await readQuarterView(deps, status, { quarter: '2024-Q2', pageSize: 0 });
    expect(all.rows).toHaveLength(COUNT);
    expect(asked).toEqual([]);
  });
});

describe('a tree quarter Temporal has forgotten', () => {
  beforeAll(() => useRegistry(1000), 60_000);

  it('reads its states from the database and its status from the archive', async () => {
    const quarter = '2023-Q4';
    const archived = treeStatus(quarter, 1000, {
      phase: 'approved',
      closed: true,
      deadline: '2024-01-10',
      counts: { accepted: 998, excused: 1, not_submitted: 1 },
      finalReportId: 'r1',
    });
    await t.db.workflowHistoryArchive.create({
      data: {
        workflowId: `quarter/${quarter}`,
        runId: 'run',
        quarter,
        kind: 'quarter',
        status: 'COMPLETED',
        events: 1,
        history: Buffer.from(''),
        result: JSON.stringify(archived),
        final: true,
      },
    });
    for (const m of generateRegistry(1000).slice(2)) await accepted(quarter, m.code, '2024-01-09T09:00:00Z');
    await accepted(quarter, 'm00003', '2024-01-12T09:00:00Z', 2);
    await t.db.auditEntry.create({
      data: {
        quarter,
        municipality: 'm00001',
        action: 'quarter.excuse',
        actor: 'coord',
        origin: 'test',
        detail: JSON.stringify({ reason: 'реорганизация' }),
        prevHash: '',
        hash: 'h-excuse',
      },
    });
    const temporal = fakeTemporal(t.db);
    const view = await execute(
      quarterStatus,
      {
        db: t.db,
        files: null as never,
        temporal: async () => temporal.client,
        clock: clock('2024-03-01T12:00:00Z'),
        actor: { name: 'coord', channel: 'portal', origin: 'test' },
      },
      { quarter, state: 'not_submitted' },
    );
    expect(view.source).toBe('database');
    expect(view.counts).toEqual({ excused: 1, not_submitted: 1, accepted: 998 });
    expect(view.rows.map((r) => r.code)).toEqual(['m00002']);
    expect(view.rows[0]!.timeliness.kind).toBe('missing');
    expect(view.timeliness).toEqual({ onTime: 998, late: 0, missing: 1, share: 998 / 999 });
    const excused = await execute(
      quarterStatus,
      {
        db: t.db,
        files: null as never,
        temporal: async () => temporal.client,
        clock: clock('2024-03-01T12:00:00Z'),
        actor: { name: 'coord', channel: 'portal', origin: 'test' },
      },
      { quarter, search: 'm00001' },
    );
    expect(excused.rows[0]!.summary).toMatchObject({ state: 'excused', excuseReason: 'реорганизация' });
    const twice = await readQuarterView(
      {
        db: t.db,
        source: fakeSource(null).source,
        clock: clock('2024-03-01T12:00:00Z'),
        calendar: RU_CALENDAR,
      },
      archived,
      { quarter, code: 'm00003' },
    );
    // Its latest accepted version, as the database holds it; on time by its first (9 January).
    expect(twice.rows[0]!.summary).toMatchObject({
      state: 'accepted',
      versions: 2,
      acceptedSubmissionId: `${quarter}-m00003-2`,
      nil: true,
    });
    expect(twice.rows[0]!.timeliness.kind).toBe('on_time');
  });

  it('refuses a quarter nobody started, in Russian', async () => {
    const temporal = fakeTemporal(t.db);
    await expect(
      execute(
        quarterStatus,
        {
          db: t.db,
          files: null as never,
          temporal: async () => temporal.client,
          clock: clock('2024-03-01T12:00:00Z'),
          actor: { name: 'coord', channel: 'portal', origin: 'test' },
        },
        { quarter: '2019-Q1' },
      ),
    ).rejects.toThrow('Сбор сведений за 2019-Q1 не запущен');
    await expect(execute(quarterStatus, null as never, { quarter: "2019-Q1' OR 1=1" })).rejects.toThrow(
      'Квартал записывается как ГГГГ-QN',
    );
  });
});

describe('timeliness of a quarter over the May holidays of 2024', () => {
  beforeAll(() => useRegistry('smolensk'));

  it('shows each municipality on time or late by working days, and the share on time', async () => {
    const quarter = '2024-Q1';
    await t.db.submission.deleteMany({ where: { quarter } });
    const status = flatStatus(quarter, {
      deadline: '2024-05-08',
      municipalities: SMOLENSK_MUNICIPALITIES.map((m, i) =>
        summary(m.code, {
          state: i < 3 ? 'accepted' : i === 3 ? 'excused' : 'overdue',
          deadline: '2024-05-08',
        }),
      ),
    });
    // Smolensk on the day (23:30 Moscow is still the 8th), Velizh on Monday the 13th, Vyazma the 14th.
    await accepted(quarter, 'smolensk', '2024-05-08T20:30:00Z');
    await accepted(quarter, 'velizh', '2024-05-13T07:00:00Z');
    await accepted(quarter, 'vyazma', '2024-05-14T07:00:00Z');
    const { source } = fakeSource(null, status);
    const deps = { db: t.db, source, clock: clock('2024-05-15T09:00:00Z'), calendar: RU_CALENDAR };
    const view = await readQuarterView(deps, status, { quarter, pageSize: 5 });
    expect(view.rows.map((r) => [r.code, r.timeliness])).toEqual([
      ['smolensk', { kind: 'on_time', days: 0 }],
      ['velizh', { kind: 'late', days: 1 }],
      ['vyazma', { kind: 'late', days: 2 }],
      ['gagarin', { kind: 'excused', days: 0 }],
      // No answer by the 15th: the 13th, 14th and 15th are working days past the 8th.
      ['glinka', { kind: 'overdue', days: 3 }],
    ]);
    expect(view.timeliness).toEqual({ onTime: 1, late: 2, missing: 23, share: 1 / 26 });
    const late = await readQuarterView(deps, status, { quarter, late: true, pageSize: 3 });
    expect(late.matched).toBe(25);
  });
});
