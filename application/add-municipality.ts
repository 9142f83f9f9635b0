// `svodka municipality add`, the registry page's «Добавить»: a new municipal formation of the
// region, at the end of the region order or at the position given. Quarters already open do not
// see it; the next one to open does.
import { z } from 'zod';
import { defaultSectionTitle } from '../domain/registry/region';
import {
  actionIdField,
  activeCodes,
  auditRegistry,
  codeField,
  emailField,
  headNameField,
  nameField,
  refuse,
  regionField,
  regionFor,
  sectionTitleField,
  writeOrder,
} from './registry-shared';
import { defineUseCase } from './use-case';

export const addMunicipality = defineUseCase({
  name: 'addMunicipality',
  input: z.object({
    region: regionField,
    code: codeField,
    name: nameField,
    sectionTitle: sectionTitleField.optional(),
    email: emailField('Адрес муниципального образования'),
    headEmail: emailField('Адрес главы').or(z.literal('')).optional(),
    headName: headNameField.optional(),
    /** 1-based place among the region's municipalities; default: the last. */
    position: z.coerce
      .number({ error: 'Место в порядке региона — целое число от 1.' })
      .int('Место в порядке региона — целое число от 1.')
      .min(1, 'Место в порядке региона — целое число от 1.')
      .optional(),
    actionId: actionIdField,
  }),
  async run(ctx, input) {
    const region = await regionFor(ctx.db, input.region);
    const taken = await ctx.db.municipality.findUnique({ where: { code: input.code } });
    if (taken)
      refuse(
        `Код «${input.code}» уже занят: «${taken.name}»${taken.retiredAt ? ' (выведено из реестра)' : ''}.`,
      );
    const sectionTitle = input.sectionTitle || defaultSectionTitle(input.name, region.genitive);
    const created = await ctx.db.$transaction(async (tx) => {
      const order = await activeCodes(tx, region.id);
      const at = Math.min(input.position ?? order.length + 1, order.length + 1);
      const last = await tx.municipality.findFirst({
        where: { regionId: region.id },
        orderBy: { position: 'desc' },
      });
      const m = await tx.municipality.create({
        data: {
          code: input.code,
          regionId: region.id,
          name: input.name,
          sectionTitle,
          email: input.email,
          headEmail: input.headEmail || null,
          headName: input.headName || null,
          position: (last?.position ?? 0) + 1,
        },
      });
      order.splice(at - 1, 0, m.code);
      await writeOrder(tx, region.id, order);
      return { ...m, position: at };
    });
    await auditRegistry(ctx, {
      action: 'registry.add',
      municipality: created.code,
      actionId: input.actionId,
      detail: {
        region: region.name,
        name: created.name,
        sectionTitle,
        email: created.email,
        headEmail: created.headEmail,
        headName: created.headName,
        position: created.position,
      },
    });
    return { region: region.name, code: created.code, name: created.name, position: created.position };
  },
});
