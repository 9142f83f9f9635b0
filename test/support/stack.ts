// The real parts an integration test runs against: a Temporal dev server (the CLI's, headless, on
// a free port), a database (SQLite file, or a fresh PostgreSQL database when asked), an SMTP sink on
// loopback, the Svodka worker, and the CLI run as a user runs it — a separate process.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { setupDatabase } from '../../infrastructure/db/setup';
import { startDevServer } from '../../worker/dev-server';
import type { DevServer } from '../../worker/dev-server';
import { createSvodkaWorker } from '../../worker/worker';
import type { WorkerHandle } from '../../worker/worker';
import { startMailSink } from './mail-sink';
import type { MailSink } from './mail-sink';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type CliResult = { code: number; stdout: string; stderr: string };

/** `svodka ARGS` as a user runs it (bin/svodka.js in a child process) with this environment. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'bin/svodka.js'), ...args],
      { cwd: repoRoot, env, maxBuffer: 20 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export type Stack = {
  dir: string;
  databaseUrl: string;
  temporalAddress: string;
  server: DevServer;
  mail: MailSink;
  db: Db;
  worker: WorkerHandle | null;
  env: NodeJS.ProcessEnv;
  cli(args: string[]): Promise<CliResult>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
};

export async function freshPostgresDatabase(
  adminUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `svodka_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function startStack(options: {
  database: 'sqlite' | 'postgresql';
  /** Start the in-process worker (default true); false: the caller runs its own workers. */
  worker?: boolean;
}): Promise<Stack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-test-'));
  let dropDatabase = async () => {};
  let databaseUrl = `file:${path.join(dir, 'svodka.db')}`;
  if (options.database === 'postgresql') {
    const admin = process.env.TEST_POSTGRES_URL;
    if (!admin) throw new Error('TEST_POSTGRES_URL is not set');
    const fresh = await freshPostgresDatabase(admin);
    databaseUrl = fresh.url;
    dropDatabase = fresh.drop;
  }
  await setupDatabase(databaseUrl);
  const db = await createDb(databaseUrl);
  const mail = await startMailSink();
  const server = await startDevServer({
    port: await freePort(),
    uiPort: await freePort(),
    dbFile: path.join(dir, 'temporal.db'),
    ui: false,
  });
  // One audit key for the test's own process (an in-process worker or portal) and its CLI runs,
  // which have a data directory of their own: entries written by both then verify together.
  process.env.SVODKA_AUDIT_KEY ??= randomBytes(32).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SVODKA_DATA_DIR: dir,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: server.address,
    SMTP_URL: mail.url,
    SVODKA_ACTOR: 'test-coordinator',
  };

  const stack: Stack = {
    dir,
    databaseUrl,
    temporalAddress: server.address,
    server,
    mail,
    db,
    worker: null,
    env,
    cli(args) {
      return runCli(args, env);
    },
    async startWorker() {
      const handle = await createSvodkaWorker({ address: server.address, databaseUrl, smtpUrl: mail.url });
      stack.worker = handle;
      const running = handle.worker.run();
      const close = handle.close;
      handle.close = async () => {
        if (handle.worker.getState() === 'RUNNING') handle.worker.shutdown();
        await running.catch(() => {});
        await close();
      };
    },
    async stopWorker() {
      await stack.worker?.close();
      stack.worker = null;
    },
    async stop() {
      await stack.stopWorker();
      await server.stop();
      await mail.stop();
      await db.$disconnect();
      await dropDatabase();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (options.worker !== false) await stack.startWorker();
  return stack;
}
