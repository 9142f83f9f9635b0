// `svodka notify show|set|schedule|run|unschedule`: the coordinator's notifications (the daily
// digest, «черновик готов», «отчет подписан»), whom they go to, and the daily schedule that sends
// the digest and the auditors' anchor.
import type { Command } from 'commander';
import { loadConfig } from '../../../infrastructure/config';
import type { NotificationChange } from '../../../infrastructure/notification-settings';
import {
  createDailySchedule,
  deleteDailySchedule,
  describeDaily,
  parseRecipients,
  parseSwitch,
  setNotifications,
  showNotifications,
  showNotificationsAnyway,
  triggerDailySchedule,
} from '../../notifications';
import type { NotificationsView } from '../../notifications';
import { actor, getClient, getDb, origin, printJson } from '../context';

const who = () => ({ actor: actor(), origin: origin() });
const onOff = (on: boolean) => (on ? 'включено' : 'отключено');

function print(view: NotificationsView): void {
  console.log(`Ежедневная сводка (рабочие дни): ${onOff(view.settings.digest)}`);
  console.log(`«Черновик готов»: ${onOff(view.settings.draftReady)}`);
  console.log(`«Отчет подписан»: ${onOff(view.settings.signedOff)}`);
  console.log(
    `Получатели: ${view.recipients.join(', ')}${view.settings.recipients.length ? '' : ' (SVODKA_COORDINATOR_EMAIL)'}`,
  );
  console.log(
    `Якорь журнала аудита: ${view.auditorEmail ?? 'не отправляется — SVODKA_AUDITOR_EMAIL не задан'}`,
  );
  if (view.schedule === undefined) return;
  if (view.schedule === null) {
    console.log('Расписание рассылки: не создано (npx svodka notify schedule)');
    return;
  }
  console.log(
    `Расписание рассылки: ${view.schedule.paused ? 'приостановлено' : 'действует'}, ежедневно в 08:30 МСК` +
      (view.schedule.nextRun ? `; следующий запуск ${view.schedule.nextRun}` : ''),
  );
}

export function registerNotifyCommands(program: Command): void {
  const notify = program
    .command('notify')
    .description(
      'уведомления координатору (ежедневная сводка, «черновик готов», «отчет подписан») и якорь аудита',
    );

  notify
    .command('show')
    .description('что включено, кому отправляется, действует ли ежедневная рассылка')
    .option('--json', 'вывод в JSON')
    .action(async (opts: { json?: boolean }) => {
      // The settings are the database's: shown even when Temporal is down; the schedule only when it answers.
      const view = await showNotificationsAnyway(getClient, await getDb(), loadConfig().coordinatorEmail);
      if (opts.json) return printJson(view);
      print(view);
      if (view.unreachable !== undefined)
        console.log(
          `Расписание рассылки: неизвестно — не удалось связаться с Temporal; настройки выше прочитаны из базы данных.\n  ${view.unreachable}`,
        );
    });

  notify
    .command('set')
    .description('включить или отключить уведомления, задать получателей')
    .option('--digest <on|off>', 'ежедневная сводка по рабочим дням')
    .option('--draft-ready <on|off>', '«Черновик готов»')
    .option('--signed-off <on|off>', '«Отчет подписан»')
    .option('--recipients <адреса>', 'адреса через запятую; пустая строка — SVODKA_COORDINATOR_EMAIL')
    .action(
      async (opts: { digest?: string; draftReady?: string; signedOff?: string; recipients?: string }) => {
        const change: NotificationChange = {};
        if (opts.digest !== undefined) change.digest = parseSwitch('--digest', opts.digest);
        if (opts.draftReady !== undefined) change.draftReady = parseSwitch('--draft-ready', opts.draftReady);
        if (opts.signedOff !== undefined) change.signedOff = parseSwitch('--signed-off', opts.signedOff);
        if (opts.recipients !== undefined) change.recipients = parseRecipients(opts.recipients);
        if (Object.keys(change).length === 0) {
          console.error('Укажите, что изменить: --digest, --draft-ready, --signed-off или --recipients.');
          process.exitCode = 2;
          return;
        }
        await setNotifications(await getDb(), change, who());
        print(await showNotifications(null, await getDb(), loadConfig().coordinatorEmail));
      },
    );

  notify
    .command('schedule')
    .description(
      'создать ежедневную рассылку (Temporal Schedule, 08:30 МСК): сводка по рабочим дням и якорь аудита',
    )
    .action(async () => {
      const { created } = await createDailySchedule(await getClient(), await getDb(), who());
      console.log(
        created
          ? 'Ежедневная рассылка создана: каждый день в 08:30 МСК. Подробнее: npx svodka notify show'
          : 'Ежедневная рассылка уже создана. Подробнее: npx svodka notify show',
      );
    });

  notify
    .command('run')
    .description('выполнить рассылку сейчас (сводка за этот день не отправляется дважды)')
    .option('--json', 'вывод в JSON')
    .action(async (opts: { json?: boolean }) => {
      const result = await triggerDailySchedule(await getClient(), await getDb(), who());
      if (opts.json) return printJson(result);
      for (const line of describeDaily(result)) console.log(line);
    });

  notify
    .command('unschedule')
    .description('удалить ежедневную рассылку')
    .action(async () => {
      await deleteDailySchedule(await getClient(), await getDb(), who());
      console.log('Ежедневная рассылка удалена.');
    });
}
