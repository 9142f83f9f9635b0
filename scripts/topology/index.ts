// The production topology as separate processes on this machine, no Docker: a private PostgreSQL;
// the Temporal server built from Go on it, frontend on mTLS; an SMTP relay on loopback; Dovecot for
// replies; and Svodka's services of services.ts (database set-up, two workers, the portal, the email
// poller), each given the variables services.ts lists and no others. `npm run topology` and
// test/topology/topology.test.ts both start it through startTopology.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateSigningKeys } from '../../infrastructure/signing';
import { startDevMailbox } from '../../worker/dev-mailbox';
import type { DevMailbox } from '../../worker/dev-mailbox';
import type { Certs } from './certs';
import { startDovecot } from './dovecot';
import type { Dovecot } from './dovecot';
import { ensureRole } from './postgres';
import { freePort, startProcess, until } from './process';
import type { ServiceProcess } from './process';
import { topologyService } from './services';
import type { TopologyService } from './services';
import { startTemporalCluster } from './temporal-cluster';

const run = promisify(execFile);
export const repoRoot = path.resolve(import.meta.dirname, '../..');

export type TopologyOptions = {
  /** Where everything is kept (databases, certificates, mail, logs); default data/topology. */
  stateDir?: string;
  log?: (line: string) => void;
  temporalPort?: number;
  postgresPort?: number;
  portalPort?: number;
  smtpPort?: number;
  /** How often the poller reads the mailbox (SVODKA_IMAP_INTERVAL_MS); default 30 s. */
  imapIntervalMs?: number;
  /** The Temporal UI for the auditor's links (SVODKA_TEMPORAL_UI_URL); default none. */
  temporalUiUrl?: string;
  /** Overrides of the Svodka variables (e.g. SVODKA_REPORT_RECIPIENTS). */
  svodkaEnv?: Record<string, string>;
};

export type Topology = {
  stateDir: string;
  temporalAddress: string;
  databaseUrl: string;
  smtpUrl: string;
  /** Where the relay keeps every email it took, one .eml file each. */
  mailDir: string;
  imap: Dovecot;
  portalUrl: string;
  certs: Certs;
  /** The CLI's environment (svodka-db-setup's: node bin/svodka.js … with it). */
  env: Record<string, string>;
  /** postgresql, temporal, svodka-worker-1, svodka-worker-2, svodka-web, svodka-mail. */
  processes: Record<string, ServiceProcess>;
  stop(): Promise<void>;
};

type Secrets = { postgres: string; temporal: string; svodka: string; imap: string; webSecret: string };

