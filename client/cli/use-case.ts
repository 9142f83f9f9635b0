// The CLI's side of the application layer: one context per run, failures as the CLI reports them.
import { createDbBlobStore } from '../../infrastructure/blobs';
import { execute, InvalidInputError } from '../../application/use-case';
import type { UseCase, UseCaseContext } from '../../application/use-case';
import { RefusedError } from '../../application/refusal';
import type { z } from 'zod';
import { actor, getClient, getDb, origin, UserError } from './context';

export async function cliContext(): Promise<UseCaseContext> {
  const db = await getDb();
  return {
    db,
    files: createDbBlobStore(db),
    temporal: getClient,
    clock: () => new Date(),
    actor: { name: actor(), channel: 'cli', origin: origin() },
  };
}

/** Runs a use case as the CLI does: bad input exits 2, a refusal 1 (a missing thing 2). */
export async function runCli<Schema extends z.ZodType, Result>(
  useCase: UseCase<Schema, Result>,
  input: z.input<Schema>,
): Promise<Result> {
  try {
    return await execute(useCase, await cliContext(), input);
  } catch (err) {
    if (err instanceof InvalidInputError) throw new UserError(err.message, 2);
    if (err instanceof RefusedError) throw new UserError(err.message, err.kind === 'not-found' ? 2 : 1);
    throw err;
  }
}
