// docker-compose.yml is the topology `npm run topology` starts and test/topology drives: the same
// services, commands, replicas and variables (scripts/topology/services.ts), and the same Temporal
// server config. Also what the compose file must never do: publish Temporal, let the UI write, or
// hand the signing key to anyone but the workers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  COMPOSE_ONLY,
  TEMPORAL_PORT_ENV,
  TEMPORAL_SERVER_ENV,
  TOPOLOGY_ONLY,
  TOPOLOGY_SERVICES,
} from '../../scripts/topology/services';
import { TEMPORAL_CONFIG, temporalServerEnv } from '../../scripts/topology/temporal-server';

const root = path.resolve(import.meta.dirname, '../..');
type ComposeService = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  deploy?: { replicas?: number };
};
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file: string }>;
};
const services = compose.services;
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('docker-compose.yml against the topology', () => {
  it('has the same services, plus only the UI and its proxy', () => {
    expect(sorted(Object.keys(services))).toEqual(
      sorted([...TOPOLOGY_SERVICES.map((s) => s.name), ...COMPOSE_ONLY]),
    );
    for (const name of TOPOLOGY_ONLY) expect(services[name], name).toBeUndefined();
  });

  it('gives every service exactly the variables the topology gives it', () => {
    for (const s of TOPOLOGY_SERVICES) {
      expect(sorted(Object.keys(services[s.name]!.environment ?? {})), s.name).toEqual(sorted(s.env));
    }
  });

  it('starts each service with the same command and as many replicas', () => {
    for (const s of TOPOLOGY_SERVICES.filter((x) => x.command?.[0] === 'node' || x.name === 'temporal')) {
      expect(services[s.name]!.command, s.name).toEqual(s.command);
    }
    for (const s of TOPOLOGY_SERVICES)
      expect(services[s.name]!.deploy?.replicas ?? 1, s.name).toBe(s.replicas);
    expect(services['svodka-mail']!.command).toContain('client/mail/main.ts');
    expect(services['svodka-worker']!.deploy?.replicas).toBe(2);
  });

  it('runs the Temporal server with the config the topology runs it with', () => {
    expect(TEMPORAL_CONFIG).toBe(path.join(root, 'deploy/temporal/config.yaml'));
    const dockerfile = readFileSync(path.join(root, 'deploy/temporal/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/COPY config\.yaml dynamicconfig\.yaml \/etc\/temporal\/svodka\//);
    expect(services.temporal!.command).toContain('/etc/temporal/svodka/config.yaml');
    // Every variable the config reads is one the topology and compose set (or a port, left at its
    // default by compose), and the topology sets every one of them.
    const config = readFileSync(TEMPORAL_CONFIG, 'utf8');
    const read = new Set([...config.matchAll(/env "([A-Z_]+)"/g)].map((m) => m[1]!));
    read.delete('TEMPORAL_LOG_LEVEL');
    const allowed = new Set<string>([...TEMPORAL_SERVER_ENV, ...TEMPORAL_PORT_ENV]);
    for (const name of read) expect(allowed.has(name), name).toBe(true);
    for (const name of TEMPORAL_PORT_ENV) expect(read.has(name), name).toBe(true);
    const certs = {
      dir: '',
      ca: 'ca',
      serverCa: 'sca',
      serverCert: 's',
      serverKey: 'k',
      clientCert: 'c',
      clientKey: 'ck',
      serverName: 'temporal',
    };
    const ports = Object.fromEntries(
      [
        'frontend',
        'frontendHttp',
        'frontendMembership',
        'history',
        'historyMembership',
        'matching',
        'matchingMembership',
        'worker',
        'workerMembership',
        'metrics',
      ].map((k, i) => [k, 20_000 + i]),
    ) as Parameters<typeof temporalServerEnv>[0]['ports'];
    const env = temporalServerEnv({ sql: { host: 'h', port: 1, user: 'u', password: 'p' }, certs, ports });
    expect(sorted(Object.keys(env))).toEqual(sorted([...TEMPORAL_SERVER_ENV, ...TEMPORAL_PORT_ENV]));
  });

  it('keeps Temporal unpublished and reached over mTLS by every client', () => {
    expect(services.temporal!.ports).toBeUndefined();
    expect(services.temporal!.environment).toMatchObject({
      TEMPORAL_TLS_SERVER_CERT: expect.any(String),
      TEMPORAL_TLS_CA: expect.any(String),
    });
    expect(services.temporal!.volumes).toEqual(['./deploy/certs/server:/etc/svodka/certs:ro']);
    const config = readFileSync(TEMPORAL_CONFIG, 'utf8');
    expect(config).toMatch(/requireClientAuth: true/);
    // The CA's key is mounted nowhere: whoever had it could mint a client certificate.
    for (const [name, s] of Object.entries(services))
      for (const v of s.volumes ?? []) expect(v, name).not.toMatch(/deploy\/certs(\/ca)?:/);
    for (const [name, s] of Object.entries(services)) {
      if (!s.environment?.TEMPORAL_ADDRESS) continue;
      expect(s.environment.TEMPORAL_ADDRESS, name).toBe('temporal:7233');
      for (const v of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA'])
        expect(s.environment[v], `${name} ${v}`).toMatch(/^\/etc\/svodka\/certs\//);
      expect(s.volumes, name).toContain('./deploy/certs/client:/etc/svodka/certs:ro');
    }
  });

  it('shows the Temporal UI read-only and only through the authenticating proxy', () => {
    const ui = services['temporal-ui']!;
    expect(ui.environment?.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('true');
    expect(ui.ports).toBeUndefined();
    const proxy = services['temporal-ui-proxy']!;
    expect(proxy.ports).toEqual(['8080:8080']);
    const caddyfile = readFileSync(path.join(root, 'deploy/caddy/Caddyfile'), 'utf8');
    expect(caddyfile).toMatch(/basic_?auth\s*\{/);
    expect(caddyfile).toMatch(/reverse_proxy temporal-ui:8080/);
    // The portal's auditor pages link to it.
    expect(services['svodka-web']!.environment?.SVODKA_TEMPORAL_UI_URL).toBeTruthy();
    // Nothing else is published but the portal.
    const published = Object.entries(services)
      .filter(([, s]) => s.ports?.length)
      .map(([n]) => n);
    expect(sorted(published)).toEqual(['svodka-web', 'temporal-ui-proxy']);
  });

  it('gives the signing key, as a secret, to the workers alone', () => {
    expect(compose.secrets?.svodka_signing_key?.file).toBe('./deploy/secrets/signing.pem');
    expect(services['svodka-worker']!.secrets).toEqual(['svodka_signing_key']);
    expect(services['svodka-worker']!.environment?.SVODKA_SIGNING_KEY).toBe(
      '/run/secrets/svodka_signing_key',
    );
    for (const [name, s] of Object.entries(services)) {
      if (name === 'svodka-worker') continue;
      expect(s.environment?.SVODKA_SIGNING_KEY, name).toBeUndefined();
      expect(s.secrets, name).toBeUndefined();
    }
  });
});
