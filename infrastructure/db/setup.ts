// `svodka db setup`: apply the migrations and seed the registry. Idempotent: a second run changes
// nothing, and the coordinator's registry (names, order, addresses) is kept.
import { seedRegistryInto } from '../registry/seed';
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

/** Seeds the region and its registry from prisma/seed when the installation has none (infrastructure/registry/seed.ts). */
export async function seedRegistry(url: string = databaseUrl()): Promise<{ seeded: number; kept: number }> {
  const db = await createDb(url);
  try {
    return await seedRegistryInto(db);
  } finally {
    await db.$disconnect();
  }
}

export async function setupDatabase(url: string = databaseUrl()): Promise<SetupReport> {
  const migrations = await migrate(url);
  const { seeded, kept } = await seedRegistry(url);
  return { url: redactUrl(url), provider: databaseProvider(url), migrations, seeded, kept };
}
