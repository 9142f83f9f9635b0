// `svodka backup --out FILE` and `svodka restore FILE [--force]` (infrastructure/db/backup.ts).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { backupDatabase, NotEmptyError, restoreDatabase } from '../../../infrastructure/db/backup';
import type { Progress } from '../../../infrastructure/db/backup';
import { databaseUrl } from '../../../infrastructure/db/settings';
import { redactUrl } from '../../../infrastructure/db/setup';
import { UserError } from '../context';

const WHAT = `
В копию входят все таблицы базы данных приложения (DATABASE_URL): реестр, ответы с их строками,
загруженные файлы и отчеты (они хранятся в базе, таблица Blob), журнал аудита, исходящая и
входящая почта, учетные записи. Формат — gzip со строками JSON: заголовок (версия формата,
миграции, число строк каждой таблицы), затем по строке на запись. Копия SQLite восстанавливается
в PostgreSQL и наоборот.

Не входят: состояние Temporal (его хранилище копируется средствами Temporal) и dev-ящик
SVODKA_DATA_DIR/mailbox (письма разработческого режима).`;

/** One progress line per table, rewritten in place on a terminal. */
function progressPrinter(verb: string): { progress: Progress; end(): void } {
  const tty = process.stderr.isTTY;
  return {
    progress({ table, done, total }) {
      const line = `${verb}: ${table} ${done}/${total}`;
      if (tty) process.stderr.write(`\r${line.padEnd(60)}`);
      else if (done === total) process.stderr.write(`${line}\n`);
    },
    end() {
      if (tty) process.stderr.write('\r'.padEnd(61) + '\r');
    },
  };
}

function summary(tables: Record<string, number>): string {
  return Object.entries(tables)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('резервная копия базы данных приложения (с файлами и отчетами) в один файл')
    .requiredOption('--out <file>', 'куда записать копию, например svodka-2023-07-15.jsonl.gz')
    .option('--force', 'перезаписать существующий файл')
    .addHelpText('after', WHAT)
    .action(async (opts: { out: string; force?: boolean }) => {
      if (existsSync(opts.out) && !opts.force)
        throw new UserError(`Файл ${opts.out} уже есть. Укажите другой или добавьте --force.`, 2);
      console.log(`Резервная копия базы ${redactUrl(databaseUrl())}…`);
      const printer = progressPrinter('Копирую');
      const header = await backupDatabase(opts.out, { progress: printer.progress });
      printer.end();
      const rows = Object.values(header.tables).reduce((a, b) => a + b, 0);
      console.log(`Готово: ${opts.out} — ${rows} записей (${summary(header.tables)}).`);
    });

  program
    .command('restore')
    .description('восстановить базу данных приложения из резервной копии (в пустую базу)')
    .argument('<file>', 'файл, сделанный «svodka backup»')
    .option('--force', 'стереть все данные в базе перед восстановлением')
    .addHelpText(
      'after',
      `
Восстанавливает в базу DATABASE_URL: применяет миграции, затем вставляет записи. Базу, в которой
уже есть данные (даже реестр после «svodka db setup»), команда не трогает без --force; с --force
все ее таблицы очищаются. Остановите worker и портал на время восстановления.
После восстановления проверьте: «svodka audit verify» и «svodka report verify итог.docx».
${WHAT}`,
    )
    .action(async (file: string, opts: { force?: boolean }) => {
      if (!existsSync(file)) throw new UserError(`Нет файла ${file}.`, 2);
      console.log(`Восстановление из ${file} в базу ${redactUrl(databaseUrl())}…`);
      const printer = progressPrinter('Восстанавливаю');
      try {
        const header = await restoreDatabase(file, { force: opts.force, progress: printer.progress });
        printer.end();
        console.log(
          `Готово: восстановлена копия от ${header.createdAt} (${header.provider}) — ${summary(header.tables)}.`,
        );
      } catch (err) {
        printer.end();
        if (err instanceof NotEmptyError)
          throw new UserError(
            `${err.message}. Восстановление заменило бы эти данные. Укажите пустую базу в DATABASE_URL ` +
              'или добавьте --force, чтобы стереть их.',
          );
        throw new UserError(`Не удалось восстановить из ${file}: ${(err as Error).message}`);
      }
    });
}
