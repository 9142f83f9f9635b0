import { describe, expect, it } from 'vitest';
import { SMOLENSK_MUNICIPALITIES, SMOLENSK_REGION, generateRegistry } from '../../domain/registry/smolensk';
import { loadReference } from '../fixtures/reference';

const DESIGN_ORDER =
  `smolensk  velizh  vyazma  gagarin  glinka  demidov  desnogorsk  dorogobuzh  dukhovshchina  yelnya
ershichi  kardymovo  krasny  monastyrshchina  novodugino  pochinok  roslavl  rudnya  safonovo
smolensky  sychevka  temkino  ugra  khislavichi  kholm-zhirkovsky  shumyachi  yartsevo`.split(/\s+/);

describe('SMOLENSK_REGION', () => {
  it('names the region', () => {
    expect(SMOLENSK_REGION).toEqual({
      code: 'smolensk-oblast',
      name: 'Смоленская область',
      genitive: 'Смоленской области',
    });
  });
});

describe('SMOLENSK_MUNICIPALITIES', () => {
  it('holds the 27 municipal formations in the region order of DESIGN.md, positions 1..27', () => {
    expect(SMOLENSK_MUNICIPALITIES.map((m) => m.code)).toEqual(DESIGN_ORDER);
    expect(SMOLENSK_MUNICIPALITIES.map((m) => m.position)).toEqual(
      Array.from({ length: 27 }, (_, i) => i + 1),
    );
  });

  it('has unique codes, names, section titles and emails', () => {
    for (const key of ['code', 'name', 'sectionTitle', 'email', 'headEmail'] as const) {
      expect(new Set(SMOLENSK_MUNICIPALITIES.map((m) => m[key])).size, key).toBe(27);
    }
  });

  it('uses the short names', () => {
    expect(SMOLENSK_MUNICIPALITIES.map((m) => m.name)).toEqual([
      'город Смоленск',
      'Велижский район',
      'Вяземский район',
      'Гагаринский район',
      'Глинковский район',
      'Демидовский район',
      'город Десногорск',
      'Дорогобужский район',
      'Духовщинский район',
      'Ельнинский район',
      'Ершичский район',
      'Кардымовский район',
      'Краснинский район',
      'Монастырщинский район',
      'Новодугинский район',
      'Починковский район',
      'Рославльский район',
      'Руднянский район',
      'Сафоновский район',
      'Смоленский район',
      'Сычевский район',
      'Темкинский район',
      'Угранский район',
      'Хиславичский район',
      'Холм-Жирковский район',
      'Шумячский район',
      'Ярцевский район',
    ]);
  });

  it('puts the city of Smolensk first and the rest alphabetically by distinctive name', () => {
    const distinctive = SMOLENSK_MUNICIPALITIES.slice(1).map((m) => m.name.replace(/^город /, ''));
    expect(distinctive).toEqual([...distinctive].sort((a, b) => a.localeCompare(b, 'ru')));
  });

  it('gives the official section titles', () => {
    const title = (code: string) => SMOLENSK_MUNICIPALITIES.find((m) => m.code === code)!.sectionTitle;
    expect(title('smolensk')).toBe('Город Смоленск');
    expect(title('desnogorsk')).toBe('Муниципальное образование «город Десногорск» Смоленской области');
    expect(title('rudnya')).toBe('Муниципальное образование Руднянский район Смоленской области');
    expect(title('vyazma')).toBe('Муниципальное образование «Вяземский район» Смоленской области');
    expect(title('kholm-zhirkovsky')).toBe(
      'Муниципальное образование «Холм-Жирковский район» Смоленской области',
    );
    const others = SMOLENSK_MUNICIPALITIES.filter(
      (m) => !['smolensk', 'desnogorsk', 'rudnya'].includes(m.code),
    );
    for (const m of others)
      expect(m.sectionTitle).toBe(`Муниципальное образование «${m.name}» Смоленской области`);
  });

  it('matches, word for word, every section title the reference prints', () => {
    const ref = loadReference();
    expect(ref.sections).toHaveLength(8);
    for (const s of ref.sections) {
      const m = SMOLENSK_MUNICIPALITIES.find((x) => x.code === s.code)!;
      expect(m.sectionTitle).toBe(s.title);
    }
    // and the reference's sections come in registry order
    const positions = ref.sections.map(
      (s) => SMOLENSK_MUNICIPALITIES.find((m) => m.code === s.code)!.position,
    );
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('has placeholder emails', () => {
    const krasny = SMOLENSK_MUNICIPALITIES.find((m) => m.code === 'krasny')!;
    expect(krasny.email).toBe('krasny@mo.example.ru');
    expect(krasny.headEmail).toBe('glava.krasny@mo.example.ru');
  });
});

describe('generateRegistry', () => {
  it('makes a synthetic registry of the requested size in order', () => {
    const registry = generateRegistry(12_345);
    expect(registry).toHaveLength(12_345);
    expect(registry[0]).toEqual({
      code: 'm00001',
      name: 'Муниципальное образование № 1',
      sectionTitle: 'Муниципальное образование № 1',
      position: 1,
      email: 'm00001@mo.example.ru',
      headEmail: 'glava.m00001@mo.example.ru',
    });
    expect(registry[12_344]!.code).toBe('m12345');
    expect(registry[12_344]!.position).toBe(12_345);
    expect(new Set(registry.map((m) => m.code)).size).toBe(12_345);
  });

  it('is deterministic and handles zero; refuses nonsense counts', () => {
    expect(generateRegistry(3)).toEqual(generateRegistry(3));
    expect(generateRegistry(0)).toEqual([]);
    expect(() => generateRegistry(-1)).toThrow(RangeError);
    expect(() => generateRegistry(2.5)).toThrow(RangeError);
  });
});

describe('reference fixture', () => {
  it('reads 8 sections, 65 events, cells with their line breaks and without Word artefacts', () => {
    const ref = loadReference();
    const rows = ref.sections.flatMap((s) => s.rows);
    expect(rows).toHaveLength(65);
    const byNumber = new Map(rows.map((r) => [r.number, r.row]));
    expect(byNumber.get(64)!.place).toBe('пос. Хиславичи');
    expect(byNumber.get(64)!.dates).toBe('6 мая\n2023 года');
    expect(byNumber.get(64)!.participants).toBe(
      'Спортивные команды Смоленской области и Могилевской области (Республика Беларусь)',
    );
    expect(byNumber.get(48)!.place).toBe('г. Вязьма,\nСмоленская область');
    expect(byNumber.get(3)!.dates).toBe('20 марта –\n28 апреля\n2023 года');
    expect(ref.headers[0]).toBe('№\nп/п');
  });
});
