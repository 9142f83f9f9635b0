// What every CLI command shares: who is acting, the database, the Temporal client, output helpers.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { InvalidArgumentError } from 'commander';
import type { Client } from '@temporalio/client';
import { isGrpcServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { appendAudit } from '../../infrastructure/audit';
import { quarterFinished } from '../../infrastructure/quarter-archive';
import type { AuditInput } from '../../infrastructure/audit';
import { normalizeQuarterKey, parseQuarterKey } from '../../domain/quarter';
import { canonicalQuarterKey, RegionNotFoundError } from '../../infrastructure/registry/region';
import { quarterWorkflowId, statusQuery } from '../../workflows/api';
import { connectClient, UserError } from '../temporal';
import { useCaseContext } from '../../application/context';
import { execute, InvalidInputError, RefusedError } from '../../application/use-case';
import type { UseCase, UseCaseContext } from '../../application/use-case';
import type { z } from 'zod';
import { workflowGone } from '../../application/refusal';

export { UserError };

/** The portal account the command runs as (`--as LOGIN`, its password checked), if any. */
let signedIn: string | null = null;

export function setSignedIn(login: string | null): void {
  signedIn = login;
}

export function actor(): string {
  return signedIn ?? (process.env.SVODKA_ACTOR || os.userInfo().username);
}

export function origin(): string {
  return `cli@${os.hostname()}`;
}

let db: Db | null = null;
let client: Client | null = null;

export async function getDb(): Promise<Db> {
  db ??= await createDb();
  return db;
}

export async function getClient(): Promise<Client> {
  client ??= await connectClient();
  return client;
}

export async function closeAll(): Promise<void> {
  await db?.$disconnect();
  await client?.connection.close();
}

export async function audit(entry: Omit<AuditInput, 'actor' | 'origin'>): Promise<void> {
  await appendAudit(await getDb(), { ...entry, actor: actor(), origin: origin() });
}

let context: UseCaseContext | null = null;

/** The use cases' context for this command: built once, Temporal dialled only when needed. */
export async function cliContext(): Promise<UseCaseContext> {
  context ??= useCaseContext({
    db: await getDb(),
    temporal: getClient,
    actor: { name: actor(), channel: 'cli', origin: origin() },
  });
  return context;
}

/** `--request-id`, or a fresh one: the same id given twice is one action (one version, one entry). */
export function requestIdOption(value: string | undefined): string {
  return value ?? `cli-${randomUUID()}`;
}

export const REQUEST_ID_HELP =
  'идентификатор запроса: команда, повторенная с тем же идентификатором, выполняется один раз';

/**
 * Runs a use case as the CLI's user; its refusals become messages without a stack trace: bad input
 * (exit code 2), a refusal or Temporal's errors about the quarter (exit code 1).
 */
export async function run<Schema extends z.ZodType, Result>(
  useCase: UseCase<Schema, Result>,
  input: z.input<Schema>,
  quarter?: string,
): Promise<Result> {
  try {
    return await execute(useCase, await cliContext(), input);
  } catch (err) {
    if (err instanceof InvalidInputError) throw new UserError(err.message, 2);
    // A missing thing exits 2, as a wrong argument does; any other refusal 1.
    if (err instanceof RefusedError) throw new UserError(err.message, err.kind === 'not-found' ? 2 : 1);
    if (err instanceof UserError || quarter === undefined) throw err;
    throw await explainTemporalError(err, quarter);
  }
}

/** The `--region CODE` of the command being run (set by main.ts before its action). */
let quarterRegion: string | undefined;

export function setQuarterRegion(code: string | undefined): void {
  quarterRegion = code;
}

/**
 * Validates and normalises a quarter argument: "2023-q2" → "2023-Q2"; with `--region kaluga` (or
 * "2023-Q2.kaluga") another region's quarter, "2023-Q2.kaluga"; the home region's is always bare.
 */
export async function quarterArg(value: string): Promise<string> {
  let key: string;
  try {
    key = normalizeQuarterKey(value);
  } catch (err) {
    throw new UserError((err as Error).message, 2);
  }
  if (!quarterRegion && !parseQuarterKey(key).region) return key;
  try {
    return await canonicalQuarterKey(await getDb(), key, quarterRegion);
  } catch (err) {
    if (err instanceof RegionNotFoundError) throw new UserError(err.message, 2);
    throw err;
  }
}

export async function municipalityArg(code: string): Promise<{ code: string; name: string }> {
  const m = await (await getDb()).municipality.findUnique({ where: { code } });
  if (!m)
    throw new UserError(
      `Нет муниципального образования с кодом «${code}». Список: npx svodka municipalities`,
      2,
    );
  return m;
}

/**
 * Turns Temporal's errors about a missing or finished workflow into what the user should do.
 * Returns the error to throw: `catch (err) { throw await explainTemporalError(err, quarter); }`.
 */
export async function explainTemporalError(err: unknown, quarter: string): Promise<unknown> {
  if (err instanceof WorkflowUpdateFailedError) {
    return new UserError((err.cause as Error | undefined)?.message ?? err.message);
  }
  // The server went away while we waited for the answer (14 UNAVAILABLE, 4 DEADLINE_EXCEEDED): the
  // request may or may not have been taken, so say how to find out rather than print a stack trace.
  const cause = (err as Error | undefined)?.cause ?? err;
  if (isGrpcServiceError(cause) && (cause.code === 14 || cause.code === 4)) {
    return new UserError(
      `Связь с Temporal прервалась, ответ не получен. Действие могло быть и не выполнено: проверьте ` +
        `«npx svodka quarter status ${quarter}» и при необходимости повторите команду.`,
    );
  }
  if (!workflowGone(err)) return err;
  try {
    const handle = (await getClient()).workflow.getHandle(quarterWorkflowId(quarter));
    const quarterRun = await handle.describe();
    // The municipalities' workflows end at sign-off, a moment before the quarter's own does.
    const signedOff =
      quarterRun.status.name === 'COMPLETED' ||
      (quarterRun.status.name === 'RUNNING' && (await handle.query(statusQuery)).phase === 'approved');
    if (signedOff)
      return new UserError(
        `Квартал ${quarter} закрыт: отчет подписан, сведения и изменения больше не принимаются.`,
      );
    if (quarterRun.status.name !== 'RUNNING')
      return new UserError(
        `Квартал ${quarter} остановлен (${quarterRun.status.name}); обратитесь к администратору.`,
      );
    return new UserError(`В квартале ${quarter} нет такого муниципального образования.`);
  } catch (describeError) {
    // Temporal keeps a finished quarter only so long; the database remembers it was signed off.
    if (describeError instanceof WorkflowNotFoundError && (await quarterFinished(await getDb(), quarter)))
      return new UserError(
        `Квартал ${quarter} закрыт: отчет подписан, сведения и изменения больше не принимаются.`,
      );
    if (describeError instanceof WorkflowNotFoundError)
      return new UserError(
        `Квартал ${quarter} не запущен. Запустите его: npx svodka quarter start ${quarter}`,
      );
    return describeError;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('нужно положительное число');
  return n;
}
