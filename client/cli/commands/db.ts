// `svodka db setup`, `svodka municipalities`, `svodka template`.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { setupDatabase } from '../../../infrastructure/db/setup';
import { buildTemplate } from '../../../infrastructure/docx/template';
import { buildTemplateXlsx } from '../../../infrastructure/docx/template-xlsx';
import { parseQuarter } from '../../../domain/quarter';
import { currentRegion, regionByCode, RegionNotFoundError } from '../../../infrastructure/registry/region';
import { activeMunicipalities } from '../../../infrastructure/registry/snapshot';
import { audit, getDb, municipalityArg, printJson, quarterArg, UserError } from '../context';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('база данных: миграции и реестр муниципальных образований');
  db.command('setup')
    .description('применить миграции и заполнить реестр (повторный запуск ничего не портит)')
    .option('--json', 'вывод в JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await setupDatabase();
      if (opts.json) return printJson(report);
      console.log(`База данных: ${report.url} (${report.provider})`);
      console.log(`Миграции: ${report.migrations}`);
      console.log(`Реестр: добавлено ${report.seeded}, уже было ${report.kept}`);
    });

  const user = program.command('user').description('учетные записи портала: координаторы и аудиторы');
  user
    .command('add')
    .description('создать учетную запись (пароль — из SVODKA_USER_PASSWORD или со стандартного ввода)')
    .argument('<login>', 'имя для входа')
    .option('--role <role>', 'coordinator (координатор) или auditor (аудитор)', 'coordinator')
    .option('--name <name>', 'имя для страниц и журнала, например «И. И. Иванов»')
    .option('--region <code>', 'код региона: учетная запись видит только его кварталы (без него — все регионы)')
    .action(async (login: string, opts: { role: string; name?: string; region?: string }) => {
      const { createUser, readPassword } = await import('../../web/users');
      const db = await getDb();
      let regionId: number | null = null;
      if (opts.region) {
        try {
          regionId = (await regionByCode(db, opts.region)).id;
        } catch (err) {
          if (err instanceof RegionNotFoundError) throw new UserError(err.message, 2);
          throw err;
        }
      }
      const created = await createUser(db, {
        login,
        name: opts.name ?? login,
        role: opts.role,
        password: await readPassword(),
        regionId,
      });
      await audit({
        quarter: null,
        municipality: null,
        action: 'user.add',
        detail: { login, role: created.role, region: opts.region ?? null },
      });
      console.log(
        `Учетная запись «${created.login}» (${created.role === 'coordinator' ? 'координатор' : 'аудитор'}${opts.region ? `, регион ${opts.region}` : ''}) создана.`,
      );
    });

  const simple = (
    name: string,
    description: string,
    act: (login: string) => Promise<string>,
    action: string,
  ) =>
    user
      .command(name)
      .description(description)
      .argument('<login>', 'имя для входа')
      .action(async (login: string) => {
        const said = await act(login);
        await audit({ quarter: null, municipality: null, action, detail: { login } });
        console.log(said);
      });
  simple(
    'unlock',
    'снять блокировку после неудачных попыток входа',
    async (login) => {
      const { unlockUser } = await import('../../web/auth');
      await unlockUser(await getDb(), login);
      return `Вход для «${login}» снова открыт.`;
    },
    'user.unlock',
  );
  simple(
    'disable',
    'отключить учетную запись и завершить все ее сеансы',
    async (login) => {
      const { setUserDisabled } = await import('../../web/auth');
      await setUserDisabled(await getDb(), login, true);
      return `Учетная запись «${login}» отключена, ее сеансы завершены.`;
    },
    'user.disable',
  );
  simple(
    'enable',
    'снова включить отключенную учетную запись',
    async (login) => {
      const { setUserDisabled } = await import('../../web/auth');
      await setUserDisabled(await getDb(), login, false);
      return `Учетная запись «${login}» включена.`;
    },
    'user.enable',
  );
  simple(
    'passwd',
    'сменить пароль (из SVODKA_USER_PASSWORD или со стандартного ввода) и завершить все сеансы',
    async (login) => {
      const [{ changePassword }, { readPassword }] = await Promise.all([
        import('../../web/auth'),
        import('../../web/users'),
      ]);
      await changePassword(await getDb(), login, await readPassword());
      return `Пароль «${login}» изменен, все сеансы завершены.`;
    },
    'user.passwd',
  );
  simple(
    'logout',
    'завершить все сеансы учетной записи на портале',
    async (login) => {
      const { endUserSessions } = await import('../../web/auth');
      const n = await endUserSessions(await getDb(), login);
      return `Сеансов «${login}» завершено: ${n}.`;
    },
    'user.logout',
  );

  program
    .command('municipalities')
    .description('реестр муниципальных образований в порядке региона: код, название, адреса')
    .option('--region <name>', 'регион (по умолчанию регион установки)')
    .option('--json', 'вывод в JSON')
    .action(async (opts: { json?: boolean; region?: string }) => {
      const db = await getDb();
      let region;
      try {
        region = await currentRegion(db, opts.region);
      } catch (err) {
        if (err instanceof RegionNotFoundError) throw new UserError(err.message, 2);
        throw err;
      }
      // The municipalities quarters opened now would ask; retired ones are in `registry export`.
      const rows = await activeMunicipalities(db, region.id);
      if (opts.json)
        return printJson(
          rows.map(({ code, name, sectionTitle, position, email, headEmail }) => ({
            code,
            name,
            sectionTitle,
            position,
            email,
            headEmail,
          })),
        );
      if (rows.length === 0) return console.log('Реестр пуст: выполните «npx svodka db setup».');
      const width = Math.max(...rows.map((r) => r.code.length));
      for (const r of rows)
        console.log(`${String(r.position).padStart(2)}. ${r.code.padEnd(width)}  ${r.name}  <${r.email}>`);
    });

  program
    .command('template')
    .description(
      'шаблон для муниципального образования на квартал: Word (.docx) или Excel (.xlsx), по расширению --out',
    )
    .argument('<code>', 'код муниципального образования, например vyazma')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .requiredOption('--out <file>', 'куда записать .docx или .xlsx')
    .action(async (code: string, quarterText: string, opts: { out: string }) => {
      const quarter = await quarterArg(quarterText);
      const m = await municipalityArg(code);
      const full = await (await getDb()).municipality.findUniqueOrThrow({ where: { code: m.code } });
      const input = { municipality: full, quarter: parseQuarter(quarter) };
      const excel = opts.out.toLowerCase().endsWith('.xlsx');
      writeFileSync(opts.out, excel ? await buildTemplateXlsx(input) : await buildTemplate(input));
      console.log(`Шаблон для «${full.name}» на ${quarter} записан в ${opts.out}`);
    });
}
