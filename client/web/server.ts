// The web portal: server-rendered Russian pages over the same Temporal workflows and database as
// the CLI. Municipalities reach their page through the token link of their emails; coordinators
// and auditors sign in. No client-side script at all.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import type { Client } from '@temporalio/client';
import { startInboxDispatcher } from '../../application/deliver-inbox';
import type { InboxDispatcher } from '../../application/deliver-inbox';
import { createDbBlobStore } from '../../infrastructure/blobs';
import type { Db } from '../../infrastructure/db/client';
import { MAX_UPLOAD_BYTES } from '../../infrastructure/uploads';
import { isRole, loadSession } from './auth';
import type { Viewer } from './auth';
import {
  FORM_BODY_LIMIT,
  LOGIN_CSRF_COOKIE,
  PROXY_NONCE_COOKIE,
  PROXY_SECRET_HEADER,
  SESSION_COOKIE,
} from './context';
import type { PortalConfig, PortalContext, RouteLimit } from './context';
import { csrfError, errorBody, forbidden, PortalError, tooLarge } from './errors';
import { APP_CSS, page } from './layout';
import {
  createCsrf,
  proxyMatcher,
  randomToken,
  secretMatches,
  SECURITY_HEADERS,
  sha256Hex,
} from './security';
import type { RateLimitRule } from './security';
import { registerObservability } from './observability';
import { registerAuditorRoutes } from './routes-auditor';
import { registerCoordinatorRoutes } from './routes-coordinator';
import { registerDashboardRoutes } from './routes-dashboard';
import { registerExportRoutes } from './routes-exports';
import { registerMailboxRoutes } from './routes-mailbox';
import { registerMunicipalityRoutes } from './routes-municipality';
import { registerReviewRoutes } from './routes-review';
import { registerSignInRoutes } from './routes-signin';
import { registerSignOffRoutes } from './routes-signoff';
import { registerScheduleRoutes } from './routes-schedule';
import { registerNotificationRoutes } from './routes-notifications';
import { registerRegistryRoutes } from './routes-registry';
import { registerRegionAccess } from './region-access';

export type { PortalConfig, PortalContext } from './context';
export {
  FORM_BODY_LIMIT,
  formField,
  LOGIN_CSRF_COOKIE,
  PROXY_SECRET_HEADER,
  SESSION_COOKIE,
} from './context';

export type PortalDeps = { db: Db; temporal: Client; config: PortalConfig };

const DEFAULT_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
const HSTS = 'max-age=31536000; includeSubDomains';

function routeLimit(rule: RateLimitRule): RouteLimit {
  return { config: { rateLimit: { max: rule.limit, timeWindow: rule.windowMs } } };
}
/** A request this much larger than an allowed upload is refused before it is read. */
const HARD_BODY_LIMIT = 64 * 1024 * 1024;

