// What every route module shares: the portal's dependencies and helpers (built in server.ts).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Client } from '@temporalio/client';
import type { BlobStore } from '../../activities/blobs';
import type { Db } from '../../activities/db/client';
import type { Viewer } from './auth';
import type { PageOptions } from './layout';
import type { Csrf, RateLimiter, RateLimitRule } from './security';

export type PortalConfig = {
  /** The portal's address as people reach it (links in emails: `${publicUrl}/m/<token>`). */
  publicUrl: string;
  /** The Temporal Web UI, for the auditor's links to workflows; null: no links. */
  temporalUiUrl: string | null;
  /** Trust X-Remote-User / X-Remote-Role of an authenticating reverse proxy instead of local sign-in. */
  trustProxyAuth?: boolean;
  /** Trust X-Forwarded-For for the client's IP (rate limits, audit origins); default: trustProxyAuth. */
  trustProxy?: boolean;
  /** The dev SMTP sink's directory of .eml files: enables /dev/mailbox. */
  devMailboxDir?: string | null;
  /** How long a sign-in lasts; default 8 hours. */
  sessionTtlMs?: number;
  /** HMAC key for the municipality pages' CSRF tokens; give every instance the same one. Default: random per process. */
  secret?: string | Buffer | null;
  /** Per-IP limits; defaults: 60 requests a minute on /m/…, 10 sign-in attempts a minute. */
  rateLimits?: { token?: RateLimitRule; login?: RateLimitRule };
  /** Fastify's logger (true, or pino options: observability.ts portalLoggerOptions); default off. */
  logger?: boolean | Record<string, unknown>;
};

export type PortalContext = {
  db: Db;
  temporal: Client;
  files: BlobStore;
  config: Required<Pick<PortalConfig, 'publicUrl' | 'sessionTtlMs'>> & PortalConfig;
  csrf: Csrf;
  limits: { token: RateLimiter; login: RateLimiter };
  secureCookies: boolean;
  /** Sends a whole page. */
  send(reply: FastifyReply, status: number, options: PageOptions): FastifyReply;
  /** The signed-in coordinator or auditor, or null. */
  viewer(request: FastifyRequest): Promise<Viewer | null>;
  /** The viewer, or a redirect to sign-in (thrown as a reply already sent: returns null). */
  requireViewer(request: FastifyRequest, reply: FastifyReply, role?: 'coordinator'): Promise<Viewer | null>;
  /** Throws the «form expired» page unless the request's _csrf matches. */
  checkCsrf(expected: string, presented: unknown): void;
  /** `web@<ip>` for the audit log. */
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

declare module 'fastify' {
  interface FastifyRequest {
    svodkaViewer?: Viewer | null;
    /** Where the error page's «back» link goes. */
    svodkaBack?: string | null;
  }
}
