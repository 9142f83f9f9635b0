// A private PostgreSQL cluster from the distribution's packages (`apt-get install -y postgresql`):
// initdb into a directory of its own, listening on one loopback port with its socket in that
// directory, trust authentication for the `postgres` superuser. The test suite starts one when
// TEST_POSTGRES_URL is not given; the production topology keeps its databases in one.
// PostgreSQL refuses to run as root, so as root the cluster belongs to the package's `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type PostgresCluster = {
  dir: string;
  port: number;
  /** postgresql://postgres@127.0.0.1:port/postgres */
  url: string;
  stop(): void;
};

/** The newest installed server's bin directory (/usr/lib/postgresql/<n>/bin), or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0]!, 'bin') : null;
}

function systemUser(name: string): { uid: number; gid: number } | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

export function startPostgresCluster(options: {
  dir: string;
  port: number;
  log?: (line: string) => void;
}): PostgresCluster {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL не установлен: apt-get install -y postgresql');
  const { dir, port } = options;
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? systemUser('postgres') : null;
  if (asRoot && !owner) throw new Error('нет системного пользователя postgres (пакет postgresql)');
  const run = (file: string, args: string[]) => {
    const r = spawnSync(file, args, {
      encoding: 'utf8',
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    });
    if (r.status !== 0) throw new Error(`${path.basename(file)} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  };
  mkdirSync(dir, { recursive: true });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    options.log?.(`PostgreSQL: initdb ${data}`);
    run(path.join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    writeFileSync(
      path.join(data, 'postgresql.auto.conf'),
      // Tests and the topology create and drop many databases; fsync buys nothing for them.
      `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nmax_connections = 200\n`,
    );
    if (owner) chownSync(path.join(data, 'postgresql.auto.conf'), owner.uid, owner.gid);
  } else {
    const conf = path.join(data, 'postgresql.auto.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^port = \d+$/m, `port = ${port}`));
  }
  run(path.join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    path.join(dir, 'postgres.log'),
    '-w',
    '-t',
    '60',
    'start',
  ]);
  options.log?.(`PostgreSQL: 127.0.0.1:${port}`);
  return {
    dir,
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      } catch {
        // already stopped
      }
    },
  };
}

/** psql as a string of SQL against a cluster's URL (for one-off set-up statements). */
export function psql(url: string, sql: string): string {
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
}
