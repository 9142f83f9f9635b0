// vitest's global set-up: before any test runs, every system program the suite needs is checked.
// A missing one stops the run here with one line naming its Debian package — never a half-run
// suite. Without TEST_POSTGRES_URL a private PostgreSQL cluster is started for the run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresBinDir, startPostgresCluster } from '../../scripts/lib/postgres-cluster';
import type { PostgresCluster } from '../../scripts/lib/postgres-cluster';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

type Requirement = { what: string; pkg: string; present: () => boolean };

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

export const REQUIREMENTS: Requirement[] = [
  { what: 'LibreOffice (soffice)', pkg: 'libreoffice-writer-nogui', present: () => onPath('soffice') },
  {
    what: 'pdftoppm и pdftotext',
    pkg: 'poppler-utils',
    present: () => onPath('pdftoppm') && onPath('pdftotext'),
  },
  {
    what: 'Chromium',
    pkg: 'chromium',
    present: () => existsSync(process.env.SVODKA_CHROMIUM || '/usr/bin/chromium'),
  },
  {
    what: 'Dovecot IMAP',
    pkg: 'dovecot-imapd',
    present: () => existsSync(process.env.DOVECOT_BINARY || '/usr/sbin/dovecot'),
  },
  {
    what: 'PostgreSQL',
    pkg: 'postgresql',
    present: () => Boolean(process.env.TEST_POSTGRES_URL) || postgresBinDir() !== null,
  },
  { what: 'nginx', pkg: 'nginx', present: () => onPath('nginx') || existsSync('/usr/sbin/nginx') },
];

/** One line per missing program, naming the package; empty when all are there. */
export function missingPrograms(requirements: Requirement[] = REQUIREMENTS): string[] {
  return requirements.filter((r) => !r.present()).map((r) => `нет ${r.what}: apt-get install -y ${r.pkg}`);
}

// Not stack.ts's freePort: that module loads the worker, which the set-up process does not need.
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let cluster: PostgresCluster | null = null;
let clusterDir: string | null = null;

export async function setup(): Promise<void> {
  const missing = missingPrograms();
  if (missing.length > 0) {
    const all = REQUIREMENTS.map((r) => r.pkg).join(' ');
    throw new Error(
      `Тестам не хватает системных программ:\n${missing.join('\n')}\n` +
        `Все сразу: apt-get install -y ${all}`,
    );
  }
  if (!process.env.TEST_POSTGRES_URL) {
    clusterDir = mkdtempSync(path.join(os.tmpdir(), 'svodka-pg-'));
    cluster = startPostgresCluster({ dir: clusterDir, port: await freePort() });
    // Test files run in forked processes that inherit this environment.
    process.env.TEST_POSTGRES_URL = cluster.url;
  }
}

export async function teardown(): Promise<void> {
  cluster?.stop();
  if (clusterDir) rmSync(clusterDir, { recursive: true, force: true });
}
