// The coordinator excuses one municipality from answering this quarter, with a reason.
import { z } from 'zod';
import { excuseUpdate } from '../workflows/api';
import { decideOnMunicipality } from './decide';
import { municipalityField, quarterField, requestIdField, textField } from './fields';
import { defineUseCase } from './use-case';

export const excuseInput = z.object({
  quarter: quarterField,
  municipality: municipalityField,
  requestId: requestIdField,
  reason: textField('Укажите причину освобождения.', 500),
});

export const excuse = defineUseCase({
  name: 'excuse',
  input: excuseInput,
  run: (ctx, { reason, ...target }) => decideOnMunicipality(ctx, target, excuseUpdate, { reason }),
});
