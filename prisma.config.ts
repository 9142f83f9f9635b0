// Prisma CLI configuration. Svodka's CLI use is `prisma generate` (npm run setup); migrations are
// applied by infrastructure/db/migrate.ts and written by scripts/prisma-sync.ts.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { databaseProvider, databaseUrl, sqlitePath } from './infrastructure/db/settings';

const url = databaseUrl();
const provider = databaseProvider(url);
const base = provider === 'sqlite' ? 'prisma' : 'prisma/postgresql';

export default defineConfig({
  schema: path.join(base, 'schema.prisma'),
  migrations: { path: path.join(base, 'migrations') },
  datasource: { url: provider === 'sqlite' ? `file:${sqlitePath(url)}` : url },
});
