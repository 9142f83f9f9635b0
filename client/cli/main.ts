// `npx svodka …` — the command-line contract of DESIGN.md. Exit codes: 0 success, 1 a rejected
// submission or a failed check, 2 bad usage.
import { Command, CommanderError, Help } from 'commander';
import { isUnavailable, unavailableReason } from '../../infrastructure/db/client';
import { closeAll, setQuarterRegion, setSignedIn, UserError } from './context';
import { signInAs } from './identity';
import { registerAuditCommands } from './commands/audit';
import { registerCalendarCommands } from './commands/calendar';
import { registerBackupCommands } from './commands/backup';
import { registerDbCommands } from './commands/db';
import { registerMailCommands } from './commands/mail';
import { registerNotifyCommands } from './commands/notify';
import { registerLinkCommands } from './commands/link';
import { registerQuarterCommands } from './commands/quarter';
import { registerRegistryCommands } from './commands/registry';
import { registerReportCommands } from './commands/report';
import { registerScheduleCommands } from './commands/schedule';
import { registerSubmitCommand } from './commands/submit';

const HELP_TITLES: Record<string, string> = {
  'Usage:': 'Использование:',
  'Options:': 'Параметры:',
  'Commands:': 'Команды:',
  'Arguments:': 'Аргументы:',
  'Global Options:': 'Общие параметры:',
};

/** Commander's own messages, in the language of the rest of the CLI. */
export function translateError(text: string): string {
  return text
    .replace(/^error: unknown command '(.+)'/m, 'Ошибка: неизвестная команда «$1»')
    .replace(/^error: unknown option '(.+)'/m, 'Ошибка: неизвестный параметр «$1»')
    .replace(/^error: missing required argument '(.+)'/m, 'Ошибка: не указан аргумент «$1»')
    .replace(/^error: required option '(.+)' not specified/m, 'Ошибка: не указан обязательный параметр «$1»')
    .replace(/^error: option '(.+)' argument missing/m, 'Ошибка: у параметра «$1» нет значения')
    .replace(/^error: too many arguments.*$/m, 'Ошибка: лишние аргументы')
    .replace(
      /^error: option '(.+)' argument '(.+)' is invalid\. (.*)$/m,
      'Ошибка: значение «$2» параметра «$1» не подходит: $3',
    )
    .replace(/\(Did you mean (.+)\?\)/, '(Может быть, $1?)');
}

/**
 * Every command that takes a quarter takes `--region CODE` too: the quarter of another region of
 * the installation («2024-Q2 --region kaluga» is «2024-Q2.kaluga»).
 */
function addRegionOption(program: Command): void {
  const visit = (command: Command): void => {
    if (command.registeredArguments.some((a) => a.name() === 'quarter')) {
      command.option('--region <code>', 'код региона установки, если квартал не ее основного региона');
      command.hook('preAction', (_self, action) =>
        setQuarterRegion(action.opts<{ region?: string }>().region),
      );
    }
    command.commands.forEach(visit);
  };
  visit(program);
}

export function buildProgram(): Command {
  const program = new Command('svodka')
    .description(
      'Svodka — ежеквартальный сбор сведений о мероприятиях в международной сфере от муниципальных образований\n' +
        'и сводный отчет региона. Команды работают с Temporal (TEMPORAL_ADDRESS или «npm start») и базой данных (DATABASE_URL).',
    )
    .showHelpAfterError('(подробнее: npx svodka --help)')
    .helpOption('-h, --help', 'показать справку')
    .helpCommand('help [команда]', 'справка по команде')
    .configureHelp({
      styleTitle: (title) => HELP_TITLES[title] ?? title,
      styleUsage: (usage) => usage.replace('[options]', '[параметры]').replace('[command]', '[команда]'),
      optionDescription: (option) =>
        Help.prototype.optionDescription.call(new Help(), option).replace('(default:', '(по умолчанию:'),
    })
    .configureOutput({ outputError: (text, write) => write(translateError(text)) })
    .exitOverride();
  // A named account for the audit log: `svodka --as coordinator quarter extend …`.
  program
    .option('--as <login>', 'выполнить от имени учетной записи портала (пароль — SVODKA_PASSWORD или ввод)')
    .hook('preAction', async (_program, command) => {
      const login = program.opts<{ as?: string }>().as;
      if (login) await signInAs(login, command);
    });
  registerDbCommands(program);
  registerQuarterCommands(program);
  registerSubmitCommand(program);
  registerReportCommands(program);
  registerAuditCommands(program);
  registerMailCommands(program);
  registerCalendarCommands(program);
  registerLinkCommands(program);
  registerBackupCommands(program);
  registerScheduleCommands(program);
  registerNotifyCommands(program);
  registerRegistryCommands(program);
  addRegionOption(program);
  program.addHelpText(
    'after',
    `
Примеры:
  npx svodka db setup
  npx svodka quarter start 2023-Q2 --deadline 2023-07-10
  npx svodka submit 2023-Q2 vyazma --file вязьма.docx
  npx svodka submit 2023-Q2 velizh --nil
  npx svodka quarter status 2023-Q2
  npx svodka report approve 2023-Q2 --signer "И. И. Иванов" --position "Начальник департамента" --out итог.docx

Коды выхода: 0 — успех, 1 — сведения не приняты или проверка не пройдена, 2 — ошибка в команде.`,
  );
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  setSignedIn(null);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(`Ошибка: ${err.message}\n`);
      return err.exitCode;
    }
    if (isUnavailable(err)) {
      // The database is down or restarting: say so, without a stack trace for the person at the terminal.
      const reason = unavailableReason(err);
      process.stderr.write(
        `Ошибка: база данных Svodka недоступна${reason ? ` (${reason})` : ''}. Повторите команду позже; перед повторной ` +
          'отправкой сведений проверьте «npx svodka quarter status».\n',
      );
      return 1;
    }
    process.stderr.write(`Ошибка: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  } finally {
    await closeAll().catch(() => {});
  }
}

if (process.argv[1] && /svodka(\.js)?$|main\.ts$/.test(process.argv[1])) {
  const code = await run(process.argv.slice(2));
  process.exit(code);
}
