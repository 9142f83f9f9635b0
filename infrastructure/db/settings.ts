// Where the embedded defaults keep their files, and which database Svodka talks to.
// Every setting comes from the environment of DESIGN.md; everything is optional.
import path from 'node:path';

export type DatabaseProvider = 'sqlite' | 'postgresql';

export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.SVODKA_DATA_DIR || 'data');
}

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  return `file:${path.join(dataDir(env), 'svodka.db')}`;
}

export function databaseProvider(url: string): DatabaseProvider {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgresql';
  if (url.startsWith('file:')) return 'sqlite';
  throw new Error(
    `DATABASE_URL должен начинаться с file: (SQLite) или postgresql:// (PostgreSQL), получено: ${url}`,
  );
}

/** The SQLite file path of a file: URL, resolved against the working directory. */
export function sqlitePath(url: string): string {
  return path.resolve(url.slice('file:'.length));
}
