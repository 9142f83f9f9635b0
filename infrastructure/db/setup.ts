// `svodka db setup`: apply the migrations and seed the registry. Idempotent: a second run changes
// nothing, and a coordinator's edits to addresses are kept.
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import type { Municipality } from '../../domain/types';
import { createDb } from './client';
import { applyMigrations } from './migrate';
import { databaseProvider, databaseUrl } from './settings';

export type SetupReport = { url: string; provider: string; migrations: string; seeded: number; kept: number };

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

export async function migrate(url: string = databaseUrl()): Promise<string> {
  const applied = await applyMigrations(url);
  return applied.length === 0 ? 'уже применены' : `применены (${applied.length})`;
}

export async function seedRegistry(
  url: string = databaseUrl(),
  municipalities: Municipality[] = SMOLENSK_MUNICIPALITIES,
): Promise<{ seeded: number; kept: number }> {
  const db = await createDb(url);
  try {
    let seeded = 0;
    let kept = 0;
    for (const m of municipalities) {
      const existing = await db.municipality.findUnique({ where: { code: m.code } });
      if (existing) {
        // Names and order are the registry's; addresses belong to the coordinator once set.
        await db.municipality.update({
          where: { code: m.code },
          data: { name: m.name, sectionTitle: m.sectionTitle, position: m.position },
        });
        kept++;
        continue;
      }
      await db.municipality.create({ data: m });
      seeded++;
    }
    return { seeded, kept };
  } finally {
    await db.$disconnect();
  }
}

export async function setupDatabase(url: string = databaseUrl()): Promise<SetupReport> {
  const migrations = await migrate(url);
  const { seeded, kept } = await seedRegistry(url);
  return { url: redactUrl(url), provider: databaseProvider(url), migrations, seeded, kept };
}