function secrets(dir: string): Secrets {
  const file = path.join(dir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  const make = () => randomBytes(18).toString('base64url');
  const s: Secrets = { postgres: make(), temporal: make(), svodka: make(), imap: make(), webSecret: make() };
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

/** Only the variables the service is meant to have, plus what any process needs to run. */
function envFor(service: TopologyService, all: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG };
  for (const name of service.env) {
    if (all[name] === undefined) throw new Error(`topology: no value for ${name} (${service.name})`);
    env[name] = all[name];
  }
  return env;
}

export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const log = options.log ?? ((line: string) => console.log(`[topology] ${line}`));
  const stateDir = path.resolve(options.stateDir ?? path.join(repoRoot, 'data', 'topology'));
  mkdirSync(stateDir, { recursive: true });
  // The services that drop to their own users (PostgreSQL, Dovecot) must walk into it.
  chmodSync(stateDir, 0o755);
  const secretDir = path.join(stateDir, 'secrets');
  mkdirSync(secretDir, { recursive: true, mode: 0o700 });
  const logDir = path.join(stateDir, 'logs');
  const pw = secrets(secretDir);
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  let stopping = false;
  const unexpected = (name: string) => {
    if (!stopping) log(`‼ ${name} завершился сам; журнал: ${path.join(logDir, `${name}.log`)}`);
  };
  const stopAll = async () => {
    stopping = true;
    for (const s of [...stops].reverse()) {
      await s.stop().catch((err) => log(`  ${s.name}: при остановке ${String(err)}`));
      log(`  остановлен: ${s.name}`);
    }
  };
  const processes: Record<string, ServiceProcess> = {};
  const keep = (proc: ServiceProcess) => {
    processes[proc.name] = proc;
    stops.push({ name: proc.name, stop: () => proc.stop() });
  };

  try {
    const signingKey = path.join(secretDir, 'signing.pem');
    const verifyKey = path.join(secretDir, 'verify.pem');
    if (!existsSync(signingKey) || !existsSync(verifyKey)) {
      const keys = generateSigningKeys();
      writeFileSync(signingKey, keys.privatePem, { mode: 0o600 });
      writeFileSync(verifyKey, keys.publicPem, { mode: 0o644 });
    }
    // The audit chain's key lives outside the database, one for every process of the installation.
    const auditKey = path.join(secretDir, 'audit.key');
    if (!existsSync(auditKey)) writeFileSync(auditKey, randomBytes(32).toString('base64url'), { mode: 0o600 });

    const cluster = await startTemporalCluster({
      stateDir,
      logDir,
      log,
      passwords: pw,
      postgresPort: options.postgresPort,
      temporalPort: options.temporalPort,
      keep,
      onUnexpectedExit: unexpected,
    });
    const { certs, postgres } = cluster;
    const temporalAddress = cluster.address;
    await ensureRole(postgres.superuserUrl, { name: 'svodka', password: pw.svodka, database: 'svodka' });
    const databaseUrl = `postgresql://svodka:${encodeURIComponent(pw.svodka)}@127.0.0.1:${postgres.port}/svodka`;
    log(`PostgreSQL: 127.0.0.1:${postgres.port} (базы temporal, temporal_visibility, svodka)`);

    const relay: DevMailbox = await startDevMailbox({
      port: options.smtpPort ?? (await freePort()),
      dir: path.join(stateDir, 'mail', 'sent'),
    });
    stops.push({ name: 'smtp-relay', stop: () => relay.stop() });
    log(`SMTP: ${relay.url} (письма: ${relay.dir})`);
    const imap = await startDovecot({ dir: path.join(stateDir, 'imap'), pass: pw.imap });
    stops.push({ name: 'imap', stop: () => imap.stop() });
    log(`IMAP (Dovecot): imap://${imap.user}@127.0.0.1:${imap.port}`);

    const portalPort = options.portalPort ?? (await freePort());
    const portalUrl = `http://127.0.0.1:${portalPort}`;
    const all: Record<string, string> = {
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TLS_CERT: certs.clientCert,
      TEMPORAL_TLS_KEY: certs.clientKey,
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: certs.serverName,
      DATABASE_URL: databaseUrl,
      SMTP_URL: relay.url,
      SVODKA_IMAP_URL: imap.url,
      SVODKA_REPLY_TO: `${imap.user}@svodka.example.ru`,
      SVODKA_MAIL_FROM: 'Svodka <svodka@svodka.example.ru>',
      SVODKA_COORDINATOR_EMAIL: 'coordinator@svodka.example.ru',
      SVODKA_REPORT_RECIPIENTS: 'coordinator@svodka.example.ru',
      SVODKA_PUBLIC_URL: portalUrl,
      SVODKA_SIGNING_KEY: signingKey,
      SVODKA_AUDIT_KEY: auditKey,
      SVODKA_AUDITOR_EMAIL: 'auditor@svodka.example.ru',
      SVODKA_VERIFY_KEY: verifyKey,
      SVODKA_TEMPORAL_UI_URL: options.temporalUiUrl ?? '',
      SVODKA_DATA_DIR: path.join(stateDir, 'svodka'),
      MALLOC_ARENA_MAX: '2',
      PORT: String(portalPort),
      HOST: '127.0.0.1',
      SVODKA_WEB_SECRET: pw.webSecret,
      SVODKA_IMAP_INTERVAL_MS: String(options.imapIntervalMs ?? 30_000),
      // Prometheus endpoints of the workers and the poller; 0: a free port each (they share a host).
      SVODKA_METRICS_PORT: '0',
      ...options.svodkaEnv,
    };
    const svodkaEnv = envFor(topologyService('svodka-db-setup'), all) as Record<string, string>;

    const setup = topologyService('svodka-db-setup');
    await run(process.execPath, setup.command!.slice(1), { cwd: repoRoot, env: envFor(setup, all) }).catch(
      (err: { stderr?: string; stdout?: string }) => {
        throw new Error(`svodka db setup: ${err.stderr || err.stdout || String(err)}`);
      },
    );
    log('База Svodka: миграции и реестр применены (svodka db setup)');

    const node = (service: TopologyService, name: string, ready: (p: ServiceProcess) => Promise<void>) =>
      startProcess({
        name,
        command: process.execPath,
        args: service.command!.slice(1),
        cwd: repoRoot,
        env: envFor(service, all),
        logDir,
        ready,
        onUnexpectedExit: () => unexpected(name),
      });
    const logSays = (p: ServiceProcess, text: string) => async () => p.output().includes(text);

    const worker = topologyService('svodka-worker');
    const workerProcs = await Promise.all(
      Array.from({ length: worker.replicas }, (_, i) =>
        node(worker, `svodka-worker-${i + 1}`, (p) =>
          until(`${p.name}: подключение к Temporal`, logSays(p, 'worker connected'), 120_000, p),
        ),
      ),
    );
    workerProcs.forEach(keep);
    log(`Workers: ${workerProcs.map((p) => `${p.name} (pid ${p.pid()})`).join(', ')} — очередь «svodka»`);

    const web = await node(topologyService('svodka-web'), 'svodka-web', (p) =>
      until(
        `${p.name}: ${portalUrl}/healthz`,
        async () => (await fetch(`${portalUrl}/healthz`)).ok,
        60_000,
        p,
      ),
    );
    keep(web);
    log(`Портал: ${portalUrl}`);
    const mail = await node(topologyService('svodka-mail'), 'svodka-mail', (p) =>
      until(`${p.name}: начало опроса`, logSays(p, 'Читаю'), 60_000, p),
    );
    keep(mail);
    log(`Почтовый опросчик: svodka-mail (pid ${mail.pid()}), ящик ${imap.user}@127.0.0.1:${imap.port}`);

    return {
      stateDir,
      temporalAddress,
      databaseUrl,
      smtpUrl: relay.url,
      mailDir: relay.dir,
      imap,
      portalUrl,
      certs,
      env: svodkaEnv,
      processes,
      stop: async () => {
        if (!stopping) await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Removes a state directory (a fresh start): `npm run topology -- --fresh`. */
export function removeState(stateDir: string): void {
  rmSync(stateDir, { recursive: true, force: true });
}
