// The Temporal server on PostgreSQL: schema applied by Temporal's own `sql` tool, the server started
// with deploy/temporal/config.yaml (the file docker-compose.yml mounts), the frontend on mTLS, then
// the namespace and Svodka's search attributes registered with the Temporal CLI.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitForTemporal } from '../../worker/dev-server';
import { SEARCH_ATTRIBUTES } from '../../workflows/api';
import type { Certs } from './certs';
import { freeLowPort, freePort, startProcess, until } from './process';
import type { ServiceProcess } from './process';
import type { TemporalBinaries } from './temporal-build';

const run = promisify(execFile);

export const TEMPORAL_CONFIG = path.resolve(import.meta.dirname, '../../deploy/temporal/config.yaml');
export const TEMPORAL_DYNAMIC_CONFIG = path.resolve(
  import.meta.dirname,
  '../../deploy/temporal/dynamicconfig.yaml',
);
/** Longer than a quarter's life (collection, corrections, sign-off, the audit that follows). */
export const NAMESPACE_RETENTION = '400d';

export type SqlSettings = { host: string; port: number; user: string; password: string };

const sqlEnv = (s: SqlSettings): NodeJS.ProcessEnv => ({
  SQL_PLUGIN: 'postgres12',
  SQL_HOST: s.host,
  SQL_PORT: String(s.port),
  SQL_USER: s.user,
  SQL_PASSWORD: s.password,
});

/** create-database, setup-schema -v 0.0 (first time only), update-schema: for both databases. */
export async function applyTemporalSchema(
  bin: TemporalBinaries,
  sql: SqlSettings,
  stateDir: string,
): Promise<void> {
  const env = { ...process.env, ...sqlEnv(sql) };
  for (const [db, schema] of [
    ['temporal', 'postgresql/v12/temporal'],
    ['temporal_visibility', 'postgresql/v12/visibility'],
  ] as const) {
    const marker = path.join(stateDir, `${db}.schema-initialised`);
    if (!existsSync(marker)) {
      await run(bin.sql, ['--db', db, 'create-database'], { env }).catch((err: { stderr?: string }) => {
        if (!/already exists/.test(err.stderr ?? '')) throw err;
      });
      await run(bin.sql, ['--db', db, 'setup-schema', '-v', '0.0'], { env });
      writeFileSync(marker, new Date().toISOString());
    }
    // Idempotent: a newer server's schema versions are applied on the next start.
    await run(bin.sql, ['--db', db, 'update-schema', '--schema-name', schema], { env });
  }
}

export type TemporalPorts = {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
};

export async function temporalPorts(frontend?: number): Promise<TemporalPorts> {
  return {
    frontend: frontend ?? (await freePort()),
    frontendHttp: await freePort(),
    frontendMembership: await freeLowPort(),
    history: await freePort(),
    historyMembership: await freeLowPort(),
    matching: await freePort(),
    matchingMembership: await freeLowPort(),
    worker: await freePort(),
    workerMembership: await freeLowPort(),
    metrics: await freePort(),
  };
}

/** The environment deploy/temporal/config.yaml is rendered with (docker-compose sets the same names). */
export function temporalServerEnv(o: {
  sql: SqlSettings;
  certs: Certs;
  ports: TemporalPorts;
}): Record<string, string> {
  return {
    ...(sqlEnv(o.sql) as Record<string, string>),
    TEMPORAL_TLS_SERVER_CERT: o.certs.serverCert,
    TEMPORAL_TLS_SERVER_KEY: o.certs.serverKey,
    TEMPORAL_TLS_CA: o.certs.serverCa,
    TEMPORAL_TLS_SERVER_NAME: o.certs.serverName,
    TEMPORAL_BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    TEMPORAL_DYNAMIC_CONFIG: TEMPORAL_DYNAMIC_CONFIG,
    TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${o.ports.metrics}`,
    TEMPORAL_FRONTEND_PORT: String(o.ports.frontend),
    TEMPORAL_FRONTEND_HTTP_PORT: String(o.ports.frontendHttp),
    TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(o.ports.frontendMembership),
    TEMPORAL_HISTORY_PORT: String(o.ports.history),
    TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(o.ports.historyMembership),
    TEMPORAL_MATCHING_PORT: String(o.ports.matching),
    TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(o.ports.matchingMembership),
    TEMPORAL_WORKER_PORT: String(o.ports.worker),
    TEMPORAL_WORKER_MEMBERSHIP_PORT: String(o.ports.workerMembership),
  };
}

export async function startTemporalServer(o: {
  bin: TemporalBinaries;
  env: Record<string, string>;
  address: string;
  tls: {
    clientCertPair: { crt: Buffer; key: Buffer };
    serverRootCACertificate: Buffer;
    serverNameOverride: string;
  };
  logDir: string;
  onUnexpectedExit?: (name: string) => void;
}): Promise<ServiceProcess> {
  return startProcess({
    name: 'temporal',
    command: o.bin.server,
    args: ['--config-file', TEMPORAL_CONFIG, '--allow-no-auth', 'start'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...o.env },
    logDir: o.logDir,
    // Over mTLS, as every client: a frontend that answers plaintext or anyone would fail this.
    ready: (p) =>
      until(
        `Temporal frontend ${o.address} (mTLS)`,
        async () => {
          await waitForTemporal(o.address, 3_000, o.tls);
          return true;
        },
        120_000,
        p,
      ),
    onUnexpectedExit: () => o.onUnexpectedExit?.('temporal'),
  });
}

/** The Temporal CLI's connection flags for the mTLS frontend. */
export function cliTlsArgs(address: string, certs: Certs): string[] {
  return [
    '--address',
    address,
    '--tls-cert-path',
    certs.clientCert,
    '--tls-key-path',
    certs.clientKey,
    '--tls-ca-path',
    certs.ca,
    '--tls-server-name',
    certs.serverName,
  ];
}

/** The namespace (retention NAMESPACE_RETENTION) and Svodka's search attributes; idempotent. */
export async function setupNamespace(o: {
  cli: string;
  address: string;
  certs: Certs;
  namespace: string;
}): Promise<void> {
  const conn = cliTlsArgs(o.address, o.certs);
  const retry = async (what: string, fn: () => Promise<void>) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        // The first seconds after a start: «Not enough hosts», an unknown namespace until the
        // namespace cache refreshes.
        if (Date.now() > deadline)
          throw new Error(`${what}: ${(err as { stderr?: string }).stderr || String(err)}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  await retry('namespace', async () => {
    const described = await run(o.cli, [
      'operator',
      'namespace',
      'describe',
      '-n',
      o.namespace,
      ...conn,
    ]).then(
      () => true,
      () => false,
    );
    if (described) {
      await run(o.cli, [
        'operator',
        'namespace',
        'update',
        '-n',
        o.namespace,
        '--retention',
        NAMESPACE_RETENTION,
        ...conn,
      ]);
      return;
    }
    await run(o.cli, [
      'operator',
      'namespace',
      'create',
      '-n',
      o.namespace,
      '--retention',
      NAMESPACE_RETENTION,
      ...conn,
    ]);
  });
  for (const name of SEARCH_ATTRIBUTES) {
    await retry(`search attribute ${name}`, async () => {
      const list = await run(o.cli, ['operator', 'search-attribute', 'list', '-n', o.namespace, ...conn]);
      if (new RegExp(`\\b${name}\\b`).test(list.stdout)) return;
      await run(o.cli, [
        'operator',
        'search-attribute',
        'create',
        '-n',
        o.namespace,
        '--name',
        name,
        '--type',
        'Keyword',
        ...conn,
      ]);
    });
  }
}
