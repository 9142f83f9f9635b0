// `svodka --as LOGIN …`: a command that changes state runs as a named account of the portal, its
// password checked against the stored scrypt hash (SVODKA_PASSWORD, or typed without echo), and
// the audit log records that account instead of the operating system's user.
import type { Command } from 'commander';
import { appendAudit } from '../../infrastructure/audit';
import { dummyPasswordHash, verifyPassword } from '../../infrastructure/passwords';
import { getDb, origin, setSignedIn, UserError } from './context';

/** Commands an auditor may run as themselves: they read, never change. */
const READ_ONLY = new Set([
  'municipalities',
  'template',
  'quarter status',
  'quarter diff',
  'report draft',
  'report verify',
  'audit',
  'audit verify',
  'audit anchor',
]);

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

async function readSecret(): Promise<string> {
  if (process.env.SVODKA_PASSWORD) return process.env.SVODKA_PASSWORD;
  const { readPassword } = await import('../web/users');
  return readPassword();
}

export async function signInAs(login: string, command: Command): Promise<void> {
  const db = await getDb();
  const password = await readSecret();
  const user = await db.user.findUnique({ where: { login } });
  // The same work whether or not the account exists: the answer's timing tells nothing.
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !ok) {
    await appendAudit(db, {
      quarter: null,
      municipality: null,
      action: 'cli.login.failed',
      actor: login,
      origin: origin(),
    });
    throw new UserError('Неверное имя учетной записи или пароль (--as).', 1);
  }
  const path = commandPath(command);
  if (user.role !== 'coordinator' && !READ_ONLY.has(path))
    throw new UserError(`Учетной записи «${login}» (аудитор) команда «${path}» недоступна.`, 1);
  setSignedIn(user.login);
}
