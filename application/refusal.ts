// A use case that cannot do what was asked says why in Russian; each surface words it its own way
// (the CLI's exit code, the portal's status). The class lives with the use-case contract.
import { WorkflowNotFoundError } from '@temporalio/client';

export { RefusedError } from './use-case';
export type { RefusalKind } from './use-case';

/**
 * Temporal's «the execution is not there»: never started, or ended (the quarter signed off, a
 * municipality's run finished with its answer). The SDK gives WorkflowNotFoundError for most calls;
 * some paths pass the server's words on as a plain error, so those are read too — here only.
 */
export function workflowGone(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  return /already completed|not found/i.test((err as Error | null)?.message ?? '');
}
