// `svodka report request-changes`: the draft goes back to the municipalities named, with a comment —
// the same use case as the portal's «Запросить исправления».
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { requestChanges } from '../../../application/request-changes';
import { printJson, quarterArg } from '../context';
import { runCli } from '../use-case';

export function registerRequestChangesCommand(report: Command): void {
  report
    .command('request-changes')
    .description('вернуть сведения муниципальных образований на доработку с комментарием (письмо каждому)')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .requiredOption(
      '--municipality <codes...>',
      'коды муниципальных образований, например smolensk dorogobuzh',
    )
    .requiredOption('--comment <text>', 'что нужно исправить')
    .option('--json', 'вывод в JSON')
    .action(
      async (quarterText: string, opts: { municipality: string[]; comment: string; json?: boolean }) => {
        const quarter = await quarterArg(quarterText);
        const codes = opts.municipality.flatMap((c) => c.split(',')).filter(Boolean);
        // One run is one action: its id is the Update's id and the audit entry's.
        const requestId = randomUUID();
        const result = await runCli(requestChanges, {
          quarter,
          municipalities: codes,
          comment: opts.comment,
          requestId,
        });
        if (opts.json) return printJson({ quarter, ...result, requestId });
        console.log(
          `Сведения возвращены на доработку (${result.reopened.length}): ${result.reopened.join(', ')}. Каждому отправлено письмо с комментарием.`,
        );
      },
    );
}
