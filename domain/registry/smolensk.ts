// A test fixture: the registry of Smolensk oblast's 27 municipal formations, in region order (the
// city of Smolensk first, then the rest alphabetically by their distinctive name, so «город
// Десногорск» falls between Вяземский and Дорогобужский), for the tests that build reports without a
// database. The product reads the region and its registry from the database, seeded from
// prisma/seed/ (test/unit/registry-csv.test.ts checks the two agree, and that nothing outside the
// tests imports this file); it is due to move to test/fixtures/.

import type { Municipality } from '../types';

export { generateRegistry } from './synthetic';

export const SMOLENSK_REGION = {
  code: 'smolensk-oblast',
  name: 'Смоленская область',
  genitive: 'Смоленской области',
} as const;

type Entry = { code: string; name: string; sectionTitle?: string };

const DISTRICT = (name: string): string => `Муниципальное образование «${name}» Смоленской области`;

const ENTRIES: readonly Entry[] = [
  { code: 'smolensk', name: 'город Смоленск', sectionTitle: 'Город Смоленск' },
  { code: 'velizh', name: 'Велижский район' },
  { code: 'vyazma', name: 'Вяземский район' },
  { code: 'gagarin', name: 'Гагаринский район' },
  { code: 'glinka', name: 'Глинковский район' },
  { code: 'demidov', name: 'Демидовский район' },
  { code: 'desnogorsk', name: 'город Десногорск' },
  { code: 'dorogobuzh', name: 'Дорогобужский район' },
  { code: 'dukhovshchina', name: 'Духовщинский район' },
  { code: 'yelnya', name: 'Ельнинский район' },
  { code: 'ershichi', name: 'Ершичский район' },
  { code: 'kardymovo', name: 'Кардымовский район' },
  { code: 'krasny', name: 'Краснинский район' },
  { code: 'monastyrshchina', name: 'Монастырщинский район' },
  { code: 'novodugino', name: 'Новодугинский район' },
  { code: 'pochinok', name: 'Починковский район' },
  { code: 'roslavl', name: 'Рославльский район' },
  // Its charter name has no quotes, and the reference prints it so.
  {
    code: 'rudnya',
    name: 'Руднянский район',
    sectionTitle: 'Муниципальное образование Руднянский район Смоленской области',
  },
  { code: 'safonovo', name: 'Сафоновский район' },
  { code: 'smolensky', name: 'Смоленский район' },
  { code: 'sychevka', name: 'Сычевский район' },
  { code: 'temkino', name: 'Темкинский район' },
  { code: 'ugra', name: 'Угранский район' },
  { code: 'khislavichi', name: 'Хиславичский район' },
  { code: 'kholm-zhirkovsky', name: 'Холм-Жирковский район' },
  { code: 'shumyachi', name: 'Шумячский район' },
  { code: 'yartsevo', name: 'Ярцевский район' },
];

export const SMOLENSK_MUNICIPALITIES: Municipality[] = ENTRIES.map((e, i) => ({
  code: e.code,
  name: e.name,
  sectionTitle: e.sectionTitle ?? DISTRICT(e.name),
  position: i + 1,
  email: `${e.code}@mo.example.ru`,
  headEmail: `glava.${e.code}@mo.example.ru`,
}));
