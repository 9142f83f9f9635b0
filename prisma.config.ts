// Prisma CLI configuration: the JavaScript schema engine (no binary to download) with the driver
// adapter that DATABASE_URL names. SQLite is the embedded default under SVODKA_DATA_DIR.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { databaseProvider, databaseUrl, sqlitePath } from './infrastructure/db/settings';

const url = databaseUrl();
const provider = databaseProvider(url);
const base = provider === 'sqlite' ? 'prisma' : 'prisma/postgresql';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(base, 'schema.prisma'),
  migrations: { path: path.join(base, 'migrations') },
  async adapter() {
    if (provider === 'postgresql') {
      const { PrismaPg } = await import('@prisma/adapter-pg');
      return new PrismaPg({ connectionString: url });
    }
    const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
    return new PrismaBetterSQLite3({ url: `file:${sqlitePath(url)}` });
  },
});
