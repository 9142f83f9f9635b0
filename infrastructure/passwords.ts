// Passwords of the portal's local accounts: scrypt (memory-hard, node:crypto), stored as
// `scrypt$N$r$p$salt$hash` with the salt and the hash in base64url. Verification recomputes the
// hash with the stored parameters and compares in constant time. New passwords are checked against
// a minimum length and a list of common passwords shipped with the code.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** 2^15 × 8 × 128 bytes = 32 MiB per hash: slow for a guesser, fine for a sign-in. */
export const SCRYPT_PARAMS = { N: 32768, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** The largest parameters a stored hash may ask for (a tampered row must not exhaust memory). */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function derive(
  password: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  length: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128·N·r bytes plus a margin, or node refuses.
    scrypt(
      password.normalize('NFC'),
      salt,
      length,
      { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

export async function hashPassword(
  password: string,
  params: { N: number; r: number; p: number } = SCRYPT_PARAMS,
): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) throw new Error('Пароль не может быть пустым.');
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params.N, params.r, params.p, KEY_LENGTH);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

function parseHash(stored: string): { N: number; r: number; p: number; salt: Buffer; key: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^\d{1,8}$/.test(s!) ? Number(s) : NaN)) as [
    number,
    number,
    number,
  ];
  if (!Number.isInteger(N) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0) return null;
  if (!Number.isInteger(r) || r < 1 || r > MAX_R || !Number.isInteger(p) || p < 1 || p > MAX_P) return null;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || key.length < 16 || key.length > 128) return null;
  return { N, r, p, salt, key };
}

/** True when the password matches the stored hash; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed || typeof password !== 'string') return false;
  const key = await derive(password, parsed.salt, parsed.N, parsed.r, parsed.p, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** A hash of a random password: verified against when the login is unknown, so timing does not tell. */
let dummy: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

export const MIN_PASSWORD_LENGTH = 12;

let common: Set<string> | null = null;
/** The list shipped with the code (infrastructure/common-passwords.txt), read once. */
function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(path.join(import.meta.dirname, 'common-passwords.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
  return common;
}

/**
 * Why a new password is too weak (a Russian sentence), or null. At least 12 characters; not a common
 * password, nor one with digits and symbols around it («Password2024!»), nor the login, nor a
 * string of a few repeated characters.
 */
export function checkPasswordStrength(password: string, login = ''): string | null {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `Пароль должен быть не короче ${MIN_PASSWORD_LENGTH} символов.`;
  const lower = password.normalize('NFC').toLowerCase();
  const core = lower.replace(/^[\d\p{P}\p{S}\s]+|[\d\p{P}\p{S}\s]+$/gu, '');
  const list = commonPasswords();
  if (list.has(lower) || (core && list.has(core)))
    return 'Этот пароль слишком распространен: его подбирают первым. Придумайте другой.';
  if (login && lower.includes(login.toLowerCase())) return 'Пароль не должен содержать имя пользователя.';
  if (new Set(lower).size < 5) return 'В пароле слишком мало разных символов. Придумайте другой.';
  return null;
}
