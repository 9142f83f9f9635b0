// The quarter as every client reads it — the portal's quarter page, the CLI's `quarter status`, the
// status exports — for a region of 27 or of 20,000 municipalities, live or long forgotten by Temporal.
//
// A flat quarter's own status carries every municipality's summary. A tree quarter's carries only
// counts, and its groups keep no summaries anyone can ask for; so the states come from Temporal's
// visibility (one listing by the Quarter search attribute, ⌈N/1000⌉ calls, whatever the page) and
// the rest of each row from Svodka's database (versions, answer dates, the accepted answer, reminders
// sent, decisions in the audit log); only one municipality's own page asks its workflow. Once Temporal
// has forgotten the quarter, its archived status and the database answer alone.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { archivedQuarterStatus } from '../infrastructure/quarter-archive';
import { quarterRegistry } from '../infrastructure/registry/snapshot';
import type { WorkingCalendar } from '../domain/calendar/working-days';
import { moscowDate, toVirtual } from '../domain/schedule';
import { assessTimeliness, timelinessShare } from '../domain/timeliness';
import type { Timeliness, TimelinessShare } from '../domain/timeliness';
import { workingCalendar } from '../infrastructure/calendar';
import type { Db } from '../infrastructure/db/client';
import {
  MunicipalityAttribute,
  quarterWorkflowId,
  requestedSummary,
  SETTLED_STATES,
  statusQuery,
  submissionStatusQuery,
  submissionWorkflowId,
  SubmissionStatusAttribute,
} from '../workflows/api';
import type { MunicipalitySummary, QuarterStatus, SubmissionState } from '../workflows/api';
import { defineUseCase } from './use-case';
import type { UseCaseContext } from './use-case';

export const SUBMISSION_STATES = [
  'requested',
  'reminded',
  'overdue',
  'extended',
  'submitted',
  'accepted',
  'rejected',
  'reopened',
  'excused',
  'not_submitted',
] as const satisfies readonly SubmissionState[];

/** A page never holds more rows than this: each may cost a query of its workflow. */
export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;
/** How long one Temporal call of a page may take before the page does without it. */
const CALL_DEADLINE_MS = 10_000;

/** What Temporal is asked; a fake in the tests. */
export type QuarterSource = {
  /** The quarter's own status (statusQuery); null when Temporal does not know the quarter. */
  status(quarter: string): Promise<QuarterStatus | null>;
  /** Every municipality's state as visibility lists it; null when visibility cannot be asked. */
  states(quarter: string): Promise<Map<string, SubmissionState> | null>;
  /** One municipality's own summary (submissionStatusQuery); null when it cannot say. */
  summary(quarter: string, code: string): Promise<MunicipalitySummary | null>;
};

/** The source that asks a real cluster. */
export function temporalSource(client: Client): QuarterSource {
  const within = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + CALL_DEADLINE_MS, fn);
  return {
    async status(quarter) {
      try {
        return await within(() => client.workflow.getHandle(quarterWorkflowId(quarter)).query(statusQuery));
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      }
    },
    async states(quarter) {
      const latest = new Map<string, { at: number; state: SubmissionState }>();
      try {
        await within(async () => {
          // Quarter is a Keyword: an exact match, and the quarter id is checked (YYYY-Qn) before here.
          const query = `Quarter = '${quarter.replace(/[^0-9A-Za-z-]/g, '')}'`;
          for await (const wf of client.workflow.list({ query, pageSize: 1000 })) {
            const code = wf.typedSearchAttributes.get(MunicipalityAttribute);
            const state = wf.typedSearchAttributes.get(SubmissionStatusAttribute) as
              SubmissionState | undefined;
            if (!code || !state) continue;
            // A municipality may have had more than one run: its newest speaks.
            const at = wf.startTime.getTime();
            const seen = latest.get(code);
            if (!seen || seen.at <= at) latest.set(code, { at, state });
          }
        });
      } catch {
        return null;
      }
      return new Map([...latest].map(([code, { state }]) => [code, state]));
    },
    async summary(quarter, code) {
      try {
        return await within(() =>
          client.workflow.getHandle(submissionWorkflowId(quarter, code)).query(submissionStatusQuery),
        );
      } catch {
        return null;
      }
    },
  };
}

