// A quarter keeps the registry as it was when it opened. snapshotRegistry writes it at start (the
// region's name and its active municipalities: codes, names, section titles, order); the quarter's
// report, its pages and its lists read names and order from here ever after. Addresses are not
// frozen: a municipality's email corrected mid-quarter is where the next reminder goes, so every
// email reads the live registry's addresses.
import type { Municipality } from '../../domain/types';
import type { Db } from '../db/client';
import { regionOfQuarter, RegionNotFoundError } from './region';
import type { RegionRecord } from './region';

/** The region's municipalities that take part in quarters opened now, in region order. */
export async function activeMunicipalities(db: Db, regionId: number) {
  return db.municipality.findMany({
    where: { regionId, retiredAt: null },
    orderBy: { position: 'asc' },
  });
}

/**
 * Writes the quarter's snapshot unless it has one (a retried or repeated start keeps the first),
 * and returns its codes in region order.
 */
export async function snapshotRegistry(db: Db, quarter: string): Promise<string[]> {
  const existing = await db.quarterMunicipality.findMany({
    where: { quarter },
    orderBy: { position: 'asc' },
    select: { code: true },
  });
  if (existing.length > 0) return existing.map((r) => r.code);
  const region = await regionOfQuarter(db, quarter);
  const rows = await activeMunicipalities(db, region.id);
  if (rows.length === 0) return [];
  await db.$transaction(async (tx) => {
    // Another start may have written it between our read and now: the first one stands.
    if ((await tx.quarterRegion.count({ where: { quarter } })) > 0) return;
    await tx.quarterRegion.create({
      data: { quarter, regionId: region.id, name: region.name, genitive: region.genitive },
    });
    await tx.quarterMunicipality.createMany({
      data: rows.map((m, i) => ({
        quarter,
        code: m.code,
        name: m.name,
        sectionTitle: m.sectionTitle,
        position: i + 1,
      })),
    });
  });
  return (
    await db.quarterMunicipality.findMany({
      where: { quarter },
      orderBy: { position: 'asc' },
      select: { code: true },
    })
  ).map((r) => r.code);
}

/** The region a quarter belongs to, as named when it opened (the installation's for older quarters). */
export async function quarterRegion(
  db: Db,
  quarter: string,
): Promise<Pick<RegionRecord, 'name' | 'genitive'> & { regionId: number }> {
  const snap = await db.quarterRegion.findUnique({ where: { quarter } });
  if (snap) return { regionId: snap.regionId, name: snap.name, genitive: snap.genitive };
  const region = await regionOfQuarter(db, quarter);
  return { regionId: region.id, name: region.name, genitive: region.genitive };
}

/** The region of each quarter: as snapshotted when it opened, else as its key names it (null: none). */
export async function quarterRegionIds(db: Db, quarters: string[]): Promise<Map<string, number | null>> {
  const snaps = await db.quarterRegion.findMany({
    where: { quarter: { in: quarters } },
    select: { quarter: true, regionId: true },
  });
  const found = new Map<string, number | null>(snaps.map((s) => [s.quarter, s.regionId]));
  for (const q of quarters) {
    if (found.has(q)) continue;
    const region = await regionOfQuarter(db, q).catch((err: unknown) => {
      if (err instanceof RegionNotFoundError || (err as Error).name === 'QuarterFormatError') return null;
      throw err;
    });
    found.set(q, region?.id ?? null);
  }
  return found;
}

/**
 * The quarter's registry in its region order: names and section titles from the snapshot, addresses
 * from the live registry. A quarter started before snapshots existed reads the live registry.
 */
export async function quarterRegistry(db: Db, quarter: string): Promise<Municipality[]> {
  const snap = await db.quarterMunicipality.findMany({ where: { quarter }, orderBy: { position: 'asc' } });
  if (snap.length === 0) {
    const region = await regionOfQuarter(db, quarter).catch((err: unknown) => {
      if (err instanceof RegionNotFoundError) return null;
      throw err;
    });
    const live = await db.municipality.findMany({
      where: region ? { regionId: region.id } : {},
      orderBy: [{ regionId: 'asc' }, { position: 'asc' }],
    });
    return live.map((m, i) => ({
      code: m.code,
      name: m.name,
      sectionTitle: m.sectionTitle,
      position: i + 1,
      email: m.email,
      headEmail: m.headEmail,
    }));
  }
  const addresses = new Map<string, { email: string; headEmail: string | null }>();
  const codes = snap.map((s) => s.code);
  for (let i = 0; i < codes.length; i += 500) {
    const live = await db.municipality.findMany({
      where: { code: { in: codes.slice(i, i + 500) } },
      select: { code: true, email: true, headEmail: true },
    });
    for (const m of live) addresses.set(m.code, m);
  }
  return snap.map((s) => ({
    code: s.code,
    name: s.name,
    sectionTitle: s.sectionTitle,
    position: s.position,
    email: addresses.get(s.code)?.email ?? '',
    headEmail: addresses.get(s.code)?.headEmail ?? null,
  }));
}

/** Names of a quarter's municipalities as its snapshot holds them (live names for older quarters). */
export async function quarterNames(db: Db, quarter: string): Promise<Map<string, string>> {
  return new Map((await quarterRegistry(db, quarter)).map((m) => [m.code, m.name]));
}

type Named = { code: string; name: string; sectionTitle: string };

/** Live registry rows (their addresses) under the names the quarter's snapshot gave them. */
export async function withQuarterNames<T extends Named>(db: Db, quarter: string, rows: T[]): Promise<T[]> {
  if (rows.length === 0) return rows;
  const snap = new Map(
    (
      await db.quarterMunicipality.findMany({
        where: { quarter, code: { in: rows.map((r) => r.code) } },
        select: { code: true, name: true, sectionTitle: true },
      })
    ).map((s) => [s.code, s]),
  );
  return rows.map((r) => {
    const s = snap.get(r.code);
    return s ? { ...r, name: s.name, sectionTitle: s.sectionTitle } : r;
  });
}

export async function withQuarterName<T extends Named>(
  db: Db,
  quarter: string,
  row: T | null,
): Promise<T | null> {
  return row ? ((await withQuarterNames(db, quarter, [row]))[0] ?? null) : null;
}
