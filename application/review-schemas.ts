// Input fields the review use cases share, with the Russian messages the surfaces show as they are.
import { z } from 'zod';
import { normalizeQuarterKey } from '../domain/quarter';

export const quarterField = z
  .string({ error: 'Укажите квартал, например 2023-Q2.' })
  .trim()
  .transform((value, ctx) => {
    try {
      return normalizeQuarterKey(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `Квартал «${value.slice(0, 20)}» не распознан: пишите ГГГГ-QN, например 2023-Q2 (другой регион: 2023-Q2.kaluga).`,
      });
      return z.NEVER;
    }
  });

export const municipalityField = z
  .string({ error: 'Укажите код муниципального образования.' })
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'Код муниципального образования пишется латиницей, например smolensk.');

/** A request id made when the form was shown (or by the CLI per run): the action's id. */
export const requestIdField = z
  .string({ error: 'Форма устарела: нет идентификатора запроса. Обновите страницу.' })
  .regex(/^[A-Za-z0-9_-]{16,64}$/, 'Форма устарела: идентификатор запроса поврежден. Обновите страницу.');
