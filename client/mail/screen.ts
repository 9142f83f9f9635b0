// Whether an email that carries a valid token may be submitted: a token can leak (forwarded mail,
// a shared screen), so the token alone does not decide. The sender must be one of the
// municipality's registry addresses, and the receiving server's own authentication verdict
// (Authentication-Results, RFC 8601) must not say DKIM or DMARC failed. Anything else is held for
// the coordinator, and never answered: an answer would go to whoever forged the sender.
import type { HeaderLine } from './match';

export type SenderCheck =
  | { ok: true; /** The registry's address the answer goes to (never Reply-To). */ answerTo: string }
  | { ok: false; reason: string };

export type RegistryEntry = { name: string; email: string; headEmail: string | null };

/** The bare, lower-cased address. */
export function bareAddress(address: string): string {
  const m = /<([^>]*)>/.exec(address);
  return (m ? m[1]! : address).trim().toLowerCase();
}

/** The value of a raw header line, unfolded, without its name. */
function headerValue(line: string): string {
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

/** Drops RFC 5322 comments «(…)», nested ones too. */
function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  for (const ch of value) {
    if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

export type AuthVerdict = {
  /** Authentication-Results headers from our own server (authserv-id matched). */
  trusted: number;
  /** method=result pairs from those headers, e.g. "dkim=fail". */
  results: { method: string; result: string }[];
};

/**
 * The results of the Authentication-Results headers whose authserv-id is ours. Headers with another
 * id are ignored: anyone can write one into the message they send.
 */
export function authenticationResults(headerLines: readonly HeaderLine[], authservId: string): AuthVerdict {
  const verdict: AuthVerdict = { trusted: 0, results: [] };
  const ours = authservId.trim().toLowerCase();
  for (const { key, line } of headerLines) {
    if (key.toLowerCase() !== 'authentication-results') continue;
    const [head = '', ...parts] = stripComments(headerValue(line)).split(';');
    // authserv-id, optionally followed by a version number.
    const id = head.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    if (id !== ours) continue;
    verdict.trusted++;
    for (const part of parts) {
      const m = /^\s*([a-z0-9._-]+)\s*=\s*([a-z]+)/i.exec(part);
      if (m) verdict.results.push({ method: m[1]!.toLowerCase(), result: m[2]!.toLowerCase() });
    }
  }
  return verdict;
}

/** Why our server's verdict holds the message, or null when it does not. */
function authenticationProblem(headerLines: readonly HeaderLine[], authservId: string): string | null {
  const { trusted, results } = authenticationResults(headerLines, authservId);
  if (trusted === 0)
    return `в письме нет результатов проверки подлинности от нашего почтового сервера (${authservId})`;
  const has = (method: string, result: string) =>
    results.some((r) => r.method === method && r.result === result);
  if (has('dmarc', 'fail')) return 'проверка DMARC не пройдена: адрес отправителя, вероятно, подделан';
  // One broken signature does not matter when another one verifies (RFC 6376 §6.1).
  if (has('dkim', 'fail') && !has('dkim', 'pass'))
    return 'подпись DKIM не прошла проверку: письмо могло быть подделано или изменено в пути';
  return null;
}

/**
 * Decides whether a matched email may be submitted. `from` holds the addresses of its From:
 * header; authservId is SVODKA_AUTHSERV_ID (null: Authentication-Results are not consulted).
 */
export function checkSender(input: {
  from: readonly string[];
  registry: RegistryEntry;
  headerLines: readonly HeaderLine[];
  authservId: string | null;
}): SenderCheck {
  const { registry } = input;
  const known = [registry.email, registry.headEmail].filter((a): a is string => Boolean(a?.trim()));
  // Two From: headers: mail programs differ in which one they show (RFC 5322 allows one).
  if (input.headerLines.filter((h) => h.key.toLowerCase() === 'from').length > 1)
    return { ok: false, reason: 'в письме несколько заголовков From' };
  const from = input.from.map(bareAddress).filter(Boolean);
  if (from.length !== 1) {
    return {
      ok: false,
      reason:
        from.length === 0
          ? 'в письме нет адреса отправителя (From)'
          : `в поле From несколько адресов (${from.join(', ')})`,
    };
  }
  const sender = from[0]!;
  const answerTo = known.find((a) => bareAddress(a) === sender);
  if (!answerTo) {
    return {
      ok: false,
      reason:
        `адрес отправителя ${sender} не указан в реестре для «${registry.name}» ` +
        `(в реестре: ${known.map(bareAddress).join(', ') || 'адресов нет'})`,
    };
  }
  if (input.authservId) {
    const problem = authenticationProblem(input.headerLines, input.authservId);
    if (problem) return { ok: false, reason: problem };
  }
  return { ok: true, answerTo: bareAddress(answerTo) };
}
