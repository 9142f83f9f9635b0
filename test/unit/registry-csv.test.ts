// The registry file: read whole or not at all, every bad line named in Russian; written so that it
// reads back the same and opens in Excel without running anything.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRegistryCsv, parseRegistryCsv } from '../../domain/registry/csv';
import type { RegistryRow } from '../../domain/registry/csv';
import { defaultSectionTitle, regionGenitive } from '../../domain/registry/region';
import { composeEmail } from '../../domain/emails';
import { SMOLENSK_MUNICIPALITIES, SMOLENSK_REGION } from '../../domain/registry/smolensk';
import { readSeed } from '../../infrastructure/registry/seed';

const rows = (text: string): RegistryRow[] => {
  const r = parseRegistryCsv(text);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.rows;
};
const errors = (text: string): string[] => {
  const r = parseRegistryCsv(text);
  if (r.ok) throw new Error('accepted');
  return r.errors;
};

describe('parseRegistryCsv', () => {
  it('reads «,» and «;» files, a BOM, CRLF, quoted cells with separators, quotes and line breaks', () => {
    const comma = rows('\uFEFFcode,name,email\r\ntver,"город Тверь, областной центр",tver@mo.example.ru\r\n');
    expect(comma).toEqual([
      expect.objectContaining({
        line: 2,
        code: 'tver',
        name: 'город Тверь, областной центр',
        email: 'tver@mo.example.ru',
      }),
    ]);
    const semi = rows(
      'code;name;email;head_name\nrzhev;"Ржевский ""округ""";r@mo.example.ru;"Иванов; Иван"\n\nstaritsa;Старицкий;s@mo.example.ru;\n',
    );
    expect(semi.map((r) => [r.line, r.code, r.name, r.headName])).toEqual([
      [2, 'rzhev', 'Ржевский "округ"', 'Иванов; Иван'],
      [4, 'staritsa', 'Старицкий', null],
    ]);
  });

  it('names every bad line and returns no rows at all', () => {
    const text = [
      'code,name,email,head_email,status,merged_into',
      'good,Хороший район,good@mo.example.ru,,,',
      'Плохой,,not-an-address,also bad,,',
      'good,Повтор,x@mo.example.ru,,,',
      'formula,=HYPERLINK("http://evil"),f@mo.example.ru,,,',
      'lost,Потерянный,l@mo.example.ru,,закрыто,',
      'merged,Присоединенный,m@mo.example.ru,,,good',
    ].join('\n');
    const found = errors(text);
    expect(found).toHaveLength(5);
    expect(found[0]).toMatch(
      /^Строка 3: код «Плохой» не подходит.*не указано поле «название».*адрес «not-an-address» не похож.*адрес главы «also bad»/,
    );
    expect(found[1]).toBe('Строка 4: код «good» уже был в строке 2.');
    expect(found[2]).toMatch(/^Строка 5: поле «название» начинается с «=»: так начинаются формулы/);
    expect(found[3]).toMatch(/^Строка 6: состояние «закрыто» не подходит/);
    expect(found[4]).toMatch(/^Строка 7: присоединенное муниципальное образование должно быть выведено/);
  });

  it('refuses a file without the required columns, with unknown ones, or with no rows', () => {
    expect(errors('code,name\nx,X\n')).toEqual(['Строка 1: нет обязательных столбцов email.']);
    expect(errors('code,name,email,phone\n')[0]).toMatch(/^Строка 1: неизвестные столбцы «phone»/);
    expect(errors('code,name,email\n')).toEqual([
      'В файле реестра нет ни одного муниципального образования.',
    ]);
    expect(errors('')[0]).toMatch(/^Файл реестра пуст/);
    expect(errors('code,name,email,head_name\na,A,a@b.ru,"Иванов\nИван"\n')).toEqual([
      'Строка 2: в поле «глава» есть управляющие символы.',
    ]);
    expect(errors('code,name,email\na,A,a@b.ru,extra\n')[0]).toMatch(
      /^Строка 2: значений \(4\) больше, чем столбцов \(3\)/,
    );
  });

  it('writes what it reads: the export of a registry imports back to the same registry', () => {
    const before: Omit<RegistryRow, 'line'>[] = [
      {
        code: 'a',
        name: 'Район «А», с запятой',
        sectionTitle: 'Заголовок "в кавычках"',
        email: 'a@mo.example.ru',
        headEmail: null,
        headName: 'Петров П. П.',
        retired: false,
        mergedInto: null,
      },
      {
        code: 'b',
        name: 'Район Б',
        sectionTitle: '',
        email: 'b@mo.example.ru',
        headEmail: 'glava@b.ru',
        headName: null,
        retired: true,
        mergedInto: 'a',
      },
    ];
    const text = formatRegistryCsv(before);
    expect(
      text.startsWith('\uFEFFcode,name,section_title,email,head_email,head_name,status,merged_into\r\n'),
    ).toBe(true);
    expect(rows(text).map(({ line: _line, ...r }) => r)).toEqual(before);
  });
});

