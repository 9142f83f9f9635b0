// Keeps the PostgreSQL schema and migrations in step with the SQLite source of truth.
// `npm run db:migration -- <name>` writes a new migration for both providers from the schema diff.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * A datamodel as Prisma 6.19's CLI reads it: it wants the datasource's `url`, which Prisma 7 no
 * longer allows in the schema (the client gets its adapter in code). The models are the same.
 */
function withUrl(text: string): string {
  return /^\s*url\s*=/m.test(text)
    ? text
    : text.replace(
        /^(\s*provider\s*=\s*"(?:sqlite|postgresql)"\s*)$/m,
        '$1\n  url      = env("DATABASE_URL")',
      );
}

function diff(provider: 'sqlite' | 'postgresql', schema: string): string {
  const snapshot = snapshotPath(provider);
  const work = mkdtempSync(path.join(tmpdir(), 'svodka-prisma-diff-'));
  try {
    const copy = (file: string, name: string) => {
      const target = path.join(work, name);
      writeFileSync(target, withUrl(readFileSync(file, 'utf8')));
      return target;
    };
    const from = existsSync(snapshot)
      ? ['--from-schema-datamodel', copy(snapshot, 'from.prisma')]
      : ['--from-empty'];
    return execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules/prisma-6-migrate/build/index.js'),
        'migrate',
        'diff',
        '--config',
        path.join(root, 'prisma/migrate-cli.config.ts'),
        ...from,
        '--to-schema-datamodel',
        copy(schema, 'to.prisma'),
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
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
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
