// What the production topology is, as data: every service, how it starts, and the environment each
// Svodka process is given. `npm run topology` starts exactly this (startTopology passes each process
// these variables and no others), and test/unit/compose-topology.test.ts holds docker-compose.yml
// to it, service for service and variable for variable.
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../../worker/node-flags';

/** Every Svodka process reaches Temporal, the database and the mail the same way. */
export const SVODKA_ENV = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TLS_CERT',
  'TEMPORAL_TLS_KEY',
  'TEMPORAL_TLS_CA',
  'TEMPORAL_TLS_SERVER_NAME',
  'DATABASE_URL',
  'SMTP_URL',
  'SVODKA_IMAP_URL',
  'SVODKA_REPLY_TO',
  'SVODKA_MAIL_FROM',
  'SVODKA_COORDINATOR_EMAIL',
  'SVODKA_REPORT_RECIPIENTS',
  'SVODKA_PUBLIC_URL',
  'SVODKA_TEMPORAL_UI_URL',
  'SVODKA_DATA_DIR',
  // The audit chain's HMAC key, the same in every process; the daily anchor's recipient.
  'SVODKA_AUDIT_KEY',
  'SVODKA_AUDITOR_EMAIL',
] as const;

/**
 * The ports of the server's four services: the topology picks free ones, docker-compose keeps the
 * defaults of deploy/temporal/config.yaml (7233 for the frontend, inside its network).
 */
export const TEMPORAL_PORT_ENV = [
  'TEMPORAL_FRONTEND_PORT',
  'TEMPORAL_FRONTEND_HTTP_PORT',
  'TEMPORAL_FRONTEND_MEMBERSHIP_PORT',
  'TEMPORAL_HISTORY_PORT',
  'TEMPORAL_HISTORY_MEMBERSHIP_PORT',
  'TEMPORAL_MATCHING_PORT',
  'TEMPORAL_MATCHING_MEMBERSHIP_PORT',
  'TEMPORAL_WORKER_PORT',
  'TEMPORAL_WORKER_MEMBERSHIP_PORT',
] as const;

/** The Temporal server's settings: deploy/temporal/config.yaml reads them; the schema tool takes SQL_*. */
export const TEMPORAL_SQL_ENV = ['SQL_PLUGIN', 'SQL_HOST', 'SQL_PORT', 'SQL_USER', 'SQL_PASSWORD'] as const;
export const TEMPORAL_SERVER_ENV = [
  ...TEMPORAL_SQL_ENV,
  'TEMPORAL_TLS_SERVER_CERT',
  'TEMPORAL_TLS_SERVER_KEY',
  'TEMPORAL_TLS_CA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_BIND_ON_IP',
  'TEMPORAL_BROADCAST_ADDRESS',
  'TEMPORAL_DYNAMIC_CONFIG',
  'TEMPORAL_METRICS_ADDRESS',
] as const;

export type TopologyService = {
  /** The service's name here and in docker-compose.yml. */
  name: string;
  /** How it runs: the program and its arguments in the Svodka image, or what it is. */
  command: readonly string[] | null;
  /** Processes of it (docker-compose's deploy.replicas). */
  replicas: number;
  /** Runs once and exits (set-up), or stays up. */
  oneShot: boolean;
  /** The environment variables it is given (names). */
  env: readonly string[];
};

export const TOPOLOGY_SERVICES: readonly TopologyService[] = [
  // PostgreSQL holding temporal, temporal_visibility and svodka, with the passwords of its superuser
  // and of the roles temporal and svodka (the topology keeps them in secrets/secrets.json).
  {
    name: 'postgresql',
    command: null,
    replicas: 1,
    oneShot: false,
    env: ['POSTGRES_PASSWORD', 'TEMPORAL_DB_PASSWORD', 'SVODKA_DB_PASSWORD'],
  },
  // Temporal's schema by its own `sql` tool: create-database, setup-schema -v 0.0, update-schema.
  { name: 'temporal-schema', command: ['sql'], replicas: 1, oneShot: true, env: TEMPORAL_SQL_ENV },
  {
    name: 'temporal',
    command: ['server', '--config-file', '/etc/temporal/svodka/config.yaml', '--allow-no-auth', 'start'],
    replicas: 1,
    oneShot: false,
    env: TEMPORAL_SERVER_ENV,
  },
  // The namespace with its retention and Svodka's search attributes, by the Temporal CLI over mTLS.
  {
    name: 'temporal-setup',
    command: ['temporal', 'operator'],
    replicas: 1,
    oneShot: true,
    env: [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_TLS_CERT',
      'TEMPORAL_TLS_KEY',
      'TEMPORAL_TLS_CA',
      'TEMPORAL_TLS_SERVER_NAME',
    ],
  },
  // Also the service to run the CLI with (`docker compose run --rm svodka-db-setup node bin/svodka.js …`):
  // it checks signatures with the public key alone.
  {
    name: 'svodka-db-setup',
    command: ['node', 'bin/svodka.js', 'db', 'setup'],
    replicas: 1,
    oneShot: true,
    env: [...SVODKA_ENV, 'SVODKA_VERIFY_KEY'],
  },
  {
    name: 'svodka-worker',
    command: ['node', ...WORKER_NODE_FLAGS, 'bin/run.js', 'worker/main.ts'],
    replicas: 2,
    oneShot: false,
    // Only the workers sign final reports, so only they hold the private key.
    env: [...SVODKA_ENV, 'SVODKA_SIGNING_KEY', 'SVODKA_METRICS_PORT', ...Object.keys(WORKER_ENV)],
  },
  {
    name: 'svodka-web',
    command: ['node', 'bin/run.js', 'client/web/main.ts'],
    replicas: 1,
    oneShot: false,
    env: [...SVODKA_ENV, 'PORT', 'HOST', 'SVODKA_WEB_SECRET'],
  },
  {
    name: 'svodka-mail',
    command: ['node', 'bin/run.js', 'client/mail/main.ts'],
    replicas: 1,
    oneShot: false,
    env: [...SVODKA_ENV, 'SVODKA_IMAP_INTERVAL_MS', 'SVODKA_METRICS_PORT'],
  },
];

/**
 * What a deployment gets from the region rather than from the compose file, and what only the
 * compose file has: the local topology stands a loopback relay and a Dovecot in for the region's
 * mail (reached through SMTP_URL and SVODKA_IMAP_URL), and has no Temporal UI (whose build from Go
 * is not part of it), so no proxy in front of one either.
 */
export const TOPOLOGY_ONLY = ['smtp-relay', 'imap'] as const;
export const COMPOSE_ONLY = ['temporal-ui', 'temporal-ui-proxy'] as const;

export function topologyService(name: string): TopologyService {
  const s = TOPOLOGY_SERVICES.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name} in the topology`);
  return s;
}
