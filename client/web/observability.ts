// The portal's logs and metrics: JSON request logs that never carry a municipality's token and name
// the quarter and workflow a page is about, request counts and latencies by route template (not the
// raw URL, which would grow a series per token), and GET /metrics for Prometheus.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { logLevel } from '../../infrastructure/log-level';
import {
  enableProcessMetrics,
  httpDuration,
  httpRequests,
  METRICS_CONTENT_TYPE,
  svodkaMetrics,
} from '../../infrastructure/metrics';
import { quarterWorkflowId, submissionWorkflowId } from '../../workflows/api';

/** A municipality's page link is a bearer secret: never in a log line. */
export function redactPath(url: string): string {
  return url.replace(/\/m\/[^/?#]+/, '/m/…');
}

/** Fastify's logger for a production portal: pino JSON lines, level from SVODKA_LOG_LEVEL (info). */
export function portalLoggerOptions(env: NodeJS.ProcessEnv = process.env) {
  return {
    level: logLevel(env).toLowerCase(),
    base: { service: 'svodka-web' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    serializers: {
      req(request: FastifyRequest) {
        return {
          method: request.method,
          url: redactPath(request.url),
          remoteAddress: request.ip,
        };
      },
    },
  };
}

const QUARTER = /^\d{4}-Q[1-4](\.[a-z0-9-]{1,32})?$/;
const CODE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Loopback, reached directly: no proxy in between that could be forwarding an outsider. */
function fromLoopbackDirectly(request: FastifyRequest): boolean {
  const peer = request.raw.socket.remoteAddress ?? '';
  const loopback = peer === '::1' || peer.startsWith('127.') || peer.startsWith('::ffff:127.');
  const forwarded = ['x-forwarded-for', 'forwarded', 'x-real-ip'].some(
    (h) => request.headers[h] !== undefined,
  );
  return loopback && !forwarded;
}

function tokenMatches(presented: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(presented ?? '');
  if (!match) return false;
  const a = Buffer.from(match[1]!.trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Registers the hooks and GET /metrics. With SVODKA_METRICS_TOKEN, /metrics wants
 * `Authorization: Bearer <token>`; without it, only a direct request from loopback is served, so a
 * reverse proxy in front of the portal does not publish the metrics.
 */
export function registerObservability(
  app: FastifyInstance,
  options: { metricsToken?: string | null } = { metricsToken: process.env.SVODKA_METRICS_TOKEN },
): void {
  const token = options.metricsToken || null;
  enableProcessMetrics();

  app.addHook('preHandler', async (request, reply) => {
    const params = (request.params ?? {}) as Record<string, unknown>;
    const quarter =
      typeof params.quarter === 'string' && QUARTER.test(params.quarter) ? params.quarter : null;
    if (!quarter) return;
    const code = typeof params.code === 'string' && CODE.test(params.code) ? params.code : null;
    const context = code
      ? { quarter, municipality: code, workflowId: submissionWorkflowId(quarter, code) }
      : { quarter, workflowId: quarterWorkflowId(quarter) };
    request.log = request.log.child(context);
    reply.log = request.log;
  });

  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    httpRequests.inc(labels);
    httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get('/metrics', async (request, reply) => {
    const allowed = token
      ? tokenMatches(request.headers.authorization, token)
      : fromLoopbackDirectly(request);
    if (!allowed) {
      reply.header('Cache-Control', 'no-store');
      if (token) reply.header('WWW-Authenticate', 'Bearer');
      return reply
        .code(token ? 401 : 403)
        .type('text/plain; charset=utf-8')
        .send(
          token
            ? 'Нужен заголовок Authorization: Bearer <SVODKA_METRICS_TOKEN>\n'
            : 'Метрики доступны только напрямую с этого компьютера (или задайте SVODKA_METRICS_TOKEN)\n',
        );
    }
    return reply.type(METRICS_CONTENT_TYPE).send(await svodkaMetrics());
  });
}
