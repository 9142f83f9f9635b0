// `svodka registry import FILE.csv [--region NAME]`: a whole registry from a file, in one
// transaction — or nothing, with every bad line named. A region not yet in the database is created
// (a second region of the installation); its genitive for the titles is derived from the name or
// given.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseRegistryCsv } from '../domain/registry/csv';
import { regionGenitive } from '../domain/registry/region';
import { isRegionCode } from '../domain/quarter';
import { regionCodeFromName } from '../domain/region-code';
import { applyRegistryRows, RegistryRejectedError } from '../infrastructure/registry/apply';
import type { ApplyReport } from '../infrastructure/registry/apply';
import { actionIdField, auditRegistry, refuse, regionField, regionFor } from './registry-shared';
import { defineUseCase } from './use-case';

export { RegistryRejectedError };

/** 10 MB of CSV is some 50,000 municipalities: more than any region. */
export const MAX_REGISTRY_BYTES = 10 * 1024 * 1024;

export const importRegistry = defineUseCase({
  name: 'importRegistry',
  input: z.object({
    csv: z.string().max(MAX_REGISTRY_BYTES, 'Файл реестра больше 10 МБ.'),
    /** The region's name; a new name creates the region. Absent: the installation's region. */
    region: regionField,
    /** «Тверской области»: when the name's shape does not tell it. */
    genitive: z.string().trim().min(1).max(300).optional(),
    /** The new region's latin code for its quarter keys ("2024-Q2.kaluga"); derived from the name if absent. */
    code: z
      .string()
      .trim()
      .toLowerCase()
      .refine(isRegionCode, 'Код региона: латинские буквы, цифры и дефисы, начинается с буквы, до 32 знаков.')
      .optional(),
    fileName: z.string().max(300).optional(),
    actionId: actionIdField,
  }),
  async run(
    ctx,
    input,
  ): Promise<{ region: string; regionCode: string | null; createdRegion: boolean } & ApplyReport> {
    const parsed = parseRegistryCsv(input.csv);
    if (!parsed.ok) throw new RegistryRejectedError(parsed.errors);
    let createdRegion = false;
    let region = input.region ? await ctx.db.region.findUnique({ where: { name: input.region } }) : null;
    if (input.region && !region) {
      const genitive = input.genitive ?? regionGenitive(input.region);
      if (!genitive)
        refuse(
          `Не удалось образовать родительный падеж от «${input.region}» для заголовков отчета: укажите его, например --genitive "Тверской области".`,
        );
      const code = input.code ?? regionCodeFromName(input.region);
      if (!code)
        refuse(`Не удалось образовать латинский код региона из «${input.region}»: укажите его, например --code kaluga.`);
      if (await ctx.db.region.findUnique({ where: { code } }))
        refuse(`Код региона «${code}» уже занят другим регионом установки: укажите другой, например --code ${code}2.`);
      region = await ctx.db.region.create({ data: { name: input.region, genitive, code } });
      createdRegion = true;
    }
    const target = region ?? (await regionFor(ctx.db, undefined));
    let report: ApplyReport;
    try {
      report = await applyRegistryRows(ctx.db, target, parsed.rows, ctx.clock());
    } catch (err) {
      // A region made for a file that did not load would be an empty region nobody asked for.
      if (createdRegion) await ctx.db.region.delete({ where: { id: target.id } });
      throw err;
    }
    await auditRegistry(ctx, {
      action: 'registry.import',
      municipality: null,
      actionId: input.actionId,
      detail: {
        region: target.name,
        regionCode: target.code ?? null,
        createdRegion,
        fileName: input.fileName ?? null,
        sha256: createHash('sha256').update(input.csv).digest('hex'),
        ...report,
      },
    });
    return { region: target.name, regionCode: target.code ?? null, createdRegion, ...report };
  },
});
