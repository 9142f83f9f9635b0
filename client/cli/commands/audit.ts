// `svodka audit <quarter>` and `svodka audit verify`.
import type { Command } from 'commander';
import { verifyAuditChain } from '../../../activities/audit';
import { buildTimeline } from '../../audit-timeline';
import { getClient, getDb, printJson, quarterArg } from '../context';

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
      const quarter = quarterArg(quarterText);
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
    .description('проверить целостность журнала аудита (цепочку хешей)')
    .option('--json', 'вывод в JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const check = await verifyAuditChain(await getDb());
      // `audit` has a --json of its own, and commander gives it the flag: ask the globals too.
      if (opts.json || command.optsWithGlobals<{ json?: boolean }>().json) printJson(check);
      else if (check.ok)
        console.log(`Журнал аудита цел: ${check.entries} записей, цепочка хешей не нарушена.`);
      else {
        console.log(`Журнал аудита НАРУШЕН (${check.entries} записей):`);
        for (const p of check.problems) console.log(`  • ${p}`);
      }
      process.exitCode = check.ok ? 0 : 1;
    });
}
