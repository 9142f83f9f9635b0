// Running the Prisma CLI offline: the JavaScript schema engine needs no binary, but the CLI still
// looks for engine files and would try to download them unless these point at an existing file.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { databaseUrl } from './settings';

const root = path.resolve(import.meta.dirname, '../..');

export function prismaEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY ?? '/bin/true',
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true',
    DATABASE_URL: databaseUrl(),
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
    ...extra,
  };
}

export function runPrisma(args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(process.execPath, [path.join(root, 'node_modules/prisma/build/index.js'), ...args], {
    cwd: root,
    env: prismaEnv(env),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
