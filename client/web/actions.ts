// How the portal runs a use case: its context (who acts, from which address), its request id (a
// hidden field generated when the form is rendered, so a form posted twice is one action), and the
// use case's refusals and Temporal's errors turned into the portal's Russian pages — `act` for the
// forms that act on a quarter or the registry, `runForPage` for the review pages, whose refusals
// keep their kind (not found, unavailable, conflict).
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { useCaseContext } from '../../application/context';
import { execute, InvalidInputError, RefusedError } from '../../application/use-case';
import type { UseCase, UseCaseContext } from '../../application/use-case';
import { MAX_UPLOAD_BYTES, UploadTooLargeError } from '../../infrastructure/uploads';
import type { PortalContext } from './context';
import { badRequest, notFound, PortalError, temporalError, tooLarge } from './errors';
import { html } from './html';
import type { Html } from './html';

export const REQUEST_ID_FIELD = 'requestId';

/** The hidden field every action form carries: a fresh id each time the form is rendered. */
export function requestIdInput(): Html {
  return html`<input type="hidden" name="${REQUEST_ID_FIELD}" value="web-${randomUUID()}" />`;
}

/**
 * The form's request id. A post without one (a script, an old page) still acts, once, under a fresh
 * id; one that is there but malformed is refused by the use case's schema.
 */
export function formRequestId(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value.slice(0, 200) : `web-${randomUUID()}`;
}

export function portalUseCaseContext(
  ctx: PortalContext,
  request: FastifyRequest,
  actor: string,
): UseCaseContext {
  return useCaseContext({
    db: ctx.db,
    files: ctx.files,
    temporal: ctx.temporal,
    actor: { name: actor, channel: 'portal', origin: ctx.origin(request) },
  });
}

/**
 * Runs a use case for `actor` (the signed-in login, or the municipality of a token link). A use case
 * about a quarter has any other failure worded as Temporal's about that quarter; one about none (the
 * registry) lets it through as it is.
 */
export async function act<Schema extends z.ZodType, Result>(
  ctx: PortalContext,
  request: FastifyRequest,
  actor: string,
  useCase: UseCase<Schema, Result>,
  input: z.input<Schema>,
): Promise<Result> {
  try {
    return await execute(useCase, portalUseCaseContext(ctx, request, actor), input);
  } catch (err) {
    if (err instanceof InvalidInputError || err instanceof RefusedError) throw badRequest(err.message);
    if (err instanceof UploadTooLargeError) throw tooLarge(MAX_UPLOAD_BYTES / 1024 / 1024);
    const quarter = (input as { quarter?: unknown } | null)?.quarter;
    if (typeof quarter !== 'string') throw err;
    throw temporalError(err, quarter);
  }
}

/** Runs a use case for a page: bad input is a 400 page, a refusal the page that says why, by its kind. */
export async function runForPage<Schema extends z.ZodType, Result>(
  ctx: PortalContext,
  request: FastifyRequest,
  actor: string,
  useCase: UseCase<Schema, Result>,
  input: z.input<Schema>,
): Promise<Result> {
  try {
    return await execute(useCase, portalUseCaseContext(ctx, request, actor), input);
  } catch (err) {
    if (err instanceof InvalidInputError) throw badRequest(err.message);
    if (err instanceof RefusedError) {
      if (err.kind === 'not-found') throw notFound(err.message);
      if (err.kind === 'unavailable') throw new PortalError(503, 'Сервис временно недоступен', err.message);
      throw new PortalError(409, 'Действие не выполнено', err.message);
    }
    throw err;
  }
}
