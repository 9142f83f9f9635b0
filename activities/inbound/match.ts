// Which municipality and quarter an incoming email is about: the access token in the plus-address
// it was sent to (svodka+TOKEN@region.ru, from the Reply-To of Svodka's request emails), found in
// To, Cc, Delivered-To, X-Original-To or Envelope-To; failing that, a token quoted in the subject.
import type { Db } from '../db/client';
import { isTokenShaped, resolveToken } from '../tokens';
import type { TokenScope } from '../tokens';

/** The header lines that can carry the address the mail was delivered to. */
const RECIPIENT_HEADERS = [
  'to',
  'cc',
  'delivered-to',
  'x-original-to',
  'envelope-to',
  'x-envelope-to',
  'x-delivered-to',
];

const ADDRESS = /[^\s<>,;:"()[\]]+@[^\s<>,;:"()[\]]+/g;
const SUBJECT_TOKEN = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

export type HeaderLine = { key: string; line: string };

/** Tokens found in plus-addresses of the recipient headers, in header order, without repeats. */
export function plusTokens(headerLines: readonly HeaderLine[]): string[] {
  const out: string[] = [];
  for (const { key, line } of headerLines) {
    if (!RECIPIENT_HEADERS.includes(key.toLowerCase())) continue;
    const value = line.slice(line.indexOf(':') + 1);
    for (const address of value.match(ADDRESS) ?? []) {
      const local = address.slice(0, address.lastIndexOf('@'));
      const plus = local.indexOf('+');
      if (plus < 0) continue;
      const token = local.slice(plus + 1);
      if (isTokenShaped(token) && !out.includes(token)) out.push(token);
    }
  }
  return out;
}

export function subjectTokens(subject: string): string[] {
  return [...new Set(subject.match(SUBJECT_TOKEN) ?? [])];
}

export type Match =
  | { ok: true; scope: TokenScope; token: string; via: 'address' | 'subject' }
  | { ok: false; reason: 'no-token' | 'unknown-token' };

export async function matchMunicipality(
  db: Db,
  headerLines: readonly HeaderLine[],
  subject: string,
  now = new Date(),
): Promise<Match> {
  const candidates: [string, 'address' | 'subject'][] = [
    ...plusTokens(headerLines).map((t): [string, 'address'] => [t, 'address']),
    ...subjectTokens(subject).map((t): [string, 'subject'] => [t, 'subject']),
  ];
  for (const [token, via] of candidates) {
    const scope = await resolveToken(db, token, now);
    if (scope) return { ok: true, scope, token, via };
  }
  return { ok: false, reason: candidates.length ? 'unknown-token' : 'no-token' };
}
