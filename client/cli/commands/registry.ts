// `svodka municipality add|set|retire|merge|move` and `svodka registry import|export`: the registry
// as the coordinator keeps it. Each command runs its use case from application/ and words the result.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addMunicipality } from '../../../application/add-municipality';
import { exportRegistry } from '../../../application/export-registry';
import {
  importRegistry,
  MAX_REGISTRY_BYTES,
  RegistryRejectedError,
} from '../../../application/import-registry';
import { mergeMunicipality } from '../../../application/merge-municipality';
import { moveMunicipality } from '../../../application/move-municipality';
import { retireMunicipality } from '../../../application/retire-municipality';
import { setMunicipality } from '../../../application/set-municipality';
import type { UseCase } from '../../../application/use-case';
import { runCli } from '../use-case';
import type { z } from 'zod';
import { printJson, UserError } from '../context';

/** Runs a use case; a refused input is bad usage (exit 2), a rejected registry file a failed check (exit 1). */
async function run<S extends z.ZodType, R>(useCase: UseCase<S, R>, input: z.input<S>): Promise<R> {
  try {
    return await runCli(useCase, input);
  } catch (err) {
    if (err instanceof RegistryRejectedError)
      throw new UserError(`файл реестра не загружен, реестр не изменен:\n${err.errors.join('\n')}`, 1);
    throw err;
  }
}

const actionId = () => `cli:${randomUUID()}`;

type Fields = { name?: string; section?: string; email?: string; headEmail?: string; headName?: string };

