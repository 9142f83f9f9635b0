// `svodka link list|revoke`: the municipalities' links (tokens) of a quarter. A leaked link is
// revoked here or on the portal; a new one is issued from the portal or comes with the next email.
import type { Command } from 'commander';
import { listTokens, revokeMunicipalityTokens } from '../../../infrastructure/tokens';
import { audit, getDb, municipalityArg, printJson, quarterArg } from '../context';

const STATES = { active: 'действует', expired: 'истекла', revoked: 'отозвана' } as const;

export function registerLinkCommands(program: Command): void {
  const link = program.command('link').description('ссылки муниципальных образований на портал');
  link
    .command('list')
    .description('ссылки квартала: когда выданы, до какого срока действуют, отозваны ли')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .argument('[code]', 'код муниципального образования')
    .option('--json', 'вывод в JSON')
    .action(async (quarterText: string, code: string | undefined, opts: { json?: boolean }) => {
      const quarter = await quarterArg(quarterText);
      const m = code ? await municipalityArg(code) : null;
      const rows = await listTokens(await getDb(), quarter, m?.code);
      if (opts.json) return printJson(rows);
      if (rows.length === 0) return console.log('Ссылок нет.');
      for (const r of rows)
        console.log(
          `${r.municipality}  ${r.id}  выдана ${r.createdAt.toISOString()}  до ${r.expiresAt?.toISOString() ?? '—'}  ${STATES[r.state]}`,
        );
    });
  link
    .command('revoke')
    .description(
      'отозвать все ссылки муниципального образования на квартал (например, если ссылка попала к постороннему)',
    )
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .argument('<code>', 'код муниципального образования')
    .action(async (quarterText: string, code: string) => {
      const quarter = await quarterArg(quarterText);
      const m = await municipalityArg(code);
      const revoked = await revokeMunicipalityTokens(await getDb(), quarter, m.code);
      await audit({ quarter, municipality: m.code, action: 'token.revoke', detail: { revoked } });
      console.log(
        `Отозвано ссылок «${m.name}» за ${quarter}: ${revoked}. Новую выдаст портал (кнопка «Выдать ссылку») или следующее письмо.`,
      );
    });
}
