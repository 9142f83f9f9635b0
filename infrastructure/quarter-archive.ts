// Reading back what the activity archiveQuarterHistories (activities/history-archive.ts) kept: the
// timeline, the quarter page, the report download and the refusal of a second start read these rows
// once Temporal has forgotten the executions.
import { gunzipSync } from 'node:zlib';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { History } from '@temporalio/common/lib/proto-utils';
import type { QuarterStatus } from '../workflows/api';
import type { Db } from './db/client';

/** Every archived run of a workflow id (a municipality's answer may take several), oldest first. */
export async function archivedRuns(db: Db, workflowId: string): Promise<History[]> {
  const rows = await db.workflowHistoryArchive.findMany({ where: { workflowId }, select: { history: true } });
  const histories = rows.map((row) => historyFromJSON(JSON.parse(gunzipSync(row.history).toString('utf8'))));
  return histories.sort((a, b) => startedAt(a) - startedAt(b));
}

function startedAt(history: History): number {
  const time = history.events?.[0]?.eventTime;
  return time ? Number(time.seconds ?? 0) * 1000 + Math.floor((time.nanos ?? 0) / 1e6) : 0;
}

/** The quarter's status as last archived (at close or sign-off), or null. */
export async function archivedQuarterStatus(db: Db, quarter: string): Promise<QuarterStatus | null> {
  const row = await db.workflowHistoryArchive.findFirst({
    where: { quarter, kind: 'quarter', result: { not: null } },
    orderBy: [{ final: 'desc' }, { archivedAt: 'desc' }],
    select: { result: true },
  });
  return row?.result ? (JSON.parse(row.result) as QuarterStatus) : null;
}

/** Whether the quarter was signed off and archived, or has a final report: finished for good. */
export async function quarterFinished(db: Db, quarter: string): Promise<boolean> {
  const [archived, report] = await Promise.all([
    db.workflowHistoryArchive.findFirst({ where: { quarter, kind: 'quarter', final: true } }),
    db.report.findFirst({ where: { quarter, kind: 'final' }, select: { id: true } }),
  ]);
  return archived !== null || report !== null;
}
