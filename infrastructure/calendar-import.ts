// Reading a production calendar from a file: the XML in which production calendars are commonly
// published (xmlcalendar.ru, КонсультантПлюс) and a plain CSV. Pure: takes the text, returns the
// years or throws CalendarImportError with a message for the coordinator.
import { SaxesParser } from 'saxes';
import type { SaxesTagPlain } from 'saxes';
import { isWeekend } from '../domain/calendar/working-days';
import type { YearCalendar } from '../domain/calendar/working-days';

export class CalendarImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalendarImportError';
  }
}

/** A production calendar is a few kilobytes; anything far larger is not one. */
export const MAX_CALENDAR_BYTES = 1_000_000;
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

type Kind = 'off' | 'working' | 'short';

function isoOf(year: number, month: number, day: number): string | null {
  const t = Date.UTC(year, month - 1, day);
  const d = new Date(t);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

/** Collects a year's days, refusing a day listed twice with different meanings. */
class YearBuilder {
  private readonly days = new Map<string, Kind>();
  constructor(
    readonly year: number,
    private readonly source: string,
  ) {}

  add(date: string, kind: Kind, where: string): void {
    const before = this.days.get(date);
    if (before !== undefined && before !== kind) {
      throw new CalendarImportError(
        `${where}: день ${russian(date)} указан дважды — и как ${KIND_WORDS[before]}, и как ${KIND_WORDS[kind]}.`,
      );
    }
    if (kind === 'working' && !isWeekend(date)) {
      throw new CalendarImportError(
        `${where}: ${russian(date)} — будний день, он и так рабочий; рабочими выходными бывают только суббота и воскресенье.`,
      );
    }
    this.days.set(date, kind);
  }

  build(): YearCalendar {
    if (this.days.size === 0)
      throw new CalendarImportError(`В календаре на ${this.year} год нет ни одного дня.`);
    const of = (k: Kind) =>
      [...this.days]
        .filter(([, v]) => v === k)
        .map(([d]) => d)
        .sort();
    return {
      year: this.year,
      source: this.source,
      kind: 'imported',
      daysOff: of('off'),
      workingWeekends: of('working'),
      shortened: of('short'),
    };
  }
}

const KIND_WORDS: Record<Kind, string> = { off: 'выходной', working: 'рабочий', short: 'сокращенный' };

function russian(iso: string): string {
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
}

function checkYear(value: string, where: string): number {
  if (!/^\d{4}$/.test(value.trim()))
    throw new CalendarImportError(
      `${where}: год «${value}» не похож на год (нужно четыре цифры, например 2028).`,
    );
  const year = Number(value.trim());
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new CalendarImportError(`${where}: год ${year} вне допустимых пределов (${MIN_YEAR}–${MAX_YEAR}).`);
  }
  return year;
}

/** XML: <calendar year="2028" country="ru"><days><day d="MM.DD" t="1|2|3"/>…</days></calendar>. */
export function parseCalendarXml(text: string, fileName: string): YearCalendar[] {
  const parser = new SaxesParser({ xmlns: false, position: true });
  let builder: YearBuilder | null = null;
  const path: string[] = [];
  let sawRoot = false;
  const at = () => `${fileName}, строка ${parser.line}`;

  // Entities and DOCTYPE are how XML files attack their readers (billion laughs, external
  // entities); a production calendar needs neither.
  parser.on('doctype', () => {
    throw new CalendarImportError(`${at()}: в файле есть объявление DOCTYPE — такие файлы не принимаются.`);
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const attr = (name: string): string | undefined => tag.attributes[name];
    if (path.length === 0) {
      if (tag.name !== 'calendar') {
        throw new CalendarImportError(
          `${at()}: это не производственный календарь — корневой элемент <${tag.name}>, а должен быть <calendar>.`,
        );
      }
      sawRoot = true;
      const country = attr('country');
      if (country !== undefined && country.toLowerCase() !== 'ru') {
        throw new CalendarImportError(
          `${at()}: календарь другой страны (country="${country}"), нужен российский (country="ru").`,
        );
      }
      const year = attr('year');
      if (year === undefined)
        throw new CalendarImportError(`${at()}: у элемента <calendar> нет атрибута year.`);
      const published = attr('date');
      builder = new YearBuilder(
        checkYear(year, at()),
        `файл ${fileName}${published ? ` (календарь от ${published})` : ''}`,
      );
    } else if (tag.name === 'day' && path[path.length - 1] === 'days') {
      addXmlDay(builder!, attr('d'), attr('t'), at());
    }
    path.push(tag.name);
  });
  parser.on('closetag', () => void path.pop());

  try {
    parser.write(text).close();
  } catch (err) {
    if (err instanceof CalendarImportError) throw err;
    throw new CalendarImportError(`${fileName}: файл не читается как XML — ${xmlReason(err as Error)}.`);
  }
  if (!sawRoot || builder === null)
    throw new CalendarImportError(`${fileName}: в файле нет элемента <calendar>.`);
  return [(builder as YearBuilder).build()];
}

const SAXES_MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^unexpected close tag/, () => 'закрывающий тег не соответствует открытому'],
  [/^unclosed tag: (.+?)\.?$/, (m) => `не закрыт элемент <${m[1]}>`],
  [/^undefined entity/, () => 'неизвестная сущность вида &имя;'],
  [/outside of root node/, () => 'текст или элемент вне корневого элемента'],
  [/^document must contain a root element/, () => 'в документе нет корневого элемента'],
];

