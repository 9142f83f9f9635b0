// Handing a stored answer to the municipality's workflow: the Update whose id is the request id,
// so the same request delivered twice is one version. Every path that delivers an answer — the use
// case at once, the upload inbox behind the portal — comes through here.
import type { Client } from '@temporalio/client';
import { submissionWorkflowId, submitUpdate } from '../workflows/api';
import type { SubmissionPayload, SubmissionResult } from '../workflows/api';

export type AnswerTarget = { quarter: string; municipality: string; requestId: string };

export async function deliverAnswer(
  client: Client,
  target: AnswerTarget,
  payload: SubmissionPayload,
): Promise<SubmissionResult> {
  return client.workflow
    .getHandle(submissionWorkflowId(target.quarter, target.municipality))
    .executeUpdate(submitUpdate, { args: [payload], updateId: target.requestId });
}
