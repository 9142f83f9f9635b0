// The coordinator sends one municipality's accepted answer back for correction, saying what to fix.
import { z } from 'zod';
import { reopenUpdate } from '../workflows/api';
import { decideOnMunicipality } from './decide';
import { municipalityField, quarterField, requestIdField, textField } from './fields';
import { defineUseCase } from './use-case';

export const reopenInput = z.object({
  quarter: quarterField,
  municipality: municipalityField,
  requestId: requestIdField,
  comment: textField('Напишите, что нужно исправить.', 2000),
});

export const reopen = defineUseCase({
  name: 'reopen',
  input: reopenInput,
  run: (ctx, { comment, ...target }) => decideOnMunicipality(ctx, target, reopenUpdate, { comment }),
});
