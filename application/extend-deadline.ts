// The coordinator gives one municipality a later deadline.
import { z } from 'zod';
import { extendUpdate } from '../workflows/api';
import { decideOnMunicipality } from './decide';
import { dateField, municipalityField, quarterField, requestIdField } from './fields';
import { defineUseCase } from './use-case';

export const extendDeadlineInput = z.object({
  quarter: quarterField,
  municipality: municipalityField,
  requestId: requestIdField,
  until: dateField('Новый срок'),
});

export const extendDeadline = defineUseCase({
  name: 'extendDeadline',
  input: extendDeadlineInput,
  run: (ctx, { until, ...target }) => decideOnMunicipality(ctx, target, extendUpdate, { until }),
});
