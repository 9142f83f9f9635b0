// Which region an installation serves, from the database: its name goes into every title, email
// and page. One installation may hold several regions (`registry import --region`), each running its
// own quarters. The home region — SVODKA_REGION (its name or code), otherwise the first one set up —
// keeps the bare quarter keys ("2024-Q2") it always had; the others' keys carry their code
// ("2024-Q2.kaluga", domain/quarter.ts).
import { formatQuarterKey, parseQuarterKey } from '../../domain/quarter';
import type { Db } from '../db/client';

export type RegionRecord = { id: number; name: string; genitive: string; code: string | null };

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
    ? ((await db.region.findUnique({ where: { name: wanted } })) ??
      (await db.region.findUnique({ where: { code: wanted.toLowerCase() } })))
    : await db.region.findFirst({ orderBy: { id: 'asc' } });
  if (region) return record(region);
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

function record(r: RegionRecord): RegionRecord {
  return { id: r.id, name: r.name, genitive: r.genitive, code: r.code };
}

async function knownCodes(db: RegionReader): Promise<string> {
  const codes = (await db.region.findMany({ orderBy: { id: 'asc' }, select: { code: true } }))
    .map((r) => r.code)
    .filter((c): c is string => c !== null);
  return codes.length ? `; коды регионов установки: ${codes.join(', ')}` : '';
}

/** The region by its code in quarter keys, or a Russian refusal naming the codes there are. */
export async function regionByCode(db: RegionReader, code: string): Promise<RegionRecord> {
  const region = await db.region.findUnique({ where: { code: code.trim().toLowerCase() } });
  if (region) return record(region);
  throw new RegionNotFoundError(`Региона с кодом «${code}» в установке нет${await knownCodes(db)}.`);
}

/** The region a quarter key names: its code, or the home region for a bare period. */
export async function regionOfQuarter(db: RegionReader, quarter: string): Promise<RegionRecord> {
  const { region } = parseQuarterKey(quarter);
  return region ? regionByCode(db, region) : currentRegion(db);
}

/**
 * The one key of a quarter: "2024-Q2.smolensk" for the home region is "2024-Q2", so the same quarter
 * never runs twice under two names. `region` (a code, `--region`) qualifies a bare period; a key
 * that names another region than `region` is refused.
 */
export async function canonicalQuarterKey(
  db: RegionReader,
  quarter: string,
  region?: string | null,
): Promise<string> {
  const key = parseQuarterKey(quarter);
  const wanted = region?.trim().toLowerCase() || null;
  if (wanted && key.region && key.region !== wanted)
    throw new RegionNotFoundError(
      `Квартал «${quarter}» относится к региону «${key.region}», а указан регион «${wanted}».`,
    );
  const code = key.region ?? wanted;
  if (!code) return formatQuarterKey(key);
  const named = await regionByCode(db, code);
  const home = await currentRegion(db);
  return formatQuarterKey({ period: key.period, region: named.id === home.id ? null : code });
}

/** A region's code as quarter keys and schedule ids carry it: null for the home region. */
export async function keyRegionCode(db: RegionReader, code: string | null | undefined): Promise<string | null> {
  if (!code?.trim()) return null;
  const named = await regionByCode(db, code);
  return named.id === (await currentRegion(db)).id ? null : named.code;
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
