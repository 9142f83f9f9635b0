// `svodka schedule create|show|pause|resume|trigger|delete`: the schedule that opens quarters by themselves.
import type { Command } from 'commander';
import { describePolicy, installationPolicy, parsePolicyChoice } from '../../../domain/policy-options';
import { russianDate } from '../../../domain/emails';
import {
  createSchedule,
  deleteSchedule,
  parseOpeningRule,
  pauseSchedule,
  resumeSchedule,
  showSchedule,
  triggerSchedule,
} from '../../schedule';
import { actor, getClient, getDb, origin, printJson, UserError } from '../context';
import { keyRegionCode, RegionNotFoundError } from '../../../infrastructure/registry/region';
import { addPolicyOptions } from './policy-options';
import type { PolicyFlags } from './policy-options';

export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description(
      'расписание, по которому кварталы открываются сами (Temporal Schedule, ежедневно в 09:00 МСК)',
    )
    .option('--region <code>', 'код региона установки: у каждого региона свое расписание (по умолчанию основной)');

  // Each region has its own opener; the home region's is the one named without --region.
  const region = async (): Promise<string | null> => {
    try {
      return await keyRegionCode(await getDb(), schedule.opts<{ region?: string }>().region);
    } catch (err) {
      if (err instanceof RegionNotFoundError) throw new UserError(err.message, 2);
      throw err;
    }
  };
  const who = async () => ({ actor: actor(), origin: origin(), region: await region() });

  addPolicyOptions(
    schedule
      .command('create')
      .description(
        'создать расписание или изменить его правило (по умолчанию: первый рабочий день после квартала, срок — 10 рабочих дней)',
      )
      .option('--open-on <n>', 'открывать на N-й рабочий день после окончания квартала', '1')
      .option('--deadline-days <n>', 'срок — N рабочих дней после открытия', '10'),
  ).action(async (opts: { openOn: string; deadlineDays: string } & PolicyFlags) => {
    const rule = parseOpeningRule({ openOnWorkingDay: opts.openOn, deadlineWorkingDays: opts.deadlineDays });
    const { created } = await createSchedule(await getClient(), await getDb(), {
      rule,
      policy: {
        remindBefore: opts.remindBefore,
        overdueEvery: opts.overdueEvery,
        escalateAfter: opts.escalateAfter,
      },
      ...(await who()),
    });
    console.log(
      `${created ? 'Расписание создано' : 'Правило расписания изменено'}: квартал открывается на ${rule.openOnWorkingDay}-й рабочий день ` +
        `после своего окончания, срок — ${rule.deadlineWorkingDays} рабочих дней. Подробнее: npx svodka schedule show`,
    );
  });

  schedule
    .command('show')
    .description('правило, следующий квартал и день его открытия, приостановлено ли')
    .option('--json', 'вывод в JSON')
    .action(async (opts: { json?: boolean }) => {
      const view = await showSchedule(await getClient(), await getDb(), Date.now(), await region());
      if (opts.json) return printJson(view);
      if (!view) return console.log('Расписание не создано: npx svodka schedule create');
      console.log(
        `Расписание: ${view.paused ? `приостановлено${view.note ? ` (${view.note})` : ''}` : 'действует'}`,
      );
      console.log(
        `Правило: ${view.rule.openOnWorkingDay}-й рабочий день после окончания квартала, срок — ${view.rule.deadlineWorkingDays} рабочих дней после открытия`,
      );
      let reminders: string;
      try {
        reminders = describePolicy(parsePolicyChoice(view.policy, installationPolicy()));
      } catch (err) {
        // A bad SVODKA_* default: the quarter would not open; say so here too.
        reminders = `ошибка настройки — ${(err as Error).message}`;
      }
      console.log(`Напоминания: ${reminders}`);
      console.log(`Следующий: ${view.next.quarter} откроется ${russianDate(view.next.openingDay)}`);
      for (const r of view.recent.slice(-5)) console.log(`  запуск ${r.at} — ${r.workflowId}`);
    });

  schedule
    .command('pause')
    .description('приостановить: кварталы не открываются, пока расписание не возобновлено')
    .option('--note <text>', 'причина')
    .action(async (opts: { note?: string }) => {
      await pauseSchedule(await getClient(), await getDb(), await who(), opts.note);
      console.log('Расписание приостановлено. Возобновить: npx svodka schedule resume');
    });

  schedule
    .command('resume')
    .description('возобновить расписание')
    .action(async () => {
      await resumeSchedule(await getClient(), await getDb(), await who());
      console.log('Расписание возобновлено.');
    });

  schedule
    .command('trigger')
    .description(
      'открыть сейчас: квартал, который по правилу пора открыть (уже запущенный не запускается второй раз)',
    )
    .option('--json', 'вывод в JSON')
    .action(async (opts: { json?: boolean }) => {
      const result = await triggerSchedule(await getClient(), await getDb(), await who());
      if (opts.json) return printJson(result);
      if (result.opened) {
        console.log(
          `Сбор сведений за ${result.quarter} открыт, срок — ${russianDate(result.deadline)}. Координатору отправлено письмо.`,
        );
        return;
      }
      if (result.reason === 'not-due')
        console.log('Открывать нечего: день открытия по правилу еще не наступил.');
      else if (result.reason === 'finished')
        console.log(`Сбор сведений за ${result.quarter} уже завершен — повторно не открывается.`);
      else console.log(`Сбор сведений за ${result.quarter} уже был запущен — второй не начат.`);
      process.exitCode = 1;
    });

  schedule
    .command('delete')
    .description('удалить расписание (запущенные кварталы продолжаются)')
    .action(async () => {
      await deleteSchedule(await getClient(), await getDb(), await who());
      console.log('Расписание удалено.');
    });
}
