// What every route module shares: the portal's dependencies and helpers (built in server.ts).
import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { Client } from '@temporalio/client';
import type { BlobStore } from '../../infrastructure/blobs';
import type { Db } from '../../infrastructure/db/client';
import type { TokenScope } from '../../infrastructure/tokens';
import type { Viewer } from './auth';
import type { PageOptions } from './layout';
import type { Csrf, RateLimitRule } from './security';

/** Route options that attach limits of @fastify/rate-limit to a route (not to a URL string). */
export type RouteLimit = Pick<RouteShorthandOptions, 'config' | 'onRequest'>;

export type PortalConfig = {
  /** The portal's address as people reach it (links in emails: `${publicUrl}/m/<token>`). */
  publicUrl: string;
  /** The Temporal Web UI, for the auditor's links to workflows; null: no links. */
  temporalUiUrl: string | null;
  /**
   * Trust X-Remote-User / X-Remote-Role of an authenticating reverse proxy instead of local sign-in:
   * only from an address of trustedProxies and only with the header X-Svodka-Proxy-Secret equal to
   * proxySecret.
   */
  trustProxyAuth?: boolean;
  /** The shared secret the authenticating proxy sends in X-Svodka-Proxy-Secret. */
  proxySecret?: string | null;
  /**
   * Reverse proxies (IPs and CIDRs) whose X-Forwarded-For gives the client's address for rate limits
   * and the audit log; nobody else's is believed. Default: none.
   */
  trustedProxies?: string[];
  /**
   * The dev SMTP sink's directory of .eml files: enables /dev/mailbox, for loopback clients and
   * loopback Host names only. Only the dev bootstrap (`npm start`) sets it; the production entry never.
   */
  devMailboxDir?: string | null;
  /** How long a sign-in lasts at most; default 8 hours. */
  sessionTtlMs?: number;
  /** A session unused this long ends; default 30 minutes. */
  idleTimeoutMs?: number;
  /** Failed sign-ins in a row that lock an account, and for how long; default 5 and 15 minutes. */
  lockout?: { threshold: number; ms: number };
  /** Bytes one municipality may store for one quarter through the portal; default 200 MB. */
  storageQuotaBytes?: number;
  /** A link issued from the portal stays valid this long after the municipality's deadline; default 30 days. */
  linkGraceDays?: number;
  /** HMAC key for the municipality pages' CSRF tokens; give every instance the same one. Default: random per process. */
  secret?: string | Buffer | null;
  /**
   * Limits; defaults: 60 requests a minute per client address on /m/…, 10 sign-in attempts a minute
   * per address, 20 uploads and form submissions an hour per link.
   */
  rateLimits?: { token?: RateLimitRule; login?: RateLimitRule; upload?: RateLimitRule };
  /** Fastify's logger (true, or pino options: observability.ts portalLoggerOptions); default off. */
  logger?: boolean | Record<string, unknown>;
  /**
   * The upload inbox's dispatcher, run inside the portal (application/deliver-inbox.ts): its
   * concurrency and polling; false: none here (another process delivers, or a test starts its own).
   */
  inbox?: false | { concurrency?: number; pollMs?: number };
};

export type PortalContext = {
  db: Db;
  temporal: Client;
  files: BlobStore;
  config: Required<Pick<PortalConfig, 'publicUrl' | 'sessionTtlMs'>> & PortalConfig;
  csrf: Csrf;
  /** Route options (`config.rateLimit` of @fastify/rate-limit) for each kind of limited route. */
  limits: { token: RouteLimit; login: RouteLimit; upload: RouteLimit };
  /** The public URL is https: cookies are Secure with the __Host- prefix, and HSTS is sent. */
  secureCookies: boolean;
  /** The session cookie's name: `__Host-svodka_session` over https. */
  sessionCookie: string;
  /** The sign-in form's CSRF cookie's name: `__Host-svodka_login` over https. */
  loginCookie: string;
  /** Sends a whole page. */
  send(reply: FastifyReply, status: number, options: PageOptions): FastifyReply;
  /** The signed-in coordinator or auditor, or null. */
  viewer(request: FastifyRequest): Promise<Viewer | null>;
  /** The viewer, or a redirect to sign-in (thrown as a reply already sent: returns null). */
  requireViewer(request: FastifyRequest, reply: FastifyReply, role?: 'coordinator'): Promise<Viewer | null>;
  /** Throws the «form expired» page unless the request's _csrf matches. */
  checkCsrf(expected: string, presented: unknown): void;
  /** `web@<ip>` for the audit log: the client's address as the trusted proxies tell it. */
  origin(request: FastifyRequest): string;
};

/** Form posts (rows typed into the page) may be large, but not unbounded. */
export const FORM_BODY_LIMIT = 2 * 1024 * 1024;

/** A string field of a form body ('' when absent); the first one when repeated. */
export function formField(body: unknown, name: string, maxLength = 10_000): string {
  let value: unknown = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  if (Array.isArray(value)) value = value[0];
  return typeof value === 'string' ? value.slice(0, maxLength) : '';
}

export const SESSION_COOKIE = 'svodka_session';
export const LOGIN_CSRF_COOKIE = 'svodka_login';
export const PROXY_NONCE_COOKIE = 'svodka_proxy';
/** The header with the shared secret of the authenticating reverse proxy. */
export const PROXY_SECRET_HEADER = 'x-svodka-proxy-secret';

declare module 'fastify' {
  interface FastifyRequest {
    svodkaViewer?: Viewer | null;
    /** Where the error page's «back» link goes. */
    svodkaBack?: string | null;
    /** The municipality's link of this request as resolved once (null scope: not valid). */
    svodkaToken?: { token: string; scope: TokenScope | null };
  }
}
