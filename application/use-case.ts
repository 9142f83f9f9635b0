// The application layer: one use case per file (application/<verb>.ts), each called the same way by
// every surface — the CLI, the portal and the email channel (client/). A surface turns its own input
// (arguments, a form, a message) into the use case's input; the use case checks it against its
// schema, does the work and returns a result the surface words for its user.
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { BlobStore } from '../infrastructure/blobs';
import type { Db } from '../infrastructure/db/client';

/** Who asks, as the audit log records it. */
export type Actor = {
  /** The account (portal sign-in, `--as LOGIN`), the OS user for the CLI, or the sender's address. */
  name: string;
  channel: 'cli' | 'portal' | 'email' | 'schedule';
  /** Where from: `cli@host`, `web@ip`, `email@<message-id hash>`. */
  origin: string;
};

/** What every use case may use; each surface builds it once. */
export type UseCaseDeps = {
  db: Db;
  files: BlobStore;
  /** Connected lazily: a use case that needs no workflow never dials Temporal. */
  temporal: () => Promise<Client>;
  clock: () => Date;
};

export type UseCaseContext = UseCaseDeps & { actor: Actor };

export type UseCase<Schema extends z.ZodType, Result> = {
  /** The verb, as in the file name: `submitAnswer` lives in application/submit-answer.ts. */
  name: string;
  input: Schema;
  run(ctx: UseCaseContext, input: z.output<Schema>): Promise<Result>;
};

export function defineUseCase<Schema extends z.ZodType, Result>(
  useCase: UseCase<Schema, Result>,
): UseCase<Schema, Result> {
  return useCase;
}

/** The input broke the use case's schema: the surface shows `message` (Russian) to its user. */
export class InvalidInputError extends Error {
  constructor(
    message: string,
    readonly issues: z.core.$ZodIssue[],
  ) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

/** Checks the input at the boundary, then runs the use case. */
export async function execute<Schema extends z.ZodType, Result>(
  useCase: UseCase<Schema, Result>,
  ctx: UseCaseContext,
  input: z.input<Schema>,
): Promise<Result> {
  const parsed = useCase.input.safeParse(input);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => i.message).join('; ');
    throw new InvalidInputError(message, parsed.error.issues);
  }
  return useCase.run(ctx, parsed.data);
}

/**
 * The use case will not do it, for a reason the user can act on (the quarter is already signed off,
 * the registry is empty): the surface shows `message` (Russian) as it is.
 */
/** What a refusal is about: the surface picks its exit code or HTTP status by it. */
export type RefusalKind = 'not-found' | 'conflict' | 'unavailable';

export class RefusedError extends Error {
  constructor(
    message: string,
    readonly kind: RefusalKind = 'conflict',
  ) {
    super(message);
    this.name = 'RefusedError';
  }
}
