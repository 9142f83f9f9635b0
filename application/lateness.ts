// Who is chronically late: every municipality's timeliness across the quarters Svodka has run, read
// from the database alone (the quarters' starts and decisions in the audit log, the dates of the
// accepted answers), so closed quarters long forgotten by Temporal count as much as the current one.
import { z } from 'zod';
import type { WorkingCalendar } from '../domain/calendar/working-days';
import { moscowDate, toVirtual } from '../domain/schedule';
import { assessTimeliness, byLateness, latenessRecord, timelinessShare } from '../domain/timeliness';
import type { LatenessRecord, Timeliness, TimelinessShare } from '../domain/timeliness';
import { workingCalendar } from '../infrastructure/calendar';
import type { Db } from '../infrastructure/db/client';
import { quarterRegionIds } from '../infrastructure/registry/snapshot';
import { defineUseCase } from './use-case';

/** The quarters shown side by side: the most recent ones. */
export const LATENESS_QUARTERS = 8;
const PAGE_SIZE = 50;

export type LatenessQuarter = { quarter: string; deadline: string; share: TimelinessShare };
export type LatenessRow = LatenessRecord & {
  name: string;
  /** One cell per quarter of `quarters`, in the same order; null: the quarter did not ask it. */
  cells: (Timeliness | null)[];
};
export type LatenessView = {
  quarters: LatenessQuarter[];
  rows: LatenessRow[];
  matched: number;
  page: number;
  pages: number;
};

export const latenessInput = z.object({
  search: z.string().max(200, 'Слишком длинная строка поиска.').optional(),
  /** Only municipalities late or silent at least once. */
  lateOnly: z.boolean().default(false),
  page: z.number().int().min(1).default(1),
  /** One region's quarters and municipalities (an account of one region); absent: every region. */
  regionId: z.number().int().nullish(),
});

function detailOf(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const searchKey = (text: string) => text.toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim();

export async function readLateness(
  deps: { db: Db; clock: () => Date; calendar?: WorkingCalendar },
  rawInput: z.input<typeof latenessInput>,
): Promise<LatenessView> {
  const input = latenessInput.parse(rawInput);
  const { db } = deps;
  const calendar = deps.calendar ?? (await workingCalendar(db));
  const starts = await db.auditEntry.findMany({
    where: { action: 'quarter.start', quarter: { not: null } },
    orderBy: { id: 'asc' },
    select: { quarter: true, detail: true, at: true },
  });
  type Started = { quarter: string; deadline: string; origin: number; scale: number };
  const byQuarter = new Map<string, Started>();
  for (const s of starts) {
    const detail = detailOf(s.detail);
    if (!s.quarter || byQuarter.has(s.quarter) || typeof detail.deadline !== 'string') continue;
    const scale = typeof detail.timeScale === 'number' && detail.timeScale > 0 ? detail.timeScale : 1;
    byQuarter.set(s.quarter, {
      quarter: s.quarter,
      deadline: detail.deadline,
      origin: s.at.getTime(),
      scale,
    });
  }
  if (input.regionId != null) {
    const regions = await quarterRegionIds(db, [...byQuarter.keys()]);
    for (const q of [...byQuarter.keys()]) if (regions.get(q) !== input.regionId) byQuarter.delete(q);
  }
  const quarters = [...byQuarter.values()]
    .sort((a, b) => b.quarter.localeCompare(a.quarter))
    .slice(0, LATENESS_QUARTERS)
    .reverse();
  const names = quarters.map((q) => q.quarter);

  const [registry, accepted, decisions, finals, closes] = await Promise.all([
    db.municipality.findMany({
      where: input.regionId != null ? { regionId: input.regionId } : {},
      orderBy: { position: 'asc' },
      select: { code: true, name: true },
    }),
    db.submission.groupBy({
      by: ['quarter', 'municipality'],
      where: { quarter: { in: names }, status: 'accepted' },
      _min: { createdAt: true },
    }),
    db.auditEntry.findMany({
      where: { quarter: { in: names }, action: { in: ['quarter.extend', 'quarter.excuse'] } },
      orderBy: { id: 'asc' },
      select: { quarter: true, municipality: true, action: true, detail: true },
    }),
    db.report.findMany({ where: { quarter: { in: names }, kind: 'final' }, select: { quarter: true } }),
    db.auditEntry.findMany({
      where: { quarter: { in: names }, action: 'quarter.close' },
      select: { quarter: true },
    }),
  ]);
  const key = (quarter: string, code: string) => `${quarter}\u0000${code}`;
  const answered = new Map(accepted.map((a) => [key(a.quarter, a.municipality), a._min.createdAt]));
  const until = new Map<string, string>();
  const excused = new Set<string>();
  for (const d of decisions) {
    if (!d.quarter || !d.municipality) continue;
    const detail = detailOf(d.detail);
    if (d.action === 'quarter.extend' && typeof detail.until === 'string')
      until.set(key(d.quarter, d.municipality), detail.until);
    if (d.action === 'quarter.excuse') excused.add(key(d.quarter, d.municipality));
  }
  const ended = new Set([...finals, ...closes].map((r) => r.quarter));
  const now = deps.clock().getTime();

  const cache = new Map<string, Timeliness>();
  const cellsOf = (code: string): Timeliness[] =>
    quarters.map((q) => {
      const k = key(q.quarter, code);
      const clock = { originReal: q.origin, scale: q.scale };
      const at = answered.get(k);
      const facts = {
        deadline: until.get(k) ?? q.deadline,
        answeredOn: at ? moscowDate(toVirtual(clock, at.getTime())) : null,
        excused: excused.has(k),
        ended: ended.has(q.quarter),
        today: moscowDate(toVirtual(clock, now)),
      };
      const ck = `${q.quarter}|${facts.deadline}|${facts.answeredOn}|${facts.excused}`;
      let t = cache.get(ck);
      if (!t) cache.set(ck, (t = assessTimeliness(facts, calendar)));
      return t;
    });

  const all = registry.map((m) => {
    const cells = cellsOf(m.code);
    return { ...latenessRecord(m.code, cells), name: m.name, cells };
  });
  const quarterViews: LatenessQuarter[] = quarters.map((q, i) => ({
    quarter: q.quarter,
    deadline: q.deadline,
    share: timelinessShare(all.map((row) => row.cells[i]!)),
  }));
  const needle = input.search ? searchKey(input.search) : '';
  const matched = all
    .filter((row) => !input.lateOnly || row.late + row.missing > 0)
    .filter((row) => !needle || searchKey(row.name).includes(needle) || searchKey(row.code).includes(needle))
    .sort(byLateness);
  const pages = Math.max(1, Math.ceil(matched.length / PAGE_SIZE));
  const page = Math.min(input.page, pages);
  return {
    quarters: quarterViews,
    rows: matched.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE),
    matched: matched.length,
    page,
    pages,
  };
}

/** The read use case behind the portal's /timeliness page. */
export const lateness = defineUseCase({
  name: 'lateness',
  input: latenessInput,
  run: (ctx, input): Promise<LatenessView> => readLateness({ db: ctx.db, clock: ctx.clock }, input),
});
