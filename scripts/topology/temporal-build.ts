// The Temporal server and its SQL schema tool, built from the Go module go.temporal.io/server
// (`cmd/server`, `cmd/tools/sql`). A cold build fetches ~3.5 GB of modules and build cache and takes
// minutes, so the binaries and the caches stay under ~/.cache/svodka and are built once per machine.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_SERVER_VERSION = 'v1.32.1';
const MODULE = 'go.temporal.io/server';

export type TemporalBinaries = { dir: string; server: string; sql: string; built: boolean };

export function svodkaCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SVODKA_CACHE_DIR || path.join(os.homedir(), '.cache', 'svodka');
}

/** Where the binaries are kept: TEMPORAL_SERVER_DIR, else ~/.cache/svodka/temporal-server-<version>. */
export function temporalBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.TEMPORAL_SERVER_DIR || path.join(svodkaCacheDir(env), `temporal-server-${TEMPORAL_SERVER_VERSION}`)
  );
}

function goBinary(env: NodeJS.ProcessEnv): string {
  if (env.GO_BINARY) return env.GO_BINARY;
  for (const dir of (env.PATH ?? '').split(path.delimiter))
    if (dir && existsSync(path.join(dir, 'go'))) return path.join(dir, 'go');
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error(
    'Go не найден (нужен для сборки Temporal server): установите Go ≥ 1.26 или задайте GO_BINARY',
  );
}

/** The binaries, built first when they are not there yet. */
export async function temporalBinaries(o: {
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): Promise<TemporalBinaries> {
  const env = o.env ?? process.env;
  const dir = temporalBinDir(env);
  const server = path.join(dir, 'server');
  const sql = path.join(dir, 'sql');
  if (existsSync(server) && existsSync(sql)) return { dir, server, sql, built: false };
  await buildTemporal({ env, dir, log: o.log });
  return { dir, server, sql, built: true };
}

export async function buildTemporal(o: {
  env: NodeJS.ProcessEnv;
  dir: string;
  log: (line: string) => void;
}): Promise<number> {
  const go = goBinary(o.env);
  const gopath = o.env.GOPATH || path.join(svodkaCacheDir(o.env), 'go');
  const gocache = o.env.GOCACHE || path.join(gopath, 'build-cache');
  mkdirSync(path.dirname(o.dir), { recursive: true });
  // Installed beside the final directory and moved in at the end: a build cut short leaves nothing
  // that looks finished.
  const staging = mkdtempSync(`${o.dir}.build-`);
  const targets = [
    `${MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`,
    `${MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
  ];
  o.log(
    `Temporal server ${TEMPORAL_SERVER_VERSION}: собираю из Go-модулей (${targets.join(', ')}); GOPATH=${gopath}`,
  );
  o.log(
    '  холодная сборка идёт минуты и занимает ~3,5 ГБ кэша модулей и сборки; следующие запуски берут готовые файлы',
  );
  const started = Date.now();
  let downloads = 0;
  let packages = 0;
  let tail: string[] = [];
  const child = spawn(go, ['install', '-v', ...targets], {
    env: { ...o.env, GOPATH: gopath, GOCACHE: gocache, GOBIN: staging, GOFLAGS: o.env.GOFLAGS || '-mod=mod' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onLine = (line: string) => {
    if (!line) return;
    if (line.startsWith('go: downloading')) downloads++;
    else if (!line.startsWith('go:') && !line.includes(' ')) packages++;
    tail = [...tail, line].slice(-20);
  };
  let buffer = '';
  const feed = (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    lines.forEach(onLine);
  };
  child.stdout.on('data', feed);
  child.stderr.on('data', feed);
  const timer = setInterval(() => {
    o.log(
      `  сборка: ${Math.round((Date.now() - started) / 1000)} с; модулей загружено: ${downloads}, пакетов собрано: ${packages}`,
    );
  }, 30_000);
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (c) => resolve(c));
    child.once('error', () => resolve(-1));
  });
  clearInterval(timer);
  if (code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`сборка Temporal server не удалась (go install, код ${code}):\n${tail.join('\n')}`);
  }
  rmSync(o.dir, { recursive: true, force: true });
  renameSync(staging, o.dir);
  const seconds = (Date.now() - started) / 1000;
  o.log(`Temporal server собран за ${Math.floor(seconds / 60)} мин ${Math.round(seconds % 60)} с → ${o.dir}`);
  return seconds;
}
