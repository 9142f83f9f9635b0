// `svodka registry export FILE.csv`: the region's registry as the file `registry import` reads —
// active municipalities in region order, then the retired ones (every change keeps them last).
import { z } from 'zod';
import { formatRegistryCsv } from '../domain/registry/csv';
import { regionField, regionFor } from './registry-shared';
import { defineUseCase } from './use-case';

export const exportRegistry = defineUseCase({
  name: 'exportRegistry',
  input: z.object({ region: regionField }),
  async run(ctx, input) {
    const region = await regionFor(ctx.db, input.region);
    const rows = await ctx.db.municipality.findMany({
      where: { regionId: region.id },
      orderBy: { position: 'asc' },
    });
    const csv = formatRegistryCsv(
      rows.map((m) => ({
        code: m.code,
        name: m.name,
        sectionTitle: m.sectionTitle,
        email: m.email,
        headEmail: m.headEmail,
        headName: m.headName,
        retired: m.retiredAt !== null,
        mergedInto: m.mergedInto,
      })),
    );
    return { region: region.name, csv, count: rows.length, active: rows.filter((m) => !m.retiredAt).length };
  },
});
