// `svodka audit <quarter>` and `svodka audit verify`.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { verifyAuditChain } from '../../../infrastructure/audit';
import {
  AnchorError,
  anchorHash,
  auditorEmail,
  sendAuditAnchor,
  takeAnchor,
} from '../../../activities/audit-anchor';
import { loadConfig } from '../../../infrastructure/config';
import { createMailer } from '../../../infrastructure/email/mailer';
import { buildTimeline } from '../../audit-timeline';
import { getClient, getDb, printJson, quarterArg, UserError } from '../context';

export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description(
      'хронология квартала: запросы, напоминания, ответы, решения, подписание (история Temporal + журнал)',
    )
    .argument('[quarter]', 'квартал, например 2023-Q2')
    .option('--municipality <code>', 'только одно муниципальное образование')
    .option('--json', 'вывод в JSON')
    .action(async (quarterText: string | undefined, opts: { municipality?: string; json?: boolean }) => {
      if (!quarterText) {
        audit.help({ error: true });
        return;
      }
      const quarter = await quarterArg(quarterText);
      const timeline = await buildTimeline(await getClient(), await getDb(), quarter, opts.municipality);
      if (opts.json) return printJson(timeline);
      for (const e of timeline) {
        const who = e.actor ? ` — ${e.actor}${e.origin ? ` (${e.origin})` : ''}` : '';
        console.log(
          `${e.at.replace('T', ' ').slice(0, 19)}  ${(e.municipality ?? 'квартал').padEnd(16)}  ${e.text}${who}`,
        );
      }
      if (timeline.length === 0) console.log(`Событий по ${quarter} нет.`);
    });

  audit
    .command('verify')
    .description(
      'проверить журнал аудита: цепочку HMAC, неизменность сохраненных файлов и строк; с --anchor — что журнал не обрезан',
    )
    .option(
      '--anchor <hash|file>',
      'хеш вершины журнала, сохраненный вне Svodka, или файл: манифест подписания (.manifest.json) или якорь (audit anchor)',
    )
    .option('--json', 'вывод в JSON')
    .action(async (opts: { anchor?: string; json?: boolean }, command: Command) => {
      let anchor: string | null = null;
      try {
        anchor = opts.anchor ? anchorHash(opts.anchor) : null;
      } catch (err) {
        if (err instanceof AnchorError) throw new UserError(err.message, 2);
        throw err;
      }
      const check = await verifyAuditChain(await getDb(), { anchor });
      // `audit` has a --json of its own, and commander gives it the flag: ask the globals too.
      if (opts.json || command.optsWithGlobals<{ json?: boolean }>().json) printJson(check);
      else if (check.ok) {
        console.log(`Журнал аудита цел: ${check.entries} записей, цепочка хешей не нарушена.`);
        if (check.unkeyed)
          console.log(
            `  Из них ${check.unkeyed} записаны до перехода на ключ (SHA-256 без ключа, SVODKA_AUDIT_UNKEYED_UNTIL): их проверяют якоря тех дней.`,
          );
        if (check.anchor)
          console.log(
            `  Якорь ${check.anchor.hash.slice(0, 16)}… на месте: до этой точки журнал не обрезан.`,
          );
        else console.log('  Без якоря удаление последних записей не обнаружить: укажите --anchor.');
      } else {
        console.log(`Журнал аудита НАРУШЕН (${check.entries} записей):`);
        for (const p of check.problems) console.log(`  • ${p}`);
      }
      process.exitCode = check.ok ? 0 : 1;
    });

  audit
    .command('anchor')
    .description('вершина журнала аудита (якорь) — сохранить вне Svodka; с --email — письмо аудиторам')
    .option('--out <file>', 'записать якорь в файл JSON')
    .option(
      '--email',
      'отправить якорь на SVODKA_AUDITOR_EMAIL (раз в сутки; для cron или Temporal Schedule)',
    )
    .option('--json', 'вывод в JSON')
    .action(async (opts: { out?: string; email?: boolean; json?: boolean }, command: Command) => {
      const db = await getDb();
      let anchor = await takeAnchor(db);
      let sent: boolean | null = null;
      if (opts.email) {
        const to = auditorEmail();
        if (!to) throw new UserError('Не задан адрес аудиторов: SVODKA_AUDITOR_EMAIL.', 2);
        const config = loadConfig();
        const mailer = createMailer();
        try {
          const result = await sendAuditAnchor(db, mailer, {
            to,
            from: config.mailFrom,
            messageIdDomain: config.messageIdDomain,
          });
          anchor = result.anchor;
          sent = result.outcome.sent;
        } finally {
          mailer.close?.();
        }
      }
      if (opts.out) writeFileSync(opts.out, `${JSON.stringify(anchor, null, 2)}\n`);
      if (opts.json || command.optsWithGlobals<{ json?: boolean }>().json)
        return printJson({ ...anchor, sent });
      console.log(`Вершина журнала аудита: запись № ${anchor.head.id} из ${anchor.head.entries}`);
      console.log(`Хеш: ${anchor.head.hash}`);
      if (opts.out) console.log(`Якорь записан в ${opts.out}`);
      if (sent === true) console.log(`Якорь отправлен на ${auditorEmail()}.`);
      if (sent === false) console.log('Якорь за сегодня уже был отправлен.');
    });
}
