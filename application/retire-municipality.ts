// `svodka municipality retire`, the registry page's «Вывести из реестра»: the municipality takes no
// part in quarters opened after; the quarters that named it keep it (their snapshot), and its
// submissions and audit entries stay.
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

export const retireMunicipality = defineUseCase({
  name: 'retireMunicipality',
  input: z.object({ code: codeField, actionId: actionIdField }),
  async run(ctx, input) {
    const m = await findActive(ctx.db, input.code);
    await ctx.db.$transaction(async (tx) => {
      await tx.municipality.update({ where: { code: m.code }, data: { retiredAt: ctx.clock() } });
      await writeOrder(tx, m.regionId, await activeCodes(tx, m.regionId));
    });
    await auditRegistry(ctx, {
      action: 'registry.retire',
      municipality: m.code,
      actionId: input.actionId,
      detail: { name: m.name, position: m.position },
    });
    return { code: m.code, name: m.name };
  },
});
