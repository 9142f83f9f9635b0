// Logs and metrics every production entry shares (the worker, the email poller): JSON lines through
// pino, and a Prometheus endpoint of Svodka's counters. Nothing here loads the Temporal SDK's native
// worker; worker/telemetry.ts adds the SDK's logs and runtime metrics for the worker.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Logger as Pino } from 'pino';
import { logLevel } from './log-level';
import { enableProcessMetrics, METRICS_CONTENT_TYPE, svodkaMetrics } from './metrics';

/** A JSON logger for a production entry: one object a line on stdout, level from SVODKA_LOG_LEVEL. */
export function jsonLogger(service: string, env: NodeJS.ProcessEnv = process.env): Pino {
  return pino({
    level: logLevel(env).toLowerCase(),
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A free loopback port, for the SDK's exporter behind our endpoint. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** SVODKA_METRICS_PORT: the port of a service's /metrics endpoint; null (off) when unset. */
export function metricsPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.SVODKA_METRICS_PORT?.trim();
  if (!raw) return null;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`SVODKA_METRICS_PORT: ожидается номер порта, получено «${raw}»`);
  return port;
}

export type MetricsEndpoint = { url: string; close(): Promise<void> };

/**
 * GET /metrics: Svodka's registry, followed by the SDK's exposition when `sdkMetricsAddress` is
 * given (its names begin with temporal_, ours with svodka_, so the two never collide). Listens on
 * SVODKA_METRICS_HOST (default 0.0.0.0: Prometheus scrapes from another host; keep the port off the
 * public network). The email poller calls this with no SDK address.
 */
export async function startMetricsEndpoint(options: {
  port: number;
  host?: string;
  sdkMetricsAddress?: string | null;
}): Promise<MetricsEndpoint> {
  enableProcessMetrics();
  const sdk = options.sdkMetricsAddress ? `http://${options.sdkMetricsAddress}/metrics` : null;
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    void (async () => {
      let body = await svodkaMetrics();
      if (sdk) {
        try {
          const answer = await fetch(sdk, { signal: AbortSignal.timeout(5_000) });
          body += `\n${await answer.text()}`;
        } catch {
          // The SDK's exporter not up yet (or gone): our own counters still answer.
          body += '\n# Temporal SDK metrics unavailable\n';
        }
      }
      response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(body);
    })().catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? process.env.SVODKA_METRICS_HOST ?? '0.0.0.0', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A production service without a worker of its own (the email poller): JSON logs, and with
 * SVODKA_METRICS_PORT a /metrics endpoint of Svodka's counters (svodka_inbound_messages_total…).
 */
export async function setUpServiceTelemetry(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ logger: Pino; metrics: MetricsEndpoint | null }> {
  const logger = jsonLogger(service, env);
  const port = metricsPortFromEnv(env);
  const metrics = port === null ? null : await startMetricsEndpoint({ port });
  if (metrics) logger.info({ url: metrics.url }, 'metrics endpoint');
  return { logger, metrics };
}
