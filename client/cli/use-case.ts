// The CLI's side of the application layer lives in context.ts (one context per run, failures as the
// CLI reports them); runCli is its name for use cases that act on no single quarter's workflow.
import type { z } from 'zod';
import type { UseCase } from '../../application/use-case';
import { run } from './context';

export { cliContext } from './context';

export function runCli<Schema extends z.ZodType, Result>(
  useCase: UseCase<Schema, Result>,
  input: z.input<Schema>,
): Promise<Result> {
  return run(useCase, input);
}