/** The status Temporal gives, or the one archived at close or sign-off; null: no such quarter. */
export async function loadQuarterStatus(
  source: QuarterSource,
  db: Db,
  quarter: string,
): Promise<QuarterStatus | null> {
  return (await source.status(quarter)) ?? (await archivedQuarterStatus(db, quarter));
}

export type QuarterRow = {
  /** 1-based place in the region order. */
  position: number;
  code: string;
  name: string;
  summary: MunicipalitySummary;
  timeliness: Timeliness;
  /** ISO date (Moscow, on the quarter's clock) of the first accepted answer. */
  answeredOn: string | null;
};

export type QuarterView = {
  status: QuarterStatus;
  /** Every municipality of the quarter, per state. */
  counts: Partial<Record<SubmissionState, number>>;
  total: number;
  settled: number;
  timeliness: TimelinessShare;
  /** The rows that pass the search and the filter, and the page of them asked for. */
  matched: number;
  page: number;
  pageSize: number;
  pages: number;
  rows: QuarterRow[];
  /** Where the states came from: the quarter itself, visibility, or the database alone. */
  source: 'status' | 'visibility' | 'database';
};

const stateSchema = z.enum(SUBMISSION_STATES);

export const quarterViewInput = z.object({
  quarter: z
    .string()
    .regex(/^\d{4}-Q[1-4](\.[a-z0-9-]+)?$/, 'Квартал записывается как ГГГГ-QN, например 2023-Q2 (другой регион: 2023-Q2.kaluga).'),
  search: z.string().max(200, 'Слишком длинная строка поиска.').optional(),
  /** Exactly this municipality. */
  code: z.string().max(100).optional(),
  state: stateSchema.optional(),
  /** Only those late or overdue. */
  late: z.boolean().optional(),
  page: z.number().int().min(1).default(1),
  /** 0: every row (the exports, the CLI). */
  pageSize: z.number().int().min(0).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
});
export type QuarterViewInput = z.input<typeof quarterViewInput>;

/** What the database records of each municipality's quarter, for rows the workflows are not asked about. */
type Recorded = {
  versions: number;
  lastAnswerAt: string | null;
  firstAcceptedAt: Date | null;
  reminders: number;
  escalations: number;
  until: string | null;
  excuseReason: string | null;
};

type QuarterRecord = {
  byCode: Map<string, Recorded>;
  /** The quarter's clock: a time-scaled quarter's «today» and answer dates are virtual. */
  clock: { originReal: number; scale: number } | null;
};

const emptyRecord = (): Recorded => ({
  versions: 0,
  lastAnswerAt: null,
  firstAcceptedAt: null,
  reminders: 0,
  escalations: 0,
  until: null,
  excuseReason: null,
});

