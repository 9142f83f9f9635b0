// The reminder policy a coordinator chooses for a quarter: typed as text (CLI flags, the portal's
// form, the installation's environment), checked here once, with the reason in Russian.
import { z } from 'zod';
import { DEFAULT_POLICY } from './schedule';
import type { ReminderPolicy } from './schedule';

/** The part of the policy a coordinator sets; the rest (hour, working days, calendar) is the installation's. */
export type PolicyChoice = Pick<
  ReminderPolicy,
  'beforeDeadlineDays' | 'overdueEveryDays' | 'escalateAfterOverdue'
>;

/** What was typed: each field absent or blank keeps the default. */
export type PolicyText = {
  remindBefore?: string | null;
  overdueEvery?: string | null;
  escalateAfter?: string | null;
};

export class PolicyError extends Error {}

const MAX_DAYS_BEFORE = 60;

const dayList = z
  .string()
  .trim()
  .transform((text, ctx) => {
    if (/^(нет|none|-)$/i.test(text)) return [];
    const parts = text.split(/[,;\s]+/).filter(Boolean);
    const days: number[] = [];
    for (const part of parts) {
      if (!/^\d+$/.test(part) || Number(part) < 1 || Number(part) > MAX_DAYS_BEFORE) {
        ctx.addIssue({
          code: 'custom',
          message: `«${part}» — не число дней от 1 до ${MAX_DAYS_BEFORE}. Пример: 3,1 (за три дня и за день до срока); «нет» — без напоминаний до срока`,
        });
        return z.NEVER;
      }
      if (!days.includes(Number(part))) days.push(Number(part));
    }
    return days.sort((a, b) => b - a);
  });

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `нужно целое число от ${min} до ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `нужно целое число от ${min} до ${max}`);

const FIELDS = {
  remindBefore: { schema: dayList, key: 'beforeDeadlineDays', title: 'Напоминания до срока' },
  overdueEvery: {
    schema: wholeNumber(1, 30),
    key: 'overdueEveryDays',
    title: 'Интервал напоминаний после срока',
  },
  escalateAfter: {
    schema: wholeNumber(0, 20),
    key: 'escalateAfterOverdue',
    title: 'Эскалация после напоминаний',
  },
} as const;

/** The choice with the typed fields applied over `base`; throws PolicyError naming the field. */
export function parsePolicyChoice(
  text: PolicyText,
  base: PolicyChoice = DEFAULT_POLICY,
  titles?: Partial<Record<keyof PolicyText, string>>,
): PolicyChoice {
  const choice: PolicyChoice = {
    beforeDeadlineDays: [...base.beforeDeadlineDays],
    overdueEveryDays: base.overdueEveryDays,
    escalateAfterOverdue: base.escalateAfterOverdue,
  };
  for (const [name, field] of Object.entries(FIELDS) as [
    keyof PolicyText,
    (typeof FIELDS)[keyof PolicyText],
  ][]) {
    const value = text[name];
    if (value === undefined || value === null || value.trim() === '') continue;
    const parsed = field.schema.safeParse(value);
    if (!parsed.success)
      throw new PolicyError(
        `${titles?.[name] ?? field.title}: ${parsed.error.issues[0]?.message ?? 'неверное значение'}.`,
      );
    (choice as Record<string, unknown>)[field.key] = parsed.data;
  }
  return choice;
}

/**
 * The installation's default: SVODKA_REMIND_BEFORE_DAYS, SVODKA_OVERDUE_EVERY_DAYS,
 * SVODKA_ESCALATE_AFTER over the built-in policy. A bad variable is an error, not a silent default.
 */
export function installationPolicy(env: NodeJS.ProcessEnv = process.env): PolicyChoice {
  return parsePolicyChoice(
    {
      remindBefore: env.SVODKA_REMIND_BEFORE_DAYS,
      overdueEvery: env.SVODKA_OVERDUE_EVERY_DAYS,
      escalateAfter: env.SVODKA_ESCALATE_AFTER,
    },
    DEFAULT_POLICY,
    {
      remindBefore: 'SVODKA_REMIND_BEFORE_DAYS',
      overdueEvery: 'SVODKA_OVERDUE_EVERY_DAYS',
      escalateAfter: 'SVODKA_ESCALATE_AFTER',
    },
  );
}

/** «за 3 и 1 дн. до срока; после срока — каждые 2 дн.; эскалация после 2 напоминаний». */
export function describePolicy(p: PolicyChoice): string {
  const before = p.beforeDeadlineDays.length
    ? `за ${p.beforeDeadlineDays.join(', ')} дн. до срока`
    : 'без напоминаний до срока';
  return (
    `${before}; в день срока; после срока — каждые ${p.overdueEveryDays} дн.; ` +
    `эскалация главе МО после ${p.escalateAfterOverdue} напоминаний о просрочке`
  );
}
