// A municipality's access to its page on the portal: a 256-bit random token in the link of its
// emails. Only the token's SHA-256 is stored, so the database alone opens no page. A token names
// one municipality and one quarter and nothing else; the portal also refuses it once the quarter
// is closed or signed off (it asks the workflow on every use).
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

export async function issueToken(
  db: Db,
  input: { quarter: string; municipality: string; expiresAt?: Date | null },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.accessToken.create({
    data: {
      hash: tokenHash(token),
      quarter: input.quarter,
      municipality: input.municipality,
      expiresAt: input.expiresAt ?? null,
    },
  });
  return token;
}

/** A token for each scope, stored in one statement: a request round's links. */
export async function issueTokens(db: Db, scopes: TokenScope[]): Promise<string[]> {
  const tokens = scopes.map(() => randomBytes(32).toString('base64url'));
  await db.accessToken.createMany({
    data: scopes.map((scope, i) => ({
      hash: tokenHash(tokens[i]!),
      quarter: scope.quarter,
      municipality: scope.municipality,
      expiresAt: null,
    })),
  });
  return tokens;
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
