// `svodka municipality move CODE --to N`, the registry page's order: the region order is the order
// of the report's sections for quarters opened after.
import { z } from 'zod';
import {
  actionIdField,
  activeCodes,
  auditRegistry,
  codeField,
  findActive,
  writeOrder,
} from './registry-shared';
import { defineUseCase } from './use-case';

export const moveMunicipality = defineUseCase({
  name: 'moveMunicipality',
  input: z.object({
    code: codeField,
    position: z.coerce
      .number({ error: 'Место в порядке региона — целое число от 1.' })
      .int('Место в порядке региона — целое число от 1.')
      .min(1, 'Место в порядке региона — целое число от 1.'),
    actionId: actionIdField,
  }),
  async run(ctx, input) {
    const m = await findActive(ctx.db, input.code);
    const result = await ctx.db.$transaction(async (tx) => {
      const order = await activeCodes(tx, m.regionId);
      const from = order.indexOf(m.code) + 1;
      const to = Math.min(input.position, order.length);
      if (from === to) return { from, to };
      order.splice(from - 1, 1);
      order.splice(to - 1, 0, m.code);
      await writeOrder(tx, m.regionId, order);
      return { from, to };
    });
    if (result.from !== result.to)
      await auditRegistry(ctx, {
        action: 'registry.move',
        municipality: m.code,
        actionId: input.actionId,
        detail: { name: m.name, from: result.from, to: result.to },
      });
    return { code: m.code, name: m.name, ...result };
  },
});
