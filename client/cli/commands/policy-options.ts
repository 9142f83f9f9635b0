// The reminder policy's flags, shared by `quarter start` and `schedule create`.
import { Option } from 'commander';
import type { Command } from 'commander';

export type PolicyFlags = { remindBefore?: string; overdueEvery?: string; escalateAfter?: string };

/** A fresh Option each: commander keeps the command an option was added to. */
export const policyOptions = {
  remindBefore: () =>
    new Option(
      '--remind-before <days>',
      'напоминать за столько дней до срока, через запятую: 3,1; «нет» — не напоминать до срока (по умолчанию SVODKA_REMIND_BEFORE_DAYS или 3,1)',
    ),
  overdueEvery: () =>
    new Option(
      '--overdue-every <days>',
      'после срока напоминать каждые N дней (по умолчанию SVODKA_OVERDUE_EVERY_DAYS или 2)',
    ),
  escalateAfter: () =>
    new Option(
      '--escalate-after <n>',
      'после N напоминаний о просрочке — письмо главе МО с копией координатору (по умолчанию SVODKA_ESCALATE_AFTER или 2)',
    ),
};

export function addPolicyOptions(command: Command): Command {
  return command
    .addOption(policyOptions.remindBefore())
    .addOption(policyOptions.overdueEvery())
    .addOption(policyOptions.escalateAfter());
}
