// `svodka municipality merge A --into B`: A is joined to B (municipal reform): A leaves the registry
// for quarters opened after, and the registry remembers where it went.
import { z } from 'zod';
import {
  actionIdField,
  activeCodes,
  auditRegistry,
  codeField,
  findActive,
  refuse,
  writeOrder,
} from './registry-shared';
import { defineUseCase } from './use-case';

export const mergeMunicipality = defineUseCase({
  name: 'mergeMunicipality',
  input: z.object({ code: codeField, into: codeField, actionId: actionIdField }),
  async run(ctx, input) {
    if (input.code === input.into) refuse('Муниципальное образование нельзя присоединить к самому себе.');
    const m = await findActive(ctx.db, input.code);
    const into = await findActive(ctx.db, input.into);
    if (into.regionId !== m.regionId) refuse(`«${into.name}» — муниципальное образование другого региона.`);
    await ctx.db.$transaction(async (tx) => {
      await tx.municipality.update({
        where: { code: m.code },
        data: { retiredAt: ctx.clock(), mergedInto: into.code },
      });
      await writeOrder(tx, m.regionId, await activeCodes(tx, m.regionId));
    });
    await auditRegistry(ctx, {
      action: 'registry.merge',
      municipality: m.code,
      actionId: input.actionId,
      detail: { name: m.name, into: into.code, intoName: into.name },
    });
    return { code: m.code, name: m.name, into: into.code, intoName: into.name };
  },
});