function detailOf(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A handful of aggregate queries, whatever the region's size. */
async function loadRecord(db: Db, quarter: string, timeScale: number): Promise<QuarterRecord> {
  const [all, accepted, emails, decisions] = await Promise.all([
    db.submission.groupBy({
      by: ['municipality'],
      where: { quarter },
      _count: { _all: true },
      _max: { createdAt: true },
    }),
    db.submission.groupBy({
      by: ['municipality'],
      where: { quarter, status: 'accepted' },
      _min: { createdAt: true },
    }),
    db.emailOutbox.groupBy({ by: ['municipality', 'kind'], where: { quarter }, _count: { _all: true } }),
    db.auditEntry.findMany({
      where: { quarter, action: { in: ['quarter.start', 'quarter.extend', 'quarter.excuse'] } },
      orderBy: { id: 'asc' },
      select: { action: true, municipality: true, detail: true, at: true },
    }),
  ]);
  const byCode = new Map<string, Recorded>();
  const of = (code: string) => {
    let r = byCode.get(code);
    if (!r) byCode.set(code, (r = emptyRecord()));
    return r;
  };
  for (const s of all) {
    const r = of(s.municipality);
    r.versions = s._count._all;
    r.lastAnswerAt = s._max.createdAt?.toISOString() ?? null;
  }
  for (const s of accepted) of(s.municipality).firstAcceptedAt = s._min.createdAt;
  for (const e of emails) {
    if (e.kind === 'escalation') of(e.municipality).escalations += e._count._all;
    else if (e.kind === 'reminder' || e.kind === 'deadline' || e.kind === 'overdue')
      of(e.municipality).reminders += e._count._all;
  }
  let clock: QuarterRecord['clock'] = null;
  for (const d of decisions) {
    const detail = detailOf(d.detail);
    if (d.action === 'quarter.start') {
      clock ??= { originReal: d.at.getTime(), scale: timeScale };
      continue;
    }
    if (!d.municipality) continue;
    if (d.action === 'quarter.extend' && typeof detail.until === 'string')
      of(d.municipality).until = detail.until;
    if (d.action === 'quarter.excuse' && typeof detail.reason === 'string')
      of(d.municipality).excuseReason = detail.reason;
  }
  return { byCode, clock };
}

/** A summary put together from the database, for a row no workflow is asked about. */
function recordedSummary(
  code: string,
  state: SubmissionState,
  status: QuarterStatus,
  r: Recorded,
  answer?: AcceptedAnswer,
): MunicipalitySummary {
  return {
    ...requestedSummary(code, r.until ?? status.deadline),
    ...(answer && state === 'accepted' ? answer : {}),
    state,
    reminders: r.reminders,
    escalations: r.escalations,
    versions: r.versions,
    lastAnswerAt: r.lastAnswerAt,
    excuseReason: state === 'excused' ? r.excuseReason : null,
  };
}

type AcceptedAnswer = Pick<MunicipalitySummary, 'acceptedSubmissionId' | 'nil' | 'rowCount' | 'warnings'>;

/** The latest accepted answer of each municipality (of `codes`, or all), as its summary shows it. */
async function acceptedAnswers(
  db: Db,
  quarter: string,
  codes: string[] | null,
): Promise<Map<string, AcceptedAnswer>> {
  const rows = await db.submission.findMany({
    where: { quarter, status: 'accepted', ...(codes ? { municipality: { in: codes } } : {}) },
    orderBy: { version: 'desc' },
    select: { id: true, municipality: true, kind: true, rowCount: true, findings: true },
  });
  const out = new Map<string, AcceptedAnswer>();
  for (const r of rows) {
    if (out.has(r.municipality)) continue;
    let warnings = 0;
    try {
      const findings = JSON.parse(r.findings) as { severity?: string }[];
      warnings = findings.filter((f) => f.severity === 'warning').length;
    } catch {
      // an unreadable list counts none
    }
    out.set(r.municipality, {
      acceptedSubmissionId: r.id,
      nil: r.kind === 'nil',
      rowCount: r.rowCount,
      warnings,
    });
  }
  return out;
}

/** A tree quarter's state of a municipality when Temporal cannot say: what the database shows. */
function recordedState(status: QuarterStatus, r: Recorded | undefined): SubmissionState {
  if (r?.excuseReason) return 'excused';
  if (r?.firstAcceptedAt) return 'accepted';
  const ended = status.closed || status.phase === 'approved' || status.finalReportId !== null;
  return ended ? 'not_submitted' : r && r.versions > 0 ? 'rejected' : 'requested';
}

const searchKey = (text: string) => text.toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim();

export type ReadDeps = { db: Db; source: QuarterSource; clock: () => Date; calendar?: WorkingCalendar };

/**
 * The read model itself: counts, timeliness, and the page of rows that pass the search and the
 * filter, for a status already fetched (the portal has it for the page's header).
 */
export async function readQuarterView(
  deps: ReadDeps,
  status: QuarterStatus,
  rawInput: QuarterViewInput,
): Promise<QuarterView> {
  const input = quarterViewInput.parse(rawInput);
  const { db, source } = deps;
  const quarter = status.quarter;
  const [registry, record, calendar] = await Promise.all([
    // The registry as the quarter opened with it (names, order), the live one for older quarters.
    quarterRegistry(db, quarter),
    loadRecord(db, quarter, status.timeScale),
    deps.calendar ? Promise.resolve(deps.calendar) : workingCalendar(db),
  ]);
  const names = new Map(registry.map((m) => [m.code, m.name]));
  const tree = status.municipalities.length === 0 && status.total > 0;

  // Every municipality of the quarter, in region order, with its state.
  let codes: string[];
  let stateOf: (code: string) => SubmissionState;
  let summaryOf: (code: string) => MunicipalitySummary | null = () => null;
  let from: QuarterView['source'];
  if (!tree) {
    const byCode = new Map(status.municipalities.map((m) => [m.code, m]));
    codes = status.municipalities.map((m) => m.code);
    stateOf = (code) => byCode.get(code)!.state;
    summaryOf = (code) => byCode.get(code) ?? null;
    from = 'status';
  } else {
    const listed = await source.states(quarter);
    const known = listed !== null && listed.size > 0;
    codes = registry.map((m) => m.code);
    // Codes the registry no longer holds still belong to the quarter: after the others.
    if (known) for (const code of listed.keys()) if (!names.has(code)) codes.push(code);
    if (codes.length > status.total && !known) codes = codes.slice(0, status.total);
    stateOf = (code) =>
      (known ? listed.get(code) : undefined) ?? recordedState(status, record.byCode.get(code));
    from = known ? 'visibility' : 'database';
  }

  const ended = status.closed || status.phase === 'approved' || status.finalReportId !== null;
  const now = deps.clock().getTime();
  const onClock = (real: number) => (record.clock ? toVirtual(record.clock, real) : real);
  const today = moscowDate(onClock(now));
  // Most municipalities share a deadline and answer on a few days: each distinct case is counted once.
  const assessed = new Map<string, Timeliness>();
  const timelinessOf = (code: string, state: SubmissionState, deadline: string) => {
    const r = record.byCode.get(code);
    // The database's first accepted version; failing that, an accepted summary's own answer time.
    const own = summaryOf(code);
    const at =
      r?.firstAcceptedAt?.getTime() ??
      (state === 'accepted' && own?.lastAnswerAt ? Date.parse(own.lastAnswerAt) : null);
    const answeredOn = at !== null && !Number.isNaN(at) ? moscowDate(onClock(at)) : null;
    const facts = {
      deadline,
      answeredOn,
      excused: state === 'excused',
      ended: ended || state === 'not_submitted',
      today,
    };
    const key = `${deadline}|${answeredOn}|${facts.excused}|${facts.ended}`;
    let t = assessed.get(key);
    if (!t) assessed.set(key, (t = assessTimeliness(facts, calendar)));
    return { t, answeredOn };
  };
  const deadlineOf = (code: string) =>
    summaryOf(code)?.deadline || record.byCode.get(code)?.until || status.deadline;

  const counts: Partial<Record<SubmissionState, number>> = {};
  const all: {
    code: string;
    position: number;
    state: SubmissionState;
    t: Timeliness;
    answeredOn: string | null;
  }[] = [];
  codes.forEach((code, i) => {
    const state = stateOf(code);
    counts[state] = (counts[state] ?? 0) + 1;
    const { t, answeredOn } = timelinessOf(code, state, deadlineOf(code));
    all.push({ code, position: i + 1, state, t, answeredOn });
  });

  const needle = input.search ? searchKey(input.search) : '';
  const matchedRows = all.filter(
    (row) =>
      (!input.code || row.code === input.code) &&
      (!input.state || row.state === input.state) &&
      (!input.late || row.t.kind === 'late' || row.t.kind === 'overdue' || row.t.kind === 'missing') &&
      (!needle ||
        searchKey(row.code).includes(needle) ||
        searchKey(names.get(row.code) ?? '').includes(needle)),
  );
  const pageSize = input.pageSize === 0 ? Math.max(matchedRows.length, 1) : input.pageSize;
  const pages = Math.max(1, Math.ceil(matchedRows.length / pageSize));
  const page = Math.min(input.page, pages);
  const shown = matchedRows.slice((page - 1) * pageSize, page * pageSize);

  // A tree's rows are put together from visibility's state and the database — no workflow is asked
  // per row: on a busy worker each query can mean replaying a history, and fifty of them made a
  // page take seconds. The accepted answer of each row shown comes in one query.
  const answers = tree
    ? await acceptedAnswers(db, quarter, shown.length > 500 ? null : shown.map((r) => r.code))
    : null;
  const rows: QuarterRow[] = shown.map((row) => {
    const own = summaryOf(row.code);
    const summary =
      own ??
      recordedSummary(
        row.code,
        row.state,
        status,
        record.byCode.get(row.code) ?? emptyRecord(),
        answers?.get(row.code),
      );
    const again =
      own && own.deadline !== deadlineOf(row.code)
        ? timelinessOf(row.code, summary.state, own.deadline)
        : null;
    return {
      position: row.position,
      code: row.code,
      name: names.get(row.code) ?? row.code,
      summary,
      timeliness: again?.t ?? row.t,
      answeredOn: row.answeredOn,
    };
  });

  const settled = all.filter((row) => SETTLED_STATES.includes(row.state)).length;
  return {
    status,
    counts,
    total: codes.length,
    settled,
    timeliness: timelinessShare(all.map((row) => row.t)),
    matched: matchedRows.length,
    page,
    pageSize: input.pageSize,
    pages,
    rows,
    source: from,
  };
}

/** One municipality's summary in its quarter: the quarter's own for a flat region, else its workflow's. */
export async function readMunicipalitySummary(
  deps: ReadDeps,
  status: QuarterStatus,
  code: string,
): Promise<MunicipalitySummary | null> {
  const inStatus = status.municipalities.find((m) => m.code === code);
  if (status.municipalities.length > 0) return inStatus ?? null;
  const ended = status.closed || status.phase === 'approved' || status.finalReportId !== null;
  if (!ended) {
    const own = await deps.source.summary(status.quarter, code);
    if (own) return own;
  }
  const view = await readQuarterView(deps, status, { quarter: status.quarter, code });
  return view.rows.find((r) => r.code === code)?.summary ?? null;
}

/** The status with every municipality's summary filled in: one shape for every region size. */
export function fullStatus(view: QuarterView): QuarterStatus {
  return { ...view.status, counts: view.counts, municipalities: view.rows.map((r) => r.summary) };
}

const depsOf = async (ctx: UseCaseContext): Promise<ReadDeps> => ({
  db: ctx.db,
  source: temporalSource(await ctx.temporal()),
  clock: ctx.clock,
});

/** Thrown when no such quarter was ever started (or it is gone from every record). */
export class QuarterNotFoundError extends Error {
  constructor(readonly quarter: string) {
    super(`Сбор сведений за ${quarter} не запущен или уже удален из истории.`);
    this.name = 'QuarterNotFoundError';
  }
}

/** The read use case: the quarter's counts, timeliness and a page of its municipalities. */
export const quarterStatus = defineUseCase({
  name: 'quarterStatus',
  input: quarterViewInput,
  async run(ctx, input): Promise<QuarterView> {
    const deps = await depsOf(ctx);
    const status = await loadQuarterStatus(deps.source, ctx.db, input.quarter);
    if (!status) throw new QuarterNotFoundError(input.quarter);
    return readQuarterView(deps, status, input);
  },
});

/** The read use case for one municipality's page. */
export const municipalityStatus = defineUseCase({
  name: 'municipalityStatus',
  input: z.object({ quarter: quarterViewInput.shape.quarter, code: z.string().min(1).max(100) }),
  async run(ctx, input): Promise<{ status: QuarterStatus; summary: MunicipalitySummary } | null> {
    const deps = await depsOf(ctx);
    const status = await loadQuarterStatus(deps.source, ctx.db, input.quarter);
    if (!status) throw new QuarterNotFoundError(input.quarter);
    const summary = await readMunicipalitySummary(deps, status, input.code);
    return summary ? { status, summary } : null;
  },
});
