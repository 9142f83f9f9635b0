// The portal's defences that do not depend on a page: response headers, CSRF tokens, and a small
// in-memory rate limiter (per IP, fixed one-minute windows).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  // Municipality links carry their token in the URL: never hand it to another site.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) return false;
  return timingSafeEqual(x, y);
}

/** CSRF tokens derived from the server's secret: bound to an access token, a user, or a cookie. */
export function createCsrf(secret: Buffer) {
  const mac = (purpose: string, subject: string) =>
    createHmac('sha256', secret).update(`${purpose}\u0000${subject}`).digest('base64url');
  return {
    /** For the municipality's forms: bound to the hash of its access token. */
    forToken: (tokenHash: string) => mac('token', tokenHash),
    /** For a user authenticated by the reverse proxy (no session row of ours). */
    forProxyUser: (login: string) => mac('proxy-user', login),
    check(expected: string, presented: unknown): boolean {
      return typeof presented === 'string' && presented.length > 0 && safeEqual(expected, presented);
    },
  };
}
export type Csrf = ReturnType<typeof createCsrf>;

export type RateLimitRule = { limit: number; windowMs: number };

/** Fixed-window counters per key; old windows are dropped as the map grows. */
export function createRateLimiter(rule: RateLimitRule, now: () => number = Date.now) {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const sweep = (t: number) => {
    for (const [key, w] of windows) if (w.resetAt <= t) windows.delete(key);
  };
  return {
    /** Counts one hit; returns the seconds to wait when over the limit, or 0 when allowed. */
    hit(key: string): number {
      const t = now();
      if (windows.size > 10_000) sweep(t);
      let w = windows.get(key);
      if (!w || w.resetAt <= t) {
        w = { count: 0, resetAt: t + rule.windowMs };
        windows.set(key, w);
      }
      w.count++;
      return w.count > rule.limit ? Math.max(1, Math.ceil((w.resetAt - t) / 1000)) : 0;
    },
    reset(): void {
      windows.clear();
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
