// The portal's defences that do not depend on a page: response headers, CSRF tokens, and a small
// list of trusted reverse proxies. Rate limits are @fastify/rate-limit's, attached to routes.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';

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
    /** For the sign-in form: bound to the random nonce of the browser's signed login cookie. */
    forLogin: (nonce: string) => mac('login', nonce),
    /** For the municipality's forms: bound to the hash of its access token. */
    forToken: (tokenHash: string) => mac('token', tokenHash),
    /**
     * For a user authenticated by the reverse proxy (no session row of ours): bound to the login and
     * to a random cookie of the browser's session, so a token seen once is not valid forever.
     */
    forProxyUser: (login: string, nonce: string) => mac('proxy-user', `${login}\u0000${nonce}`),
    check(expected: string, presented: unknown): boolean {
      return typeof presented === 'string' && presented.length > 0 && safeEqual(expected, presented);
    },
  };
}
export type Csrf = ReturnType<typeof createCsrf>;

export type RateLimitRule = { limit: number; windowMs: number };

/**
 * The reverse proxies whose X-Forwarded-For (and, with proxy authentication, X-Remote-User) are
 * believed: IPv4/IPv6 addresses and CIDR blocks, as in SVODKA_TRUSTED_PROXIES. Throws on a
 * malformed entry so a typo does not silently trust nobody (or everybody).
 */
export function parseTrustedProxies(text: string | undefined | null): string[] {
  const list = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  proxyMatcher(list);
  return list;
}

/** Whether an immediate peer's address is one of the trusted proxies. */
export function proxyMatcher(list: readonly string[]): (address: string | undefined) => boolean {
  const block = new BlockList();
  for (const entry of list) {
    const [addr, bits, extra] = entry.split('/');
    const family = addr ? isIP(addr) : 0;
    const prefix = bits === undefined ? null : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!family || extra !== undefined || Number.isNaN(prefix) || (prefix ?? 0) > (family === 4 ? 32 : 128))
      throw new Error(`SVODKA_TRUSTED_PROXIES: «${entry}» — не IP-адрес и не подсеть вида 10.0.0.0/8.`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === null) block.addAddress(addr!, type);
    else block.addSubnet(addr!, prefix, type);
  }
  return (address) => {
    if (!address || list.length === 0) return false;
    // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && block.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** Compares a presented secret with the expected one in constant time, whatever their lengths. */
export function secretMatches(expected: string, presented: unknown): boolean {
  if (!expected || typeof presented !== 'string' || !presented) return false;
  const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(presented));
}
