// A private PostgreSQL cluster for the topology: initdb into the state directory, the server in the
// foreground on a port and a socket directory of its own (so it never meets the machine's cluster),
// run as the `postgres` user when started as root (PostgreSQL refuses to run as root).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort, portOpen, startProcess, until } from './process';
import type { ServiceProcess } from './process';

export type Postgres = {
  host: string;
  port: number;
  superuserUrl: string;
  process: ServiceProcess;
};

/** The directory with initdb and postgres: PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function postgresBin(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BIN) return env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions[0])
    throw new Error('PostgreSQL не найден (/usr/lib/postgresql/*/bin/initdb): apt-get install -y postgresql');
  return path.join(root, versions[0], 'bin');
}

/** uid and gid of a system user, from /etc/passwd. */
export function systemUser(name: string): { uid: number; gid: number } | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

/** Root cannot run PostgreSQL: the package's `postgres` user owns and runs the cluster then. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const user = systemUser('postgres');
  if (!user) throw new Error('нет системного пользователя postgres (он приходит с пакетом postgresql)');
  return user;
}

export async function startPostgres(o: {
  dir: string;
  logDir: string;
  port?: number;
  superuserPassword: string;
  onUnexpectedExit?: (name: string) => void;
}): Promise<Postgres> {
  const bin = postgresBin();
  const user = runAs();
  const dataDir = path.join(o.dir, 'data');
  const socketDir = path.join(o.dir, 'run');
  mkdirSync(o.dir, { recursive: true });
  mkdirSync(socketDir, { recursive: true });
  if (user) {
    // Its processes must walk into the state directory and own their own parts of it.
    chmodSync(o.dir, 0o755);
    chownSync(o.dir, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
  }
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const pwfile = path.join(o.dir, 'pwfile');
    writeFileSync(pwfile, `${o.superuserPassword}\n`, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    execFileSync(
      path.join(bin, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '--pwfile',
        pwfile,
        '--auth-local=peer',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], ...(user ?? {}) },
    );
  }
  const port = o.port ?? (await freePort());
  const proc = await startProcess({
    name: 'postgresql',
    command: path.join(bin, 'postgres'),
    args: [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      socketDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
    ],
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    logDir: o.logDir,
    ...(user ?? {}),
    ready: (p) => until(`PostgreSQL на порту ${port}`, () => portOpen(port), 30_000, p),
    onUnexpectedExit: () => o.onUnexpectedExit?.('postgresql'),
  });
  return {
    host: '127.0.0.1',
    port,
    superuserUrl: `postgresql://postgres:${encodeURIComponent(o.superuserPassword)}@127.0.0.1:${port}/postgres`,
    process: proc,
  };
}

/** A login role with a password, and optionally a database it owns; idempotent. */
export async function ensureRole(
  superuserUrl: string,
  role: { name: string; password: string; createdb?: boolean; database?: string },
): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role.name]);
    const verb = exists.rowCount ? 'ALTER' : 'CREATE';
    // Identifiers are ours (constants); the password goes through format()'s literal quoting.
    const sql = await client.query(
      `SELECT format('%s ROLE %I LOGIN ${role.createdb ? 'CREATEDB' : ''} PASSWORD %L', $1::text, $2::text, $3::text) AS q`,
      [verb, role.name, role.password],
    );
    await client.query(sql.rows[0].q as string);
    if (role.database) {
      const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [role.database]);
      if (!db.rowCount) await client.query(`CREATE DATABASE "${role.database}" OWNER "${role.name}"`);
    }
  } finally {
    await client.end();
  }
}
