// Configuration for Prisma 6.19's CLI (`prisma-6-migrate` in package.json), which only
// scripts/prisma-sync.ts runs, to write a new migration: Prisma 7's migrate commands download a
// schema-engine binary at run time, and 6.19 has a JavaScript schema engine that needs none. Its
// diff runs against the driver adapter that DATABASE_URL names.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'prisma-6-migrate/config';
import { databaseProvider, databaseUrl, sqlitePath } from '../infrastructure/db/settings';

const url = databaseUrl();

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    if (databaseProvider(url) === 'postgresql') {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPg({ connectionString: url });
    }
    const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
    mkdirSync(path.dirname(sqlitePath(url)), { recursive: true });
    return new PrismaBetterSqlite3({ url: `file:${sqlitePath(url)}` });
  },
});
