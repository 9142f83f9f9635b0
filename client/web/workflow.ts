// What the portal asks of Temporal, as the CLI does: the quarter's status, a municipality's
// summary, and updates whose failures become Russian pages.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../../infrastructure/db/client';
import { archivedQuarterStatus } from '../../infrastructure/quarter-archive';
import {
  answerableQuery,
  requestedSummary,
  quarterWorkflowId,
  statusQuery,
  submissionStatusQuery,
  submissionWorkflowId,
} from '../../workflows/api';
import type { Answerable, MunicipalitySummary, QuarterStatus } from '../../workflows/api';
import { notFound, PortalError, temporalError } from './errors';

/** How long a page waits for a query before it says Temporal is unreachable. */
export const QUERY_DEADLINE_MS = 15_000;

/** Runs fn with a gRPC deadline, so a page never hangs on an unreachable cluster. */
export function withDeadline<T>(client: Client, ms: number, fn: () => Promise<T>): Promise<T> {
  return client.withDeadline(Date.now() + ms, fn);
}

/**
 * The quarter's status (statusQuery); once Temporal has forgotten the quarter, the status archived
 * with its histories at close or sign-off; null when no such quarter was started.
 */
export async function fetchQuarterStatus(
  client: Client,
  quarter: string,
  db: Db,
): Promise<QuarterStatus | null> {
  try {
    return await withDeadline(client, QUERY_DEADLINE_MS, () =>
      client.workflow.getHandle(quarterWorkflowId(quarter)).query(statusQuery),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return archivedQuarterStatus(db, quarter);
    throw temporalError(err, quarter);
  }
}

export async function requireQuarterStatus(client: Client, quarter: string, db: Db): Promise<QuarterStatus> {
  const status = await fetchQuarterStatus(client, quarter, db);
  if (!status) {
    throw new PortalError(
      404,
      'Сбор сведений не найден',
      `Сбор сведений за ${quarter} не запущен или уже удален из истории.`,
    );
  }
  return status;
}

/** The id of the quarter's draft or final report, or a 404 page saying it is not there yet. */
export async function requireReportId(
  client: Client,
  quarter: string,
  db: Db,
  kind: 'draft' | 'final',
): Promise<string> {
  const status = await requireQuarterStatus(client, quarter, db);
  const reportId = kind === 'final' ? status.finalReportId : status.draftReportId;
  if (!reportId)
    throw notFound(kind === 'final' ? 'Итоговый отчет еще не подписан.' : 'Проект отчета еще не готов.');
  return reportId;
}

export async function fetchSubmissionSummary(
  client: Client,
  quarter: string,
  code: string,
): Promise<MunicipalitySummary | null> {
  try {
    return await withDeadline(client, QUERY_DEADLINE_MS, () =>
      client.workflow.getHandle(submissionWorkflowId(quarter, code)).query(submissionStatusQuery),
    );
  } catch {
    return null;
  }
}

/** Whether the municipality's workflow takes an answer (answerableQuery); null when it cannot say. */
export async function fetchAnswerable(
  client: Client,
  quarter: string,
  code: string,
): Promise<Answerable | null> {
  try {
    return await withDeadline(client, QUERY_DEADLINE_MS, () =>
      client.workflow.getHandle(submissionWorkflowId(quarter, code)).query(answerableQuery),
    );
  } catch {
    return null;
  }
}

/** Runs a Temporal call; its failure becomes the page that explains it. */
export async function temporalCall<T>(quarter: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw temporalError(err, quarter);
  }
}

export type Standing = {
  status: QuarterStatus;
  summary: MunicipalitySummary;
  /** No answers are taken: signed off, or closed by the coordinator (unless reopened since). */
  closed: boolean;
};

/** Where one municipality stands in its quarter, as its page shows it. Null: no such quarter. */
export async function municipalityStanding(
  client: Client,
  db: Db,
  quarter: string,
  code: string,
): Promise<Standing | null> {
  // Both queries at once: the parent knows the phase, the child its own freshest summary.
  const [status, own] = await Promise.all([
    fetchQuarterStatus(client, quarter, db),
    fetchSubmissionSummary(client, quarter, code),
  ]);
  if (!status) {
    // A quarter long signed off may be gone from Temporal's history; the final report says so.
    const final = await db.report.findFirst({ where: { quarter, kind: 'final' } });
    if (!final) return null;
    return {
      status: {
        quarter,
        phase: 'approved',
        deadline: '',
        timeScale: 1,
        closed: true,
        municipalities: [],
        counts: {},
        total: 0,
        groups: 0,
        draftReportId: null,
        finalReportId: final.id,
        finalSha256: final.blobSha256,
      },
      summary: requestedSummary(code, ''),
      closed: true,
    };
  }
  const fromParent =
    status.municipalities.find((m) => m.code === code) ?? requestedSummary(code, status.deadline);
  const signedOff = status.phase === 'approved' || status.finalReportId !== null;
  // After sign-off the parent's summary is final (the child has ended).
  const summary = signedOff ? fromParent : (own ?? fromParent);
  const closed = signedOff || (status.closed && summary.state !== 'reopened');
  return { status, summary, closed };
}
