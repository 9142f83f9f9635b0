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

type Target = { workflowId: string; kind: 'quarter' | 'group' | 'municipality'; municipality: string | null };

/** The quarter's municipalities as it started them: its own input, or the registry it read. */
async function quarterCodes(db: Db, history: History): Promise<string[]> {
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const input = payload ? (defaultPayloadConverter.fromPayload(payload) as QuarterInput) : undefined;
  if (input?.municipalities) return input.municipalities;
  const registry = await db.municipality.findMany({ orderBy: { position: 'asc' }, select: { code: true } });
  return registry.map((m) => m.code);
}

async function fetchLatest(client: Client, workflowId: string) {
  const described = await client.workflow.getHandle(workflowId).describe();
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
    ...codes.map((code) => ({
      workflowId: submissionWorkflowId(quarter, code),
      kind: 'municipality' as const,
      municipality: code,
    })),
  ];
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < targets.length) {
      const target = targets[next++]!;
      await store(db, quarter, target, await fetchLatest(client, target.workflowId), {
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
