// The key of the audit chain's HMAC. It lives outside the database, so whoever can write to the
// database cannot recompute the chain after an edit. SVODKA_AUDIT_KEY is either a path (it holds a
// «/»: the file's content is the key) or the key itself; at least 32 characters either way. Unset,
// the key is $SVODKA_DATA_DIR/audit.key, generated on first use (the embedded default: every
// process of a production installation must be given the same key instead).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from './db/settings';

const MIN_LENGTH = 32;

export class AuditKeyError extends Error {}

/** Where the key comes from: a file (given or default) or the variable's value. */
export function auditKeySource(env: NodeJS.ProcessEnv = process.env): { file: string } | { value: string } {
  const given = env.SVODKA_AUDIT_KEY?.trim();
  if (!given) return { file: path.join(dataDir(env), 'audit.key') };
  return given.includes('/') ? { file: path.resolve(given) } : { value: given };
}

function checked(key: string, where: string): Buffer {
  if (key.length < MIN_LENGTH)
    throw new AuditKeyError(`Ключ журнала аудита (${where}) короче ${MIN_LENGTH} символов.`);
  return Buffer.from(key, 'utf8');
}

/**
 * The key, or null when there is none yet and create is false (`audit verify` must not mint a key
 * that would then «verify» nothing). With create, the default file is made once, readable by its
 * owner only; a process that loses the race to create it reads the winner's.
 */
export function auditKey(env: NodeJS.ProcessEnv = process.env, create = true): Buffer | null {
  const source = auditKeySource(env);
  if ('value' in source) return checked(source.value, 'SVODKA_AUDIT_KEY');
  const read = (): Buffer | null => {
    try {
      return checked(readFileSync(source.file, 'utf8').trim(), source.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  };
  const found = read();
  if (found || !create) return found;
  if (env.SVODKA_AUDIT_KEY)
    throw new AuditKeyError(`Файл ключа журнала аудита не найден: ${source.file} (SVODKA_AUDIT_KEY).`);
  mkdirSync(path.dirname(source.file), { recursive: true });
  try {
    writeFileSync(source.file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return read();
}

/** A short public name of the key, so a mismatch can be told from tampering. */
export function auditKeyId(key: Buffer): string {
  return createHash('sha256').update('svodka-audit-key-id').update(key).digest('hex').slice(0, 16);
}
