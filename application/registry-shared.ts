// What the registry's use cases share: the fields as the coordinator types them (checked the same
// way as a registry file's cells), finding a municipality, rewriting the region order, and the
// audit entry every change writes.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CODE_PATTERN, EMAIL_PATTERN, MAX_TEXT, textProblem } from '../domain/registry/csv';
import { appendAudit } from '../infrastructure/audit';
import type { Db } from '../infrastructure/db/client';
import { clearPositions } from '../infrastructure/registry/apply';
import { currentRegion, RegionNotFoundError } from '../infrastructure/registry/region';
import type { RegionRecord } from '../infrastructure/registry/region';
import { InvalidInputError } from './use-case';
import type { UseCaseContext } from './use-case';

/** A refusal the user can mend (unknown code, a merge into a retired municipality…): bad usage. */
export function refuse(message: string): never {
  throw new InvalidInputError(message, []);
}

export const codeField = z
  .string({ error: 'Не указан код муниципального образования.' })
  .trim()
  .regex(
    CODE_PATTERN,
    'Код муниципального образования: латинские строчные буквы, цифры и дефис, например vyazma.',
  );

const text = (label: string) =>
  z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const problem = textProblem(label, value, false);
      if (problem)
        ctx.addIssue({ code: 'custom', message: `${problem[0]!.toUpperCase()}${problem.slice(1)}.` });
    });

export const nameField = text('название').pipe(
  z.string().min(1, 'Не указано название муниципального образования.'),
);
export const sectionTitleField = text('заголовок раздела отчета');
export const headNameField = text('глава');

export const emailField = (label: string) =>
  z
    .string()
    .trim()
    .max(MAX_TEXT, `${label}: слишком длинный адрес.`)
    .regex(EMAIL_PATTERN, `${label}: это не похоже на адрес электронной почты.`);

/** The id of the action, for its single audit entry (a retried request writes no second one). */
export const actionIdField = z.string().trim().min(1).max(200).optional();

export const regionField = z.string().trim().min(1).max(MAX_TEXT).optional();

export async function regionFor(db: Db, name: string | undefined): Promise<RegionRecord> {
  try {
    return await currentRegion(db, name);
  } catch (err) {
    if (err instanceof RegionNotFoundError) refuse(err.message);
    throw err;
  }
}

export async function findMunicipality(db: Db, code: string) {
  const m = await db.municipality.findUnique({ where: { code } });
  if (!m) refuse(`Нет муниципального образования с кодом «${code}». Список: npx svodka municipalities`);
  return m;
}

export async function findActive(db: Db, code: string) {
  const m = await findMunicipality(db, code);
  if (m.retiredAt)
    refuse(
      `«${m.name}» (${code}) выведено из реестра${m.mergedInto ? ` (присоединено к ${m.mergedInto})` : ''}; изменить его нельзя.`,
    );
  return m;
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** Writes the region order afresh: these codes first (1, 2, …), then the retired ones as they were. */
export async function writeOrder(tx: Tx, regionId: number, activeCodes: string[]): Promise<void> {
  const retired = await tx.municipality.findMany({
    where: { regionId, retiredAt: { not: null } },
    orderBy: { position: 'asc' },
    select: { code: true },
  });
  await clearPositions(tx, regionId);
  const order = [...activeCodes, ...retired.map((m) => m.code)];
  for (const [i, code] of order.entries())
    await tx.municipality.update({ where: { code }, data: { position: i + 1 } });
}

export async function activeCodes(tx: Tx | Db, regionId: number): Promise<string[]> {
  return (
    await tx.municipality.findMany({
      where: { regionId, retiredAt: null },
      orderBy: { position: 'asc' },
      select: { code: true },
    })
  ).map((m) => m.code);
}

export async function auditRegistry(
  ctx: UseCaseContext,
  entry: { action: string; municipality: string | null; detail: Record<string, unknown>; actionId?: string },
): Promise<void> {
  await appendAudit(ctx.db, {
    quarter: null,
    municipality: entry.municipality,
    action: entry.action,
    actor: ctx.actor.name,
    origin: ctx.actor.origin,
    detail: entry.detail,
    actionId: entry.actionId ?? randomUUID(),
  });
}