export function registerRegistryCommands(program: Command): void {
  const municipality = program
    .command('municipality')
    .description(
      'изменить реестр: добавить, изменить, вывести, присоединить, переставить муниципальное образование',
    );

  municipality
    .command('add')
    .description('добавить муниципальное образование (в кварталы, открытые после)')
    .argument('<code>', 'код: латинские строчные буквы, цифры и дефис, например novy-rayon')
    .requiredOption('--name <name>', 'краткое название, например «Новый район»')
    .requiredOption('--email <address>', 'адрес для запросов и напоминаний')
    .option('--head-email <address>', 'адрес главы (для эскалации)')
    .option('--head-name <name>', 'глава муниципального образования')
    .option(
      '--section <title>',
      'заголовок раздела в отчете (по умолчанию «Муниципальное образование «…» <регион>»)',
    )
    .option('--position <n>', 'место в порядке региона (по умолчанию последнее)')
    .option('--region <name>', 'регион (по умолчанию регион установки)')
    .option('--json', 'вывод в JSON')
    .action(async (code: string, opts: Fields & { position?: string; region?: string; json?: boolean }) => {
      const r = await run(addMunicipality, {
        code,
        name: opts.name ?? '',
        email: opts.email ?? '',
        headEmail: opts.headEmail,
        headName: opts.headName,
        sectionTitle: opts.section,
        position: opts.position,
        region: opts.region,
        actionId: actionId(),
      });
      if (opts.json) return printJson(r);
      console.log(
        `Добавлено: ${r.position}. ${r.code} «${r.name}» (${r.region}). Войдет в кварталы, открытые после.`,
      );
    });

  municipality
    .command('set')
    .description('изменить адреса, главу или название (переименование) муниципального образования')
    .argument('<code>', 'код муниципального образования')
    .option('--name <name>', 'новое название')
    .option('--section <title>', 'новый заголовок раздела в отчете')
    .option(
      '--email <address>',
      'новый адрес (следующие письма, в том числе идущего квартала, уйдут на него)',
    )
    .option('--head-email <address>', 'новый адрес главы; пустая строка — убрать')
    .option('--head-name <name>', 'глава муниципального образования')
    .option('--json', 'вывод в JSON')
    .action(async (code: string, opts: Fields & { json?: boolean }) => {
      const r = await run(setMunicipality, {
        code,
        name: opts.name,
        sectionTitle: opts.section,
        email: opts.email,
        headEmail: opts.headEmail,
        headName: opts.headName,
        actionId: actionId(),
      });
      if (opts.json) return printJson(r);
      console.log(
        r.changed.length === 0
          ? `«${r.name}» (${r.code}): изменений нет.`
          : `«${r.name}» (${r.code}): изменено — ${r.changed.map((k) => FIELD_LABELS[k] ?? k).join(', ')}.`,
      );
    });

  municipality
    .command('retire')
    .description(
      'вывести из реестра: в кварталы, открытые после, оно не войдет; прежние кварталы его сохраняют',
    )
    .argument('<code>', 'код муниципального образования')
    .option('--json', 'вывод в JSON')
    .action(async (code: string, opts: { json?: boolean }) => {
      const r = await run(retireMunicipality, { code, actionId: actionId() });
      if (opts.json) return printJson(r);
      console.log(`«${r.name}» (${r.code}) выведено из реестра.`);
    });

  municipality
    .command('merge')
    .description('присоединить одно муниципальное образование к другому (преобразование)')
    .argument('<code>', 'код присоединяемого')
    .requiredOption('--into <code>', 'код того, к которому присоединяется')
    .option('--json', 'вывод в JSON')
    .action(async (code: string, opts: { into: string; json?: boolean }) => {
      const r = await run(mergeMunicipality, { code, into: opts.into, actionId: actionId() });
      if (opts.json) return printJson(r);
      console.log(
        `«${r.name}» (${r.code}) присоединено к «${r.intoName}» (${r.into}) и выведено из реестра.`,
      );
    });

  municipality
    .command('move')
    .description('переставить в порядке региона (порядок разделов отчета)')
    .argument('<code>', 'код муниципального образования')
    .requiredOption('--to <n>', 'новое место, с 1')
    .option('--json', 'вывод в JSON')
    .action(async (code: string, opts: { to: string; json?: boolean }) => {
      const r = await run(moveMunicipality, { code, position: opts.to, actionId: actionId() });
      if (opts.json) return printJson(r);
      console.log(
        r.from === r.to
          ? `«${r.name}» уже на месте ${r.to}.`
          : `«${r.name}» (${r.code}): место ${r.from} → ${r.to}.`,
      );
    });

  const registry = program
    .command('registry')
    .description('реестр муниципальных образований целиком: загрузить из файла CSV или выгрузить в него');

  registry
    .command('import')
    .description(
      'загрузить реестр из CSV (столбцы: code, name, email; по желанию section_title, head_email, head_name, status, merged_into); ' +
        'порядок строк — порядок региона; файл принимается целиком или не принимается',
    )
    .argument('<file>', 'файл .csv (UTF-8, разделитель «,» или «;»)')
    .option('--region <name>', 'регион, например «Тверская область»; новый регион будет создан')
    .option(
      '--genitive <text>',
      'название региона в родительном падеже для заголовков, например «Тверской области»',
    )
    .option('--code <code>', 'латинский код нового региона для его кварталов (2024-Q2.tver), по умолчанию из названия')
    .option('--json', 'вывод в JSON')
    .action(async (file: string, opts: { region?: string; genitive?: string; code?: string; json?: boolean }) => {
      let csv: string;
      try {
        const bytes = readFileSync(file);
        if (bytes.length > MAX_REGISTRY_BYTES) throw new UserError(`файл ${file} больше 10 МБ.`, 2);
        csv = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch (err) {
        if (err instanceof UserError) throw err;
        if (err instanceof TypeError)
          throw new UserError(`файл ${file} не в кодировке UTF-8: сохраните его как «CSV UTF-8».`, 2);
        throw new UserError(`не удалось прочитать ${file}: ${(err as Error).message}`, 2);
      }
      if (!opts.json) console.log(`Читаю ${file}…`);
      const r = await run(importRegistry, {
        csv,
        region: opts.region,
        genitive: opts.genitive,
        code: opts.code,
        fileName: file,
        actionId: actionId(),
      });
      if (opts.json) return printJson(r);
      if (r.createdRegion)
        console.log(
          `Создан регион «${r.region}», код ${r.regionCode}: его кварталы — 2024-Q2.${r.regionCode} или --region ${r.regionCode}.`,
        );
      console.log(
        `Реестр «${r.region}» загружен: строк ${r.total}; добавлено ${r.added}, изменено ${r.updated}, ` +
          `без изменений ${r.unchanged}, выведено ${r.retired}.`,
      );
    });

  registry
    .command('export')
    .description('выгрузить реестр в CSV (тот же формат, что читает import)')
    .argument('<file>', 'куда записать .csv')
    .option('--region <name>', 'регион (по умолчанию регион установки)')
    .option('--json', 'вывод в JSON')
    .action(async (file: string, opts: { region?: string; json?: boolean }) => {
      const r = await run(exportRegistry, { region: opts.region });
      writeFileSync(file, r.csv);
      if (opts.json) return printJson({ region: r.region, file, count: r.count, active: r.active });
      console.log(`Реестр «${r.region}» выгружен в ${file}: ${r.count} (действующих ${r.active}).`);
    });
}

const FIELD_LABELS: Record<string, string> = {
  name: 'название',
  sectionTitle: 'заголовок раздела',
  email: 'адрес',
  headEmail: 'адрес главы',
  headName: 'глава',
};
