// The production worker's logs and metrics: the Temporal SDK's logs (and Core's) forwarded to pino
// as JSON with the workflow and activity context the SDK attaches, and one Prometheus endpoint
// serving Svodka's counters together with the SDK's runtime metrics (infrastructure/telemetry.ts holds
// what the email poller shares). `npm start` keeps its human-readable lines and installs none of this.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/worker';
import type { Logger as Pino } from 'pino';
import { logLevel } from '../infrastructure/log-level';
import {
  freeLoopbackPort,
  jsonLogger,
  metricsPortFromEnv,
  startMetricsEndpoint,
} from '../infrastructure/telemetry';
import type { MetricsEndpoint } from '../infrastructure/telemetry';

/** The SDK's Logger over pino: workflow and activity logs keep their workflowId, runId, activityType… */
export function sdkLoggerOver(logger: Pino, level: LogLevel): DefaultLogger {
  return new DefaultLogger(level, ({ level: entryLevel, message, meta }) => {
    const method = entryLevel.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    // An activity's task token completes or fails it for anyone who can reach Temporal: not for logs.
    const { taskToken: _secret, ...context } = meta ?? {};
    logger[method](context, message);
  });
}

export type RuntimeTelemetry = {
  /** Where the SDK's Prometheus exporter listens (`host:port`), or null when metrics are off. */
  sdkMetricsAddress: string | null;
};

/**
 * Installs the SDK's Runtime for a production worker: its logs (and Core's) as JSON through
 * `logger`, its metrics exported in Prometheus format on `sdkMetricsAddress` (loopback, scraped
 * through startMetricsEndpoint). Must run before the first connection; false when a Runtime exists.
 */
export function installJsonRuntime(logger: Pino, sdkMetricsAddress: string | null): boolean {
  const level = logLevel();
  try {
    Runtime.install({
      logger: sdkLoggerOver(logger, level),
      telemetryOptions: {
        logging: { filter: { core: level, other: 'WARN' }, forward: {} },
        ...(sdkMetricsAddress
          ? { metrics: { prometheus: { bindAddress: sdkMetricsAddress, countersTotalSuffix: true } } }
          : {}),
      },
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * Everything a production worker needs before it connects: JSON logs (the SDK's too), and with
 * SVODKA_METRICS_PORT the SDK's exporter on a loopback port and our endpoint in front of it.
 */
export async function setUpWorkerTelemetry(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ logger: Pino; metrics: MetricsEndpoint | null }> {
  const logger = jsonLogger(service, env);
  const port = metricsPortFromEnv(env);
  const sdkMetricsAddress = port === null ? null : `127.0.0.1:${await freeLoopbackPort()}`;
  installJsonRuntime(logger, sdkMetricsAddress);
  const metrics = port === null ? null : await startMetricsEndpoint({ port, sdkMetricsAddress });
  if (metrics) logger.info({ url: metrics.url }, 'metrics endpoint');
  return { logger, metrics };
}
