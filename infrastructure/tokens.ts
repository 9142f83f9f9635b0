// A municipality's access to its page on the portal: a 256-bit random token in the link of its
// emails. Only the token's SHA-256 is stored, so the database alone opens no page. A token names
// one municipality and one quarter and nothing else; it expires a grace period after the deadline
// its email names, the coordinator can revoke it, and a link the coordinator issues by hand revokes
// the earlier ones unless told to keep them. The portal also refuses answers once the quarter is
// closed or signed off (it asks the workflow on every use).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from './db/client';

export type TokenScope = { quarter: string; municipality: string };

/** 32 random bytes in base64url: 43 characters of [A-Za-z0-9_-]. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function isTokenShaped(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** How long a link outlives the deadline its email names, by default (SVODKA_LINK_GRACE_DAYS). */
export const DEFAULT_LINK_GRACE_DAYS = 30;

/**
 * When a link for this deadline («YYYY-MM-DD», a day in Moscow) stops working: the end of that day
 * plus the grace period. A deadline that cannot be read gets the grace period from now.
 */
export function linkExpiry(deadline: string, graceDays: number, now: Date = new Date()): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(deadline);
  const dayMs = 24 * 60 * 60 * 1000;
  // The end of the day in Moscow (UTC+3) is 21:00 UTC.
  const end = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]), 21) : NaN;
  const base = Number.isFinite(end) ? Math.max(end, now.getTime()) : now.getTime();
  return new Date(base + graceDays * dayMs);
}

export async function issueToken(
  db: Db,
  input: { quarter: string; municipality: string; expiresAt?: Date | null; revokeOthers?: boolean },
  now: Date = new Date(),
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const create = db.accessToken.create({
    data: {
      hash: tokenHash(token),
      quarter: input.quarter,
      municipality: input.municipality,
      expiresAt: input.expiresAt ?? null,
    },
  });
  if (input.revokeOthers) {
    // One transaction: there is never a moment with the old links dead and the new one missing.
    await db.$transaction([
      db.accessToken.updateMany({
        where: { quarter: input.quarter, municipality: input.municipality, revokedAt: null },
        data: { revokedAt: now },
      }),
      create,
    ]);
  } else {
    await create;
  }
  return token;
}

/** A token for each scope, stored in one statement: a request round's links. */
export async function issueTokens(
  db: Db,
  scopes: TokenScope[],
  expiresAt: Date | null = null,
): Promise<string[]> {
  const tokens = scopes.map(() => randomBytes(32).toString('base64url'));
  await db.accessToken.createMany({
    data: scopes.map((scope, i) => ({
      hash: tokenHash(tokens[i]!),
      quarter: scope.quarter,
      municipality: scope.municipality,
      expiresAt,
    })),
  });
  return tokens;
}

export type LinkRow = {
  /** The first 8 hex digits of the token's hash: names a link without revealing it. */
  id: string;
  municipality: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  state: 'active' | 'expired' | 'revoked';
};

/** The links of a quarter (of one municipality), newest first. */
export async function listTokens(
  db: Db,
  quarter: string,
  municipality?: string,
  now: Date = new Date(),
): Promise<LinkRow[]> {
  const rows = await db.accessToken.findMany({
    where: { quarter, ...(municipality ? { municipality } : {}) },
    orderBy: [{ municipality: 'asc' }, { createdAt: 'desc' }],
    take: 10_000,
  });
  return rows.map((r) => ({
    id: r.hash.slice(0, 8),
    municipality: r.municipality,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    revokedAt: r.revokedAt,
    state: r.revokedAt
      ? 'revoked'
      : r.expiresAt && r.expiresAt.getTime() <= now.getTime()
        ? 'expired'
        : 'active',
  }));
}

/** The quarter and municipality a token opens, or null: unknown, malformed, revoked or expired. */
export async function resolveToken(
  db: Db,
  token: string,
  now: Date = new Date(),
): Promise<TokenScope | null> {
  if (typeof token !== 'string' || !isTokenShaped(token)) return null;
  const hash = tokenHash(token);
  // The lookup is by the hash of what was presented: an attacker controls neither the stored value
  // nor the hash, so timing tells nothing. The explicit comparison below is belt and braces.
  const row = await db.accessToken.findUnique({ where: { hash } });
  if (!row) return null;
  if (!timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
  if (row.revokedAt) return null;
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return null;
  return { quarter: row.quarter, municipality: row.municipality };
}

/** Makes every token of the quarter useless (after sign-off). Returns how many were revoked. */
export async function revokeQuarterTokens(db: Db, quarter: string, now: Date = new Date()): Promise<number> {
  const { count } = await db.accessToken.updateMany({
    where: { quarter, revokedAt: null },
    data: { revokedAt: now },
  });
  return count;
}

/** Revokes the tokens of one municipality for one quarter (e.g. a link sent to the wrong address). */
export async function revokeMunicipalityTokens(
  db: Db,
  quarter: string,
  municipality: string,
  now: Date = new Date(),
): Promise<number> {
  const { count } = await db.accessToken.updateMany({
    where: { quarter, municipality, revokedAt: null },
    data: { revokedAt: now },
  });
  return count;
}
