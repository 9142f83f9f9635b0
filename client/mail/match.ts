// Which municipality and quarter an incoming email is about: the access token where Svodka put it
// and nowhere else — the plus-address of the reply mailbox (SVODKA_REPLY_TO svodka@region.ru →
// svodka+TOKEN@region.ru, the Reply-To of Svodka's request emails), found among the addresses the
// mail was sent or delivered to (To, Cc, Delivered-To, X-Original-To, Envelope-To). A token in the
// subject, or in the plus-address of any other mailbox, is not looked at.
import type { Db } from '../../infrastructure/db/client';
import { isTokenShaped, resolveToken } from '../../infrastructure/tokens';
import type { TokenScope } from '../../infrastructure/tokens';

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

export type HeaderLine = { key: string; line: string };

/**
 * Tokens found in plus-addresses of the reply mailbox in the recipient headers, in header order,
 * without repeats. replyTo is the bare mailbox (svodka@region.ru); null: no tokens at all.
 */
export function plusTokens(headerLines: readonly HeaderLine[], replyTo: string | null): string[] {
  if (!replyTo) return [];
  const mailbox = replyTo.trim().toLowerCase();
  const out: string[] = [];
  for (const { key, line } of headerLines) {
    if (!RECIPIENT_HEADERS.includes(key.toLowerCase())) continue;
    const value = line.slice(line.indexOf(':') + 1);
    for (const address of value.match(ADDRESS) ?? []) {
      const at = address.lastIndexOf('@');
      const local = address.slice(0, at);
      const plus = local.indexOf('+');
      if (plus < 0) continue;
      if (`${local.slice(0, plus)}${address.slice(at)}`.toLowerCase() !== mailbox) continue;
      const token = local.slice(plus + 1);
      if (isTokenShaped(token) && !out.includes(token)) out.push(token);
    }
  }
  return out;
}

export type Match =
  { ok: true; scope: TokenScope; token: string } | { ok: false; reason: 'no-token' | 'unknown-token' };

export async function matchMunicipality(
  db: Db,
  headerLines: readonly HeaderLine[],
  replyTo: string | null,
  now = new Date(),
): Promise<Match> {
  const candidates = plusTokens(headerLines, replyTo);
  for (const token of candidates) {
    const scope = await resolveToken(db, token, now);
    if (scope) return { ok: true, scope, token };
  }
  return { ok: false, reason: candidates.length ? 'unknown-token' : 'no-token' };
}
