// Which region an installation serves, from the database: its name goes into every title, email
// and page. One installation may hold several regions (`registry import --region`); SVODKA_REGION
// (the region's name) picks the one its quarters run for, otherwise the first one set up.
import type { Db } from '../db/client';

export type RegionRecord = { id: number; name: string; genitive: string };

export class RegionNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegionNotFoundError';
  }
}

type RegionReader = Pick<Db, 'region'>;

/** The region by name, or the installation's (SVODKA_REGION, else the first one set up). */
export async function currentRegion(db: RegionReader, name?: string | null): Promise<RegionRecord> {
  const wanted = name?.trim() || process.env.SVODKA_REGION?.trim() || null;
  const region = wanted
    ? await db.region.findUnique({ where: { name: wanted } })
    : await db.region.findFirst({ orderBy: { id: 'asc' } });
  if (region) return { id: region.id, name: region.name, genitive: region.genitive };
  if (wanted) {
    const known = (await db.region.findMany({ orderBy: { id: 'asc' }, select: { name: true } })).map(
      (r) => `«${r.name}»`,
    );
    throw new RegionNotFoundError(
      `Региона «${wanted}» нет в базе${known.length ? `; есть: ${known.join(', ')}` : ''}. ` +
        'Новый регион загружается из файла реестра: npx svodka registry import ФАЙЛ.csv --region "Название"',
    );
  }
  throw new RegionNotFoundError('Регион не задан: выполните «npx svodka db setup».');
}

/** The region, or null before `db setup` (pages still render, without the region's name). */
export async function regionOrNull(db: RegionReader): Promise<RegionRecord | null> {
  try {
    return await currentRegion(db);
  } catch (err) {
    if (err instanceof RegionNotFoundError) return null;
    throw err;
  }
}