describe('the seed', () => {
  it('is the Smolensk registry of the reference: 27 municipalities, names, section titles and order', () => {
    const seed = readSeed();
    expect(seed.name).toBe(SMOLENSK_REGION.name);
    expect(seed.genitive).toBe(SMOLENSK_REGION.genitive);
    expect(seed.rows.map((r) => [r.code, r.name, r.sectionTitle, r.email, r.headEmail])).toEqual(
      SMOLENSK_MUNICIPALITIES.map((m) => [m.code, m.name, m.sectionTitle, m.email, m.headEmail]),
    );
  });

  it('is the only place outside tests that names the region', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const seedText = readFileSync(path.join(root, 'prisma/seed/region.json'), 'utf8');
    expect(seedText).toContain('Смоленская область');
    const product = [
      'activities',
      'application',
      'client',
      'domain',
      'infrastructure',
      'worker',
      'workflows',
      'bench',
      'scripts',
    ]
      .flatMap((dir) =>
        readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) =>
          path.join(dir, f),
        ),
      )
      .filter((f) => f.endsWith('.ts') && f !== path.join('domain', 'registry', 'smolensk.ts'));
    expect(product.length).toBeGreaterThan(100);
    for (const file of product) {
      const text = readFileSync(path.join(root, file), 'utf8');
      expect(text, file).not.toMatch(/Смоленск/);
      expect(text, file).not.toMatch(/registry\/smolensk/);
    }
  });
});

describe('regionGenitive', () => {
  it('forms the genitive for the titles of the common shapes, and says when it cannot', () => {
    expect(regionGenitive('Тверская область')).toBe('Тверской области');
    expect(regionGenitive('Смоленская область')).toBe(SMOLENSK_REGION.genitive);
    expect(regionGenitive('Пермский край')).toBe('Пермского края');
    expect(regionGenitive('Республика Карелия')).toBe('Республики Карелия');
    expect(regionGenitive('Москва')).toBeNull();
    expect(defaultSectionTitle('Ржевский район', 'Тверской области')).toBe(
      'Муниципальное образование «Ржевский район» Тверской области',
    );
  });
});

describe('the region in emails', () => {
  it('closes every email with the region’s name the activity gives', () => {
    const facts = {
      quarter: '2031-Q1',
      quarterPhrase: 'в I квартале 2031 года',
      municipalityName: 'город Тверь',
      deadline: '2031-04-10',
      portalUrl: null,
    };
    expect(composeEmail('request', { ...facts, region: 'Тверская область' }).text).toMatch(
      /Svodka — сбор сведений о мероприятиях в международной сфере · Тверская область\.\nПисьмо сформировано автоматически\.$/,
    );
    expect(composeEmail('reminder', facts).text).not.toContain(' · ');
  });
});
