// `svodka municipality set`, the registry page's form: a municipality's addresses, its head, its
// name (a rename) or its section title. A new address is where the next email goes, in the running
// quarter too; a new name shows in quarters opened after (a running quarter keeps its snapshot).
import { z } from 'zod';
import { defaultSectionTitle } from '../domain/registry/region';
import {
  actionIdField,
  auditRegistry,
  codeField,
  emailField,
  findActive,
  headNameField,
  nameField,
  refuse,
  sectionTitleField,
} from './registry-shared';
import { defineUseCase } from './use-case';

const FIELDS = ['name', 'sectionTitle', 'email', 'headEmail', 'headName'] as const;

export const setMunicipality = defineUseCase({
  name: 'setMunicipality',
  input: z.object({
    code: codeField,
    name: nameField.optional(),
    sectionTitle: sectionTitleField.optional(),
    email: emailField('Адрес муниципального образования').optional(),
    /** '' removes the head's address (escalations then go to the municipality's own). */
    headEmail: emailField('Адрес главы').or(z.literal('')).optional(),
    headName: headNameField.optional(),
    actionId: actionIdField,
  }),
  async run(ctx, input) {
    const m = await findActive(ctx.db, input.code);
    const region = await ctx.db.region.findUnique({ where: { id: m.regionId } });
    const next = {
      name: input.name ?? m.name,
      sectionTitle: input.sectionTitle || m.sectionTitle,
      email: input.email ?? m.email,
      headEmail: input.headEmail === undefined ? m.headEmail : input.headEmail || null,
      headName: input.headName === undefined ? m.headName : input.headName || null,
    };
    // A rename carries the section title along when it was the default one for the old name.
    const titleUntouched = !input.sectionTitle || input.sectionTitle === m.sectionTitle;
    if (
      input.name &&
      titleUntouched &&
      region &&
      m.sectionTitle === defaultSectionTitle(m.name, region.genitive)
    )
      next.sectionTitle = defaultSectionTitle(input.name, region.genitive);
    const changed = Object.fromEntries(
      FIELDS.filter((k) => next[k] !== m[k]).map((k) => [k, { from: m[k], to: next[k] }]),
    );
    if (Object.keys(changed).length === 0) {
      if (FIELDS.every((k) => input[k] === undefined))
        refuse('Нечего менять: укажите название, адрес, адрес главы или имя главы.');
      return { code: m.code, name: m.name, changed: [] as string[] };
    }
    await ctx.db.municipality.update({ where: { code: m.code }, data: next });
    await auditRegistry(ctx, {
      action: 'registry.set',
      municipality: m.code,
      actionId: input.actionId,
      detail: { changed },
    });
    return { code: m.code, name: next.name, changed: Object.keys(changed) };
  },
});