/** saxes says "line:column: message" in English; the coordinator reads Russian. */
function xmlReason(err: Error): string {
  const m = /^(?:[^:]*:)?(\d+):(\d+): (.*)$/s.exec(err.message);
  if (!m) return err.message;
  const text = m[3]!.trim();
  for (const [re, say] of SAXES_MESSAGES) {
    const hit = re.exec(text);
    if (hit) return `строка ${m[1]}, позиция ${m[2]}: ${say(hit)}`;
  }
  return `строка ${m[1]}, позиция ${m[2]}: ${text.replace(/\.+$/, '')}`;
}

function addXmlDay(builder: YearBuilder, d: string | undefined, t: string | undefined, where: string): void {
  if (d === undefined || t === undefined) {
    throw new CalendarImportError(
      `${where}: у элемента <day> должны быть атрибуты d (ММ.ДД) и t (1, 2 или 3).`,
    );
  }
  const m = /^(\d{2})\.(\d{2})$/.exec(d);
  const iso = m ? isoOf(builder.year, Number(m[1]), Number(m[2])) : null;
  if (iso === null) {
    throw new CalendarImportError(
      `${where}: дата дня «${d}» не читается — в этом формате она указывается как ММ.ДД (месяц, затем число), например 05.09 для 9 мая.`,
    );
  }
  const kind: Kind | undefined = ({ '1': 'off', '2': 'short', '3': 'working' } as const)[
    t as '1' | '2' | '3'
  ];
  if (kind === undefined) {
    throw new CalendarImportError(
      `${where}: тип дня t="${t}" не известен: 1 — выходной, 2 — сокращенный рабочий день, 3 — рабочий выходной.`,
    );
  }
  builder.add(iso, kind, where);
}

const CSV_KINDS: Record<string, Kind> = {
  off: 'off',
  holiday: 'off',
  выходной: 'off',
  праздник: 'off',
  нерабочий: 'off',
  working: 'working',
  work: 'working',
  рабочий: 'working',
  short: 'short',
  shortened: 'short',
  сокращенный: 'short',
  предпраздничный: 'short',
};

/** One CSV line's fields: comma or semicolon separated, with "quoted, fields". */
function csvFields(line: string, separator: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      if (i < line.length && line[i] !== separator) return null;
      fields.push(value);
      i++;
    } else {
      const end = line.indexOf(separator, i);
      const stop = end < 0 ? line.length : end;
      fields.push(line.slice(i, stop).trim());
      i = stop + 1;
    }
  }
  return fields;
}

function csvDate(value: string): string | null {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) return isoOf(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(value);
  if (m) return isoOf(Number(m[3]), Number(m[2]), Number(m[1]));
  return null;
}

/**
 * CSV: date,kind[,note] — the date as 2028-01-03 or 03.01.2028; kind is выходной (off), рабочий
 * (working: a working Saturday or Sunday) or сокращенный (short). A header line is optional. Every
 * year that appears is imported whole: its days not listed follow the five-day week.
 */
export function parseCalendarCsv(text: string, fileName: string): YearCalendar[] {
  const years = new Map<number, YearBuilder>();
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const where = `${fileName}, строка ${index + 1}`;
    if (line === '' || line.startsWith('#')) return;
    const separator = line.includes(';') && !line.includes(',') ? ';' : ',';
    const fields = csvFields(line, separator);
    if (fields === null) throw new CalendarImportError(`${where}: незакрытые кавычки.`);
    const [date = '', kindText = ''] = fields;
    if (index === 0 || years.size === 0) {
      if (/^(date|дата)$/i.test(date)) return;
    }
    const iso = csvDate(date);
    if (iso === null) {
      throw new CalendarImportError(
        `${where}: дата «${date}» не читается; укажите ее как 2028-01-03 или 03.01.2028.`,
      );
    }
    const kind = CSV_KINDS[kindText.toLowerCase().replace(/ё/g, 'е')];
    if (kind === undefined) {
      throw new CalendarImportError(
        `${where}: вид дня «${kindText}» не известен; укажите выходной, рабочий (для рабочей субботы или воскресенья) или сокращенный.`,
      );
    }
    const year = checkYear(iso.slice(0, 4), where);
    let builder = years.get(year);
    if (!builder) {
      builder = new YearBuilder(year, `файл ${fileName}`);
      years.set(year, builder);
    }
    builder.add(iso, kind, where);
  });
  if (years.size === 0) {
    throw new CalendarImportError(
      `${fileName}: в файле нет ни одного дня (ожидаются строки «дата,вид[,примечание]»).`,
    );
  }
  return [...years.values()].map((b) => b.build()).sort((a, b) => a.year - b.year);
}

/** XML when the file starts with «<», CSV otherwise. */
export function parseCalendarFile(text: string, fileName: string): YearCalendar[] {
  if (new TextEncoder().encode(text).length > MAX_CALENDAR_BYTES) {
    throw new CalendarImportError(
      `${fileName}: файл слишком большой для производственного календаря (больше 1 МБ).`,
    );
  }
  if (text.includes('\u0000'))
    throw new CalendarImportError(`${fileName}: это двоичный файл, а нужен XML или CSV.`);
  const body = text.replace(/^\ufeff/, '').trimStart();
  return body.startsWith('<') ? parseCalendarXml(body, fileName) : parseCalendarCsv(body, fileName);
}
