// One Prisma client type for both providers: the two generated clients come from the same models,
// so the PostgreSQL one is used through the SQLite one's type.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaClient } from '../../generated/prisma-sqlite/client';
import { databaseProvider, databaseUrl, sqlitePath } from './settings';

export type Db = PrismaClient;
export type { Prisma } from '../../generated/prisma-sqlite/client';

export async function createDb(url: string = databaseUrl()): Promise<Db> {
  if (databaseProvider(url) === 'postgresql') {
    const [{ PrismaClient: PgClient }, { PrismaPg }] = await Promise.all([
      import('../../generated/prisma-postgresql/client'),
      import('@prisma/adapter-pg'),
    ]);
    return new PgClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
  }
  const { PrismaBetterSQLite3 } = await import('@prisma/adapter-better-sqlite3');
  const file = sqlitePath(url);
  mkdirSync(path.dirname(file), { recursive: true });
  return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${file}` }) });
}