export async function buildPortal(deps: PortalDeps): Promise<FastifyInstance> {
  const { db, temporal } = deps;
  const config = {
    ...deps.config,
    sessionTtlMs: deps.config.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    idleTimeoutMs: deps.config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
  };
  const secret = config.secret ? Buffer.from(config.secret) : randomBytes(32);
  const proxies = config.trustedProxies ?? [];
  // Throws on a malformed entry: a typo must not trust nobody or everybody.
  const fromTrustedProxy = proxyMatcher(proxies);
  if (config.trustProxyAuth && (!config.proxySecret || proxies.length === 0)) {
    throw new Error(
      'SVODKA_TRUST_PROXY_AUTH=1 требует SVODKA_TRUSTED_PROXIES (адреса прокси-сервера) и SVODKA_PROXY_SECRET ' +
        '(общий секрет, который прокси передает в X-Svodka-Proxy-Secret).',
    );
  }
  const secure = config.publicUrl.startsWith('https:');
  // Over https the cookies are __Host-: Secure, Path=/, no Domain, so a sibling host cannot plant them.
  const cookieName = (name: string) => (secure ? `__Host-${name}` : name);
  const app = Fastify({
    logger: config.logger ?? false,
    // Request ids unique across instances and restarts, for the JSON logs (observability.ts).
    genReqId: () => randomUUID(),
    // Only the listed proxies' X-Forwarded-For is believed; request.ip is then the client's address.
    trustProxy: proxies.length > 0 ? proxies : false,
    bodyLimit: 256 * 1024,
    // Tokens are 43 characters; nothing of ours needs long URLs.
    routerOptions: { maxParamLength: 200 },
    // A URL that cannot be decoded: our page, not Fastify's JSON.
    frameworkErrors: (_error, _request, reply) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      const err = new PortalError(
        400,
        'Неверный адрес',
        'Адрес страницы поврежден. Проверьте ссылку или скопируйте ее из письма целиком.',
      );
      void ctx.send(reply, 400, { title: err.title, body: errorBody(err), narrow: true });
    },
  });

  await app.register(fastifyRateLimit, {
    global: false,
    // request.ip: the client's address as the trusted proxies report it, else the peer's.
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) =>
      new PortalError(
        429,
        'Слишком много запросов',
        `Слишком много запросов подряд. Подождите ${Math.max(1, Math.ceil(context.ttl / 1000))} с и попробуйте снова.`,
      ),
  });
  const uploadRule = config.rateLimits?.upload ?? { limit: 20, windowMs: 60 * 60_000 };

  const ctx: PortalContext = {
    db,
    temporal,
    files: createDbBlobStore(db),
    config,
    csrf: createCsrf(secret),
    limits: {
      token: routeLimit(config.rateLimits?.token ?? { limit: 60, windowMs: 60_000 }),
      login: routeLimit(config.rateLimits?.login ?? { limit: 10, windowMs: 60_000 }),
      // Per link, whatever the address: a leaked link cannot flood the parser and the database.
      upload: {
        ...routeLimit(config.rateLimits?.token ?? { limit: 60, windowMs: 60_000 }),
        onRequest: app.rateLimit({
          max: uploadRule.limit,
          timeWindow: uploadRule.windowMs,
          // By the link's hash: the map of counters holds no usable link.
          keyGenerator: (request) =>
            `link:${sha256Hex(String((request.params as { token?: unknown }).token ?? ''))}`,
        }),
      },
    },
    secureCookies: secure,
    sessionCookie: cookieName(SESSION_COOKIE),
    loginCookie: cookieName(LOGIN_CSRF_COOKIE),
    send(reply, status, options) {
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .send(
          page({ devMailbox: Boolean(config.devMailboxDir), region: reply.request.svodkaRegion, ...options })
            .value,
        );
    },
    async viewer(request) {
      if (request.svodkaViewer !== undefined) return request.svodkaViewer;
      let viewer: Viewer | null = null;
      // The proxy's word counts only from the proxy itself, and only with the shared secret: anyone
      // reaching the portal directly can send X-Remote-User.
      if (
        config.trustProxyAuth &&
        fromTrustedProxy(request.socket.remoteAddress) &&
        secretMatches(config.proxySecret ?? '', request.headers[PROXY_SECRET_HEADER])
      ) {
        const login = request.headers['x-remote-user'];
        const role = request.headers['x-remote-role'];
        if (typeof login === 'string' && login.trim()) {
          if (!isRole(role))
            throw forbidden('Прокси-сервер не передал роль пользователя (coordinator или auditor).');
          const name = login.trim().slice(0, 100);
          viewer = {
            user: { id: `proxy:${name}`, login: name, name, role },
            csrf: ctx.csrf.forProxyUser(name, request.cookies[cookieName(PROXY_NONCE_COOKIE)] ?? ''),
            via: 'proxy',
            sessionId: null,
          };
        }
      }
      viewer ??= await loadSession(db, request.cookies[ctx.sessionCookie], {
        idleTimeoutMs: config.idleTimeoutMs,
      });
      request.svodkaViewer = viewer;
      return viewer;
    },
    async requireViewer(request, reply, role) {
      const viewer = await ctx.viewer(request);
      if (!viewer) {
        const next = request.method === 'GET' ? request.url : '/quarters';
        await reply.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
        return null;
      }
      if (role === 'coordinator' && viewer.user.role !== 'coordinator') {
        throw forbidden('Это действие доступно только координатору. У аудитора — только просмотр.');
      }
      return viewer;
    },
    checkCsrf(expected, presented) {
      if (!ctx.csrf.check(expected, presented)) throw csrfError();
    },
    origin(request) {
      return `web@${request.ip}`;
    },
  };

  await app.register(fastifyCookie, { secret });
  await app.register(fastifyFormbody, { bodyLimit: FORM_BODY_LIMIT });
  await app.register(fastifyMultipart, {
    throwFileSizeLimit: false,
    limits: {
      fileSize: MAX_UPLOAD_BYTES,
      files: 1,
      fields: 20,
      fieldSize: 100_000,
      parts: 30,
      headerPairs: 100,
    },
  });

  registerObservability(app);
  app.addHook('onRequest', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    if (secure) reply.header('Strict-Transport-Security', HSTS);
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > HARD_BODY_LIMIT) {
      reply.header('Connection', 'close');
      throw tooLarge(MAX_UPLOAD_BYTES / 1024 / 1024);
    }
    // A proxy-authenticated user's CSRF token is bound to this browser's random cookie.
    if (
      config.trustProxyAuth &&
      !/^[A-Za-z0-9_-]{32}$/.test(request.cookies[cookieName(PROXY_NONCE_COOKIE)] ?? '')
    ) {
      const nonce = randomToken(24);
      request.cookies[cookieName(PROXY_NONCE_COOKIE)] = nonce;
      reply.setCookie(cookieName(PROXY_NONCE_COOKIE), nonce, {
        httpOnly: true,
        sameSite: 'lax',
        secure,
        path: '/',
      });
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    // Pages and files of the portal are personal: never kept by a shared cache.
    if (!request.url.startsWith('/static/')) reply.header('Cache-Control', 'no-store');
    return payload;
  });

  app.setErrorHandler(async (error, request, reply) => {
    let portalError: PortalError;
    const err = error as Error & { statusCode?: number; code?: string };
    if (err instanceof PortalError) portalError = err;
    else if (
      err.statusCode === 413 ||
      err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ||
      err.code === 'FST_REQ_FILE_TOO_LARGE'
    ) {
      portalError = tooLarge(MAX_UPLOAD_BYTES / 1024 / 1024);
    } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.statusCode === 415) {
      portalError = new PortalError(
        415,
        'Запрос не выполнен',
        'Форма отправлена в неожиданном виде. Обновите страницу и попробуйте снова.',
      );
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      portalError = new PortalError(
        400,
        'Запрос не выполнен',
        'Запрос не удалось разобрать. Обновите страницу и попробуйте снова.',
      );
    } else {
      request.log.error(err);
      if (!config.logger)
        console.error('[svodka-web]', request.method, request.url.replace(/\/m\/[^/?]+/, '/m/…'), err);
      portalError = new PortalError(
        500,
        'Внутренняя ошибка',
        'Не удалось выполнить запрос из-за внутренней ошибки. Попробуйте позже; если ошибка повторится, сообщите координатору.',
      );
    }
    if (reply.sent) return;
    return ctx.send(reply, portalError.status, {
      title: portalError.title,
      body: errorBody(portalError, request.svodkaBack ?? null),
      narrow: true,
    });
  });

  app.setNotFoundHandler(async (request, reply) =>
    ctx.send(reply, 404, {
      title: 'Страница не найдена',
      body: errorBody(new PortalError(404, 'Страница не найдена', 'Такой страницы нет. Проверьте адрес.')),
      narrow: true,
    }),
  );

  app.get('/static/app.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=86400').send(APP_CSS),
  );
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());

  app.get('/healthz', async (_request, reply) => {
    try {
      await db.$queryRawUnsafe('SELECT 1');
      return reply.type('application/json').send({ ok: true });
    } catch {
      return reply.code(503).type('application/json').send({ ok: false });
    }
  });

  app.get('/', async (request, reply) => {
    const viewer = await ctx.viewer(request);
    return reply.redirect(viewer ? '/quarters' : '/login', 303);
  });

  registerRegionAccess(app, ctx);
  registerSignInRoutes(app, ctx);
  registerMunicipalityRoutes(app, ctx);
  registerCoordinatorRoutes(app, ctx);
  registerDashboardRoutes(app, ctx);
  registerScheduleRoutes(app, ctx);
  registerNotificationRoutes(app, ctx);
  registerAuditorRoutes(app, ctx);
  registerSignOffRoutes(app, ctx);
  registerExportRoutes(app, ctx);
  registerReviewRoutes(app, ctx);
  registerRegistryRoutes(app, ctx);
  if (config.devMailboxDir) registerMailboxRoutes(app, ctx, config.devMailboxDir);

  // The upload inbox is delivered from here: started with the portal, stopped when it closes.
  if (config.inbox !== false) {
    let inbox: InboxDispatcher | null = null;
    const inboxOptions = config.inbox ?? {};
    app.addHook('onReady', async () => {
      inbox = startInboxDispatcher({ db, temporal, ...inboxOptions });
    });
    app.addHook('onClose', async () => {
      await inbox?.stop();
    });
  }

  return app;
}

export type RunningPortal = { url: string; app: FastifyInstance; close(): Promise<void> };

export async function startPortal(
  options: PortalDeps & { port: number; host?: string },
): Promise<RunningPortal> {
  const app = await buildPortal(options);
  await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`,
    app,
    close: () => app.close(),
  };
}
