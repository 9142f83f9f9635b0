// Keeps the PostgreSQL schema and migrations in step with the SQLite source of truth.
// `npm run db:migration -- <name>` writes a new migration for both providers from the schema diff.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prismaEnv } from '../infrastructure/db/prisma-cli';
import { databaseUrl } from '../infrastructure/db/settings';

const root = path.resolve(import.meta.dirname, '..');
const sqliteSchema = path.join(root, 'prisma/schema.prisma');
const pgSchema = path.join(root, 'prisma/postgresql/schema.prisma');

export function writePostgresSchema(): void {
  const text = readFileSync(sqliteSchema, 'utf8')
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('../generated/prisma-sqlite', '../../generated/prisma-postgresql')
    .replace(
      /^\/\/ The single source[\s\S]*?\n\n/m,
      '// GENERATED from prisma/schema.prisma by scripts/prisma-sync.ts — edit that file, not this one.\n\n',
    );
  writeFileSync(pgSchema, text);
}

function migrationsDir(provider: 'sqlite' | 'postgresql'): string {
  return provider === 'sqlite'
    ? path.join(root, 'prisma/migrations')
    : path.join(root, 'prisma/postgresql/migrations');
}

/** The schema the last migration was written from; diffs start there, so no shadow database is needed. */
function snapshotPath(provider: 'sqlite' | 'postgresql'): string {
  return path.join(migrationsDir(provider), 'schema.snapshot.prisma');
}

function diff(provider: 'sqlite' | 'postgresql', schema: string): string {
  const snapshot = snapshotPath(provider);
  const from = existsSync(snapshot) ? ['--from-schema-datamodel', snapshot] : ['--from-empty'];
  return execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules/prisma/build/index.js'),
      'migrate',
      'diff',
      ...from,
      '--to-schema-datamodel',
      schema,
      '--script',
    ],
    {
      // The JS schema engine needs a live server of the provider even to diff two datamodels.
      env: prismaEnv({
        DATABASE_URL:
          provider === 'sqlite'
            ? databaseUrl()
            : (process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/postgres'),
      }),
      encoding: 'utf8',
    },
  );
}

function main(): void {
  writePostgresSchema();
  const name = process.argv[2];
  if (!name) return;
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  for (const [provider, schema] of [
    ['sqlite', sqliteSchema],
    ['postgresql', pgSchema],
  ] as const) {
    const sql = diff(provider, schema);
    const dir = path.join(migrationsDir(provider), `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'migration.sql'), sql);
    writeFileSync(path.join(migrationsDir(provider), 'migration_lock.toml'), `provider = "${provider}"\n`);
    writeFileSync(snapshotPath(provider), readFileSync(schema, 'utf8'));
    console.log(`wrote ${path.relative(root, dir)}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
