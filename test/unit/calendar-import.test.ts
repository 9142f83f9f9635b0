// Reading production calendars from files: the XML of xmlcalendar.ru / КонсультантПлюс and CSV.
// Bad files get a Russian message that says where and what, and nothing half-read comes back.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CalendarImportError, parseCalendarFile } from '../../infrastructure/calendar-import';
import { RU_YEARS } from '../../domain/calendar/russia';
import { isWorkingDay, workingCalendarOf, workingDaysInYear } from '../../domain/calendar/working-days';

const fixture = (name: string) =>
  readFileSync(path.join(import.meta.dirname, '../fixtures/calendar', name), 'utf8');

function refused(text: string, name = 'календарь.xml'): string {
  try {
    parseCalendarFile(text, name);
  } catch (err) {
    expect(err).toBeInstanceOf(CalendarImportError);
    return (err as Error).message;
  }
  throw new Error('the file was accepted');
}

const xml = (days: string, attrs = 'year="2028" lang="ru" country="ru"') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<calendar ${attrs}><holidays/><days>${days}</days></calendar>`;

describe('XML (xmlcalendar.ru format)', () => {
  it('reads 2024 exactly as the shipped calendar has it', () => {
    const [y] = parseCalendarFile(fixture('xmlcalendar-2024.xml'), 'xmlcalendar-2024.xml');
    const shipped = RU_YEARS.find((c) => c.year === 2024)!;
    expect(y!.year).toBe(2024);
    expect(y!.kind).toBe('imported');
    expect(y!.source).toBe('файл xmlcalendar-2024.xml (календарь от 2023.08.15)');
    expect(y!.daysOff).toEqual(shipped.daysOff);
    expect(y!.workingWeekends).toEqual(shipped.workingWeekends);
    expect(y!.shortened).toEqual(['2024-02-22', '2024-03-07', '2024-05-08', '2024-06-11']);
    const cal = workingCalendarOf([y!]);
    expect(workingDaysInYear(2024, cal)).toBe(248);
    expect(isWorkingDay('2024-05-09', cal)).toBe(false);
    expect(isWorkingDay('2024-12-28', cal)).toBe(true);
  });

  it('reads days as MM.DD and says so when a file has them the other way round', () => {
    expect(parseCalendarFile(xml('<day d="05.09" t="1"/>'), 'a.xml')[0]!.daysOff).toEqual(['2028-05-09']);
    expect(refused(xml('<day d="23.02" t="1"/>'))).toMatch(/дата дня «23\.02» не читается — .*ММ\.ДД/);
    expect(refused(xml('<day d="02.30" t="1"/>'))).toMatch(/«02\.30» не читается/);
  });

  it('refuses unknown day types, working weekdays and contradictions', () => {
    expect(refused(xml('<day d="01.01" t="5"/>'))).toMatch(/тип дня t="5" не известен: 1 — выходной/);
    expect(refused(xml('<day d="01.03" t="3"/>'))).toMatch(/03\.01\.2028 — будний день, он и так рабочий/);
    expect(refused(xml('<day d="01.03" t="1"/><day d="01.03" t="2"/>'))).toMatch(
      /день 03\.01\.2028 указан дважды — и как выходной, и как сокращенный/,
    );
    expect(refused(xml('<day t="1"/>'))).toMatch(/должны быть атрибуты d \(ММ\.ДД\) и t/);
  });

  it('refuses what is not a Russian production calendar', () => {
    expect(refused('<html><body>календарь</body></html>')).toMatch(
      /корневой элемент <html>, а должен быть <calendar>/,
    );
    expect(refused(xml('<day d="01.01" t="1"/>', 'year="2028" country="by"'))).toMatch(
      /календарь другой страны/,
    );
    expect(refused(xml('<day d="01.01" t="1"/>', 'country="ru"'))).toMatch(/нет атрибута year/);
    expect(refused(xml('<day d="01.01" t="1"/>', 'year="28"'))).toMatch(/год «28» не похож на год/);
    expect(refused(xml('<day d="01.01" t="1"/>', 'year="1812"'))).toMatch(/год 1812 вне допустимых пределов/);
    expect(refused(xml(''))).toMatch(/В календаре на 2028 год нет ни одного дня/);
  });

  it('says a broken file is not XML, with the line', () => {
    expect(refused('<calendar year="2028"><days><day d="01.01" t="1"></days></calendar>')).toBe(
      'календарь.xml: файл не читается как XML — строка 1, позиция 56: закрывающий тег не соответствует открытому.',
    );
    expect(refused('<calendar year="2028">\n<days>\n')).toMatch(
      /строка 3, позиция \d+: не закрыт элемент <days>/,
    );
  });

  it('refuses DOCTYPE, so entity expansion (billion laughs, external entities) never starts', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE calendar [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      '<calendar year="2028" country="ru"><days><day d="01.01" t="1"/></days><x>&b;</x></calendar>';
    expect(refused(laughs)).toMatch(/есть объявление DOCTYPE — такие файлы не принимаются/);
    const external =
      '<?xml version="1.0"?><!DOCTYPE calendar [<!ENTITY x SYSTEM "file:///etc/passwd">]><calendar year="2028">&x;</calendar>';
    expect(refused(external)).toMatch(/DOCTYPE/);
  });

  it('refuses files far larger than a calendar and binary files', () => {
    expect(refused(`<calendar year="2028">${' '.repeat(1_000_001)}</calendar>`)).toMatch(/слишком большой/);
    expect(refused('PK\u0003\u0004\u0000\u0000', 'календарь.xlsx')).toMatch(
      /двоичный файл, а нужен XML или CSV/,
    );
  });
});

describe('CSV', () => {
  it('reads date,kind,note with a header, quoted notes and every year it meets', () => {
    const [y] = parseCalendarFile(fixture('ru-2028.csv'), 'ru-2028.csv');
    expect(y!.year).toBe(2028);
    expect(y!.daysOff).toContain('2028-01-10');
    expect(y!.daysOff).toContain('2028-11-06');
    expect(y!.workingWeekends).toEqual(['2028-12-30']);
    const cal = workingCalendarOf([y!]);
    expect(isWorkingDay('2028-01-10', cal)).toBe(false);
    expect(isWorkingDay('2028-12-30', cal)).toBe(true);
  });

  it('accepts semicolons, DD.MM.YYYY, a BOM, ё and several years', () => {
    const years = parseCalendarFile(
      '\ufeff03.01.2028;выходной\r\n04.11.2029;Выходной\n2029-12-29;рабочий;суббота\n2028-12-29;сокращённый\n',
      'x.csv',
    );
    expect(years.map((y) => [y.year, y.daysOff, y.workingWeekends, y.shortened])).toEqual([
      [2028, ['2028-01-03'], [], ['2028-12-29']],
      [2029, ['2029-11-04'], ['2029-12-29'], []],
    ]);
  });

  it('names the line and the fault', () => {
    expect(refused('дата,вид\n2028-13-01,выходной\n', 'к.csv')).toBe(
      'к.csv, строка 2: дата «2028-13-01» не читается; укажите ее как 2028-01-03 или 03.01.2028.',
    );
    expect(refused('2028-01-03,отгул\n', 'к.csv')).toMatch(/^к\.csv, строка 1: вид дня «отгул» не известен/);
    expect(refused('2028-01-03,выходной,"без конца\n', 'к.csv')).toBe('к.csv, строка 1: незакрытые кавычки.');
    expect(refused('дата,вид\n', 'к.csv')).toMatch(/в файле нет ни одного дня/);
    expect(refused('', 'к.csv')).toMatch(/в файле нет ни одного дня/);
    expect(refused('2028-01-03,рабочий\n', 'к.csv')).toMatch(/будний день, он и так рабочий/);
  });
});
