// `svodka mail held`: replies the inbound channel held for the coordinator (a sender not in the
// registry, a failed DKIM/DMARC verdict). They stay unread and flagged in the mailbox.
import type { Command } from 'commander';
import { getDb, printJson } from '../context';

export function registerMailCommands(program: Command): void {
  const mail = program.command('mail').description('входящая почта: ответы муниципальных образований');
  mail
    .command('held')
    .description(
      'письма, задержанные для координатора: отправитель не из реестра или не прошел проверку подлинности',
    )
    .option('--json', 'вывод в JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const rows = await (
        await getDb()
      ).inboundMail.findMany({
        where: { status: 'held' },
        orderBy: { createdAt: 'asc' },
      });
      if (opts.json || command.optsWithGlobals<{ json?: boolean }>().json) {
        printJson(
          rows.map((r) => ({
            at: r.createdAt.toISOString(),
            messageId: r.messageId,
            from: r.fromAddress,
            subject: r.subject,
            quarter: r.quarter,
            municipality: r.municipality,
            detail: r.detail,
          })),
        );
        return;
      }
      if (rows.length === 0) {
        console.log('Задержанных писем нет.');
        return;
      }
      for (const r of rows) {
        console.log(
          `${r.createdAt.toISOString().replace('T', ' ').slice(0, 19)}  ${r.fromAddress}  «${r.subject}»`,
        );
        console.log(`  ${r.detail}`);
        console.log(`  Message-ID: ${r.messageId}`);
      }
    });
}
