// The consolidated report's model, read from the database: the quarter's registry as it opened, each
// municipality's standing and the events of the accepted versions. Built in the worker for a small
// report and in the render process for a large one (docx/render-process.ts), from the same code.
import { buildReport } from '../domain/merge';
import { parseQuarter } from '../domain/quarter';
import type { DatePrecision, Municipality, ReportModel, SubmittedEvent } from '../domain/types';
import type { RenderRequest, ReportEntry } from '../workflows/api';
import type { Db } from './db/client';
import { quarterRegion, quarterRegistry } from './registry/snapshot';

/** Under SQLite's historical limit of 999 bound parameters. */
const IDS_PER_QUERY = 500;

async function loadEvents(db: Db, submissionIds: { code: string; id: string }[]): Promise<SubmittedEvent[]> {
  if (submissionIds.length === 0) return [];
  // A national report names tens of thousands of submissions; one IN list that long exceeds the
  // database's bound-parameter limit. Chunks of sorted ids concatenate in the same order.
  const ids = submissionIds.map((s) => s.id).sort();
  const rows: Awaited<ReturnType<typeof db.submissionRow.findMany>> = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const chunk = await db.submissionRow.findMany({
      where: { submissionId: { in: ids.slice(i, i + IDS_PER_QUERY) } },
      orderBy: [{ submissionId: 'asc' }, { position: 'asc' }],
    });
    for (const row of chunk) rows.push(row);
  }
  const codeOf = new Map(submissionIds.map((s) => [s.id, s.code]));
  return rows.map((r) => ({
    municipality: codeOf.get(r.submissionId)!,
    index: r.position,
    row: { title: r.title, place: r.place, dates: r.dates, purpose: r.purpose, participants: r.participants },
    range:
      r.startDate && r.endDate
        ? { start: r.startDate, end: r.endDate, precision: (r.precision ?? 'day') as DatePrecision }
        : null,
  }));
}

/**
 * A tree-run region's standing, from the database: each municipality's latest accepted version,
 * except those the groups reported as excused or not submitted (a quarter's workflows are settled
 * before this runs, so the latest accepted version is the one in force).
 */
async function entriesFromDatabase(
  db: Db,
  quarter: string,
  municipalities: Municipality[],
  exclude: { excused: string[]; notSubmitted: string[] },
): Promise<ReportEntry[]> {
  const latest = new Map<string, { id: string; version: number; nil: boolean }>();
  const rows = await db.submission.findMany({
    where: { quarter, status: 'accepted' },
    select: { id: true, municipality: true, version: true, kind: true },
  });
  for (const r of rows) {
    const seen = latest.get(r.municipality);
    if (!seen || seen.version < r.version)
      latest.set(r.municipality, { id: r.id, version: r.version, nil: r.kind === 'nil' });
  }
  const excused = new Set(exclude.excused);
  const notSubmitted = new Set(exclude.notSubmitted);
  return municipalities.flatMap((m): ReportEntry[] => {
    if (excused.has(m.code)) return [{ code: m.code, state: 'excused', submissionId: null, nil: false }];
    if (notSubmitted.has(m.code))
      return [{ code: m.code, state: 'not_submitted', submissionId: null, nil: false }];
    const found = latest.get(m.code);
    return found ? [{ code: m.code, state: 'accepted', submissionId: found.id, nil: found.nil }] : [];
  });
}

/** The report's model: the municipalities in the region's order, their standing and their events. */
export async function reportModel(db: Db, request: RenderRequest): Promise<ReportModel> {
  // Names, order and the region's name as they were when the quarter opened.
  const municipalities = await quarterRegistry(db, request.quarter);
  const region = await quarterRegion(db, request.quarter);
  const entries = request.fromDatabase
    ? await entriesFromDatabase(db, request.quarter, municipalities, request.fromDatabase)
    : request.entries;
  const accepted = entries.flatMap((e) => (e.submissionId ? [{ code: e.code, id: e.submissionId }] : []));
  const events = await loadEvents(db, accepted);
  return buildReport({
    quarter: parseQuarter(request.quarter),
    municipalities,
    events,
    nilReports: entries.filter((e) => e.state === 'accepted' && e.nil).map((e) => e.code),
    notSubmitted: entries.filter((e) => e.state === 'not_submitted').map((e) => e.code),
    signOff: request.signOff ?? null,
    regionGenitive: region.genitive,
  });
}

/**
 * At most how many events the report will hold, from one sum over the accepted versions it may name
 * (for a tree-run region every accepted version of the quarter, superseded ones too): enough to tell
 * a large report before reading it.
 */
export async function reportEventsAtMost(db: Db, request: RenderRequest): Promise<number> {
  if (request.fromDatabase) {
    const { _sum } = await db.submission.aggregate({
      where: { quarter: request.quarter, status: 'accepted' },
      _sum: { rowCount: true },
    });
    return _sum.rowCount ?? 0;
  }
  const ids = request.entries.flatMap((e) => (e.submissionId ? [e.submissionId] : []));
  let events = 0;
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const { _sum } = await db.submission.aggregate({
      where: { id: { in: ids.slice(i, i + IDS_PER_QUERY) } },
      _sum: { rowCount: true },
    });
    events += _sum.rowCount ?? 0;
  }
  return events;
}
