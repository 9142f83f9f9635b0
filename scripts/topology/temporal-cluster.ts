// The Temporal half of the topology: certificates, a private PostgreSQL, Temporal's schema, the
// server on mTLS, the namespace and the search attributes. startTopology builds Svodka on it; the
// bench measures a quarter on it against the dev server.
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveTemporalCli } from '../../worker/temporal-cli';
import { makeCerts } from './certs';
import type { Certs } from './certs';
import { ensureRole, startPostgres } from './postgres';
import type { Postgres } from './postgres';
import type { ServiceProcess } from './process';
import { temporalBinaries } from './temporal-build';
import {
  applyTemporalSchema,
  setupNamespace,
  startTemporalServer,
  temporalPorts,
  temporalServerEnv,
} from './temporal-server';

export type TemporalCluster = {
  address: string;
  certs: Certs;
  postgres: Postgres;
  temporal: ServiceProcess;
  metricsUrl: string;
  /** TEMPORAL_ADDRESS and TEMPORAL_TLS_* for a client of it. */
  clientEnv: Record<string, string>;
};

export async function startTemporalCluster(o: {
  stateDir: string;
  logDir: string;
  log: (line: string) => void;
  passwords: { postgres: string; temporal: string };
  postgresPort?: number;
  temporalPort?: number;
  /** Each process as it comes up, for the caller to stop in reverse order. */
  keep: (proc: ServiceProcess) => void;
  onUnexpectedExit?: (name: string) => void;
}): Promise<TemporalCluster> {
  // PostgreSQL runs as its own user and must walk into the state directory.
  mkdirSync(o.stateDir, { recursive: true });
  chmodSync(o.stateDir, 0o755);
  const certs = makeCerts(path.join(o.stateDir, 'certs'));
  o.log(`Сертификаты mTLS: ${certs.dir} (CA, сервер «${certs.serverName}», клиент svodka)`);
  const postgres = await startPostgres({
    dir: path.join(o.stateDir, 'postgresql'),
    logDir: o.logDir,
    port: o.postgresPort,
    superuserPassword: o.passwords.postgres,
    onUnexpectedExit: o.onUnexpectedExit,
  });
  o.keep(postgres.process);
  await ensureRole(postgres.superuserUrl, {
    name: 'temporal',
    password: o.passwords.temporal,
    createdb: true,
  });

  const bin = await temporalBinaries({ log: o.log });
  const sql = { host: '127.0.0.1', port: postgres.port, user: 'temporal', password: o.passwords.temporal };
  const schemaStarted = Date.now();
  await applyTemporalSchema(bin, sql, path.join(o.stateDir, 'postgresql'));
  o.log(
    `Схема Temporal: применена его инструментом sql за ${((Date.now() - schemaStarted) / 1000).toFixed(1)} с`,
  );
  const ports = await temporalPorts(o.temporalPort);
  const address = `127.0.0.1:${ports.frontend}`;
  const temporal = await startTemporalServer({
    bin,
    env: temporalServerEnv({ sql, certs, ports }),
    address,
    tls: {
      clientCertPair: { crt: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) },
      serverRootCACertificate: readFileSync(certs.ca),
      serverNameOverride: certs.serverName,
    },
    logDir: o.logDir,
    onUnexpectedExit: o.onUnexpectedExit,
  });
  o.keep(temporal);
  const cli = resolveTemporalCli({ log: o.log });
  if (!cli.path) throw new Error('нет Temporal CLI (.temporal/bin/temporal ставится при npm install)');
  await setupNamespace({ cli: cli.path, address, certs, namespace: 'default' });
  const metricsUrl = `http://127.0.0.1:${ports.metrics}/metrics`;
  o.log(
    `Temporal: ${address} (mTLS), PostgreSQL; пространство default, хранение 400 дней; метрики ${metricsUrl}`,
  );
  return {
    address,
    certs,
    postgres,
    temporal,
    metricsUrl,
    clientEnv: {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TLS_CERT: certs.clientCert,
      TEMPORAL_TLS_KEY: certs.clientKey,
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: certs.serverName,
    },
  };
}
