// Handing a stored answer to the municipality's workflow: the Update whose id is the request id,
// so the same request delivered twice is one version — also when the run that recorded it has
// ended since (the audit entry under the request id says so, and the recorded version is returned).
// Every path that delivers an answer — the use case at once, the upload inbox behind the portal —
// comes through here.
import type { Client } from '@temporalio/client';
import type { Db } from '../infrastructure/db/client';
import { submitUpdate } from '../workflows/api';
import type { Finding } from '../domain/types';
import type { SubmissionPayload, SubmissionResult } from '../workflows/api';
import { onMunicipalityRun } from './municipality-run';
import type { RunTarget } from './municipality-run';

export type AnswerTarget = RunTarget;

export async function deliverAnswer(
  deps: { client: Client; db: Db },
  target: AnswerTarget,
  payload: SubmissionPayload,
): Promise<SubmissionResult> {
  return onMunicipalityRun(
    deps,
    target,
    (handle) => handle.executeUpdate(submitUpdate, { args: [payload], updateId: target.requestId }),
    () => recordedAnswer(deps.db, target),
  );
}

/** The version an earlier delivery of this request recorded, or null. */
async function recordedAnswer(db: Db, target: AnswerTarget): Promise<SubmissionResult | null> {
  const entry = await db.auditEntry.findUnique({ where: { actionId: target.requestId } });
  if (!entry || entry.action !== 'submission') return null;
  const { version } = JSON.parse(entry.detail) as { version: number };
  const submission = await db.submission.findUnique({
    where: {
      quarter_municipality_version: {
        quarter: target.quarter,
        municipality: target.municipality,
        version,
      },
    },
  });
  if (!submission) return null;
  return {
    accepted: submission.status === 'accepted',
    version,
    submissionId: submission.id,
    nil: submission.kind === 'nil',
    rowCount: submission.rowCount,
    findings: JSON.parse(submission.findings) as Finding[],
  };
}
