// A quarter's workflow histories copied into Svodka's own database, so the record outlives Temporal's
// retention: the timeline, the quarter page, the report download and the refusal of a second start
// read these rows once the server has forgotten the executions.
import { gzipSync } from 'node:zlib';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { History } from '@temporalio/common/lib/proto-utils';
import { groupWorkflowId, quarterWorkflowId, submissionWorkflowId } from '../workflows/api';
import type { ArchiveRequest, QuarterInput } from '../workflows/api';
import type { Db } from '../infrastructure/db/client';

/** Histories fetched and written at once: enough to keep the server busy, few enough for its limits. */
const LANES = 8;

type Target = {
  workflowId: string;
  /** A run found by listing; otherwise the latest run of the id. */
  runId?: string;
  kind: 'quarter' | 'group' | 'municipality';
  municipality: string | null;
};

/** The quarter's municipalities as it started them: its own input, or the registry it read. */
async function quarterCodes(db: Db, history: History): Promise<string[]> {
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const input = payload ? (defaultPayloadConverter.fromPayload(payload) as QuarterInput) : undefined;
  if (input?.municipalities) return input.municipalities;
  const registry = await db.municipality.findMany({ orderBy: { position: 'asc' }, select: { code: true } });
  return registry.map((m) => m.code);
}

async function fetchLatest(client: Client, workflowId: string, runId?: string) {
  const described = await client.workflow.getHandle(workflowId, runId).describe();
  // The run described, not whatever run is latest by the time the history is read.
  const history = await client.workflow.getHandle(workflowId, described.runId).fetchHistory();
  return { runId: described.runId, status: described.status.name, history };
}

async function store(
  db: Db,
  quarter: string,
  target: Target,
  fetched: Awaited<ReturnType<typeof fetchLatest>>,
  extra: { result: string | null; final: boolean },
): Promise<void> {
  const row = {
    quarter,
    municipality: target.municipality,
    kind: target.kind,
    status: fetched.status,
    events: fetched.history.events?.length ?? 0,
    history: gzipSync(historyToJSON(fetched.history)),
    result: extra.result,
    final: extra.final,
    archivedAt: new Date(),
  };
  await db.workflowHistoryArchive.upsert({
    where: { workflowId_runId: { workflowId: target.workflowId, runId: fetched.runId } },
    create: { workflowId: target.workflowId, runId: fetched.runId, ...row },
    update: row,
  });
}

/**
 * Every run of every municipality: a run ends once its answer is settled and a correction or a
 * reopening runs in a new one under the same id, so the record needs them all. One listing finds
 * them (the Quarter search attribute); a municipality the listing has not caught up with yet is
 * copied by its latest run.
 */
async function municipalityRuns(client: Client, quarter: string, codes: string[]): Promise<Target[]> {
  const wanted = new Set(codes);
  const found: Target[] = [];
  const seen = new Set<string>();
  for await (const run of client.workflow.list({ query: `Quarter = '${quarter.replace(/'/g, '')}'` })) {
    const code = run.searchAttributes?.Municipality?.[0];
    if (typeof code !== 'string' || !wanted.has(code)) continue;
    if (run.workflowId !== submissionWorkflowId(quarter, code)) continue;
    found.push({ workflowId: run.workflowId, runId: run.runId, kind: 'municipality', municipality: code });
    seen.add(code);
  }
  for (const code of codes)
    if (!seen.has(code))
      found.push({ workflowId: submissionWorkflowId(quarter, code), kind: 'municipality', municipality: code });
  return found;
}

/**
 * Copies the histories of a quarter, its groups and every municipality. Run by the quarter at close
 * (a snapshot) and at sign-off (final, once its children have completed). The quarter's own copy
 * stops at this activity; its row carries the status the workflow is about to return.
 */
export async function archiveQuarterHistories(
  client: Client,
  db: Db,
  request: ArchiveRequest,
  heartbeat: (done: number) => void = () => {},
): Promise<{ archived: number }> {
  const { quarter, status, final } = request;
  const own = await fetchLatest(client, quarterWorkflowId(quarter));
  const codes = await quarterCodes(db, own.history);
  const targets: Target[] = [
    ...Array.from({ length: status.groups }, (_, group) => ({
      workflowId: groupWorkflowId(quarter, group),
      kind: 'group' as const,
      municipality: null,
    })),
    ...(await municipalityRuns(client, quarter, codes)),
  ];
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < targets.length) {
      const target = targets[next++]!;
      await store(db, quarter, target, await fetchLatest(client, target.workflowId, target.runId), {
        result: null,
        final,
      });
      heartbeat(++done);
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  // The quarter's row last: a final row on it means every other row is in.
  await store(
    db,
    quarter,
    { workflowId: quarterWorkflowId(quarter), kind: 'quarter', municipality: null },
    own,
    { result: JSON.stringify(status), final },
  );
  return { archived: targets.length + 1 };
}
