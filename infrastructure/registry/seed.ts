// The registry an installation starts with: prisma/seed/region.json names the region and its
// registry file (prisma/seed/registry.csv, the format of `svodka registry import`). Seeded once: when
// the installation has no region yet. After that the registry is the coordinator's (CLI and portal),
// and `db setup` leaves it alone.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRegistryCsv } from '../../domain/registry/csv';
import type { RegistryRow } from '../../domain/registry/csv';
import type { Db } from '../db/client';
import { applyRegistryRows } from './apply';

export const SEED_DIR = path.resolve(import.meta.dirname, '../../prisma/seed');

export type SeedRegion = { name: string; genitive: string; code?: string; rows: RegistryRow[] };

export function readSeed(dir: string = SEED_DIR): SeedRegion {
  const meta = JSON.parse(readFileSync(path.join(dir, 'region.json'), 'utf8')) as {
    name: string;
    genitive: string;
    code?: string;
    registry: string;
  };
  const parsed = parseRegistryCsv(readFileSync(path.join(dir, meta.registry), 'utf8'));
  if (!parsed.ok) throw new Error(`Файл реестра ${meta.registry} в ${dir}:\n${parsed.errors.join('\n')}`);
  return { name: meta.name, genitive: meta.genitive, code: meta.code, rows: parsed.rows };
}

export async function seedRegistryInto(
  db: Db,
  seed: SeedRegion = readSeed(),
): Promise<{ seeded: number; kept: number }> {
  const kept = await db.municipality.count();
  if ((await db.region.count()) > 0) {
    // A region set up before regions had codes gets the seed's, so `--region` can name it.
    if (seed.code && !(await db.region.findUnique({ where: { code: seed.code } })))
      await db.region.updateMany({ where: { name: seed.name, code: null }, data: { code: seed.code } });
    return { seeded: 0, kept };
  }
  const region = await db.region.create({
    data: { name: seed.name, genitive: seed.genitive, code: seed.code ?? null },
  });
  if (kept > 0) {
    // An installation from before the registry was data: its municipalities are this region's.
    await db.municipality.updateMany({ data: { regionId: region.id } });
    return { seeded: 0, kept };
  }
  const report = await applyRegistryRows(db, region, seed.rows, new Date());
  return { seeded: report.added, kept: 0 };
}
