// The coordinator sends one municipality a reminder now, outside the policy's calendar.
import { z } from 'zod';
import { remindUpdate } from '../workflows/api';
import { decideOnMunicipality } from './decide';
import { municipalityField, quarterField, requestIdField } from './fields';
import { defineUseCase } from './use-case';

export const remindInput = z.object({
  quarter: quarterField,
  municipality: municipalityField,
  requestId: requestIdField,
});

export const remind = defineUseCase({
  name: 'remind',
  input: remindInput,
  run: (ctx, target) => decideOnMunicipality(ctx, target, remindUpdate, {}),
});
