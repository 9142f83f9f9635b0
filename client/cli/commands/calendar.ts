// `svodka calendar import FILE`, `svodka calendar show YEAR`: the production calendar.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { calendarYears, saveImportedYears } from '../../../infrastructure/calendar';
import {
  CalendarImportError,
  MAX_CALENDAR_BYTES,
  parseCalendarFile,
} from '../../../infrastructure/calendar-import';
import { isWeekend, workingCalendarOf, workingDaysInYear } from '../../../domain/calendar/working-days';
import type { YearCalendar } from '../../../domain/calendar/working-days';
import { russianDate } from '../../../domain/emails';
import { plural } from '../../../domain/text';
import { actor, audit, getDb, printJson, UserError } from '../context';

const WEEKDAYS = ['воскресенье', 'понедельник', 'вторник', 'среда', 'четверг', 'пятница', 'суббота'];

function weekday(iso: string): string {
  return WEEKDAYS[new Date(`${iso}T00:00:00Z`).getUTCDay()]!;
}

function yearArg(value: string): number {
  if (!/^\d{4}$/.test(value.trim()))
    throw new UserError(`Год указывается четырьмя цифрами, например 2025; получено «${value}».`, 2);
  return Number(value);
}

function readCalendarFile(file: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UserError(`Файл «${file}» не найден.`, 2);
  }
  if (size > MAX_CALENDAR_BYTES) {
    throw new UserError(
      `${path.basename(file)}: файл слишком большой для производственного календаря (больше 1 МБ).`,
    );
  }
  const bytes = readFileSync(file);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // Files saved by Windows tools in CP1251 decode to replacement characters; say so plainly.
  if (text.includes('\ufffd')) {
    throw new UserError(
      `${path.basename(file)}: файл не в кодировке UTF-8; сохраните его в UTF-8 и загрузите снова.`,
    );
  }
  return text;
}

function summary(y: YearCalendar): string {
  const weekdaysOff = y.daysOff.filter((d) => !isWeekend(d)).length;
  const n = (k: number, forms: [string, string, string]) => `${k} ${plural(k, forms)}`;
  return (
    `${y.year} год: ${n(weekdaysOff, ['нерабочий будний день', 'нерабочих будних дня', 'нерабочих будних дней'])}, ` +
    `${n(y.workingWeekends.length, ['рабочая суббота или воскресенье', 'рабочих субботы или воскресенья', 'рабочих суббот или воскресений'])}, ` +
    `${n(y.shortened.length, ['сокращенный день', 'сокращенных дня', 'сокращенных дней'])}; ` +
    `рабочих дней в году — ${workingDaysInYear(y.year, workingCalendarOf([y]))}`
  );
}

export function registerCalendarCommands(program: Command): void {
  const calendar = program
    .command('calendar')
    .description('производственный календарь: праздники, переносы выходных, рабочие субботы');

  calendar
    .command('import')
    .description(
      'загрузить календарь из файла: XML (формат xmlcalendar.ru / КонсультантПлюс) или CSV «дата,вид[,примечание]»; ' +
        'загруженный год заменяет встроенный',
    )
    .argument('<file>', 'файл календаря, .xml или .csv')
    .option('--json', 'вывод в JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const name = path.basename(file);
      let years: YearCalendar[];
      try {
        years = parseCalendarFile(readCalendarFile(file), name);
      } catch (err) {
        if (err instanceof CalendarImportError) throw new UserError(`${err.message} Календарь не загружен.`);
        throw err;
      }
      const db = await getDb();
      await saveImportedYears(db, years, actor());
      await audit({
        quarter: null,
        municipality: null,
        action: 'calendar.import',
        detail: { file: name, years: years.map((y) => y.year) },
      });
      if (opts.json) return printJson({ imported: years });
      console.log(`Производственный календарь загружен из ${name}:`);
      for (const y of years) console.log(`  ${summary(y)}.`);
      console.log(
        'Загруженные годы важнее встроенных. Кварталы, начатые раньше, живут по календарю, с которым начаты; ' +
          'новые получат этот.',
      );
    });

  calendar
    .command('show')
    .description('выходные и праздничные дни года и рабочие субботы и воскресенья')
    .argument('<year>', 'год, например 2025')
    .option('--json', 'вывод в JSON')
    .action(async (yearText: string, opts: { json?: boolean }) => {
      const year = yearArg(yearText);
      const y = (await calendarYears(await getDb())).find((c) => c.year === year);
      if (!y) {
        throw new UserError(
          `Производственного календаря на ${year} год нет: выходными считаются только субботы и воскресенья. ` +
            'Загрузите его: npx svodka calendar import ФАЙЛ',
        );
      }
      const working = workingDaysInYear(year, workingCalendarOf([y]));
      if (opts.json) return printJson({ ...y, workingDays: working });
      console.log(`Производственный календарь на ${year} год`);
      console.log(`Источник: ${y.source}${y.kind === 'imported' ? ' (загружен)' : ''}`);
      if (y.note) console.log(`Примечание: ${y.note}`);
      console.log(`Рабочих дней: ${working}`);
      console.log(
        '\nНерабочие праздничные дни и выходные по переносу (обычные субботы и воскресенья не перечислены):',
      );
      for (const d of y.daysOff) console.log(`  ${russianDate(d)}, ${weekday(d)}`);
      console.log('\nРабочие субботы и воскресенья:');
      if (y.workingWeekends.length === 0) console.log('  нет');
      for (const d of y.workingWeekends) console.log(`  ${russianDate(d)}, ${weekday(d)}`);
      if (y.shortened.length > 0) {
        console.log('\nСокращенные (предпраздничные) дни:');
        for (const d of y.shortened) console.log(`  ${russianDate(d)}, ${weekday(d)}`);
      }
    });
}
