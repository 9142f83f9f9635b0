// Coordinators' and auditors' accounts and sign-in sessions. Local accounts live in the User table
// (scrypt hashes); a session is a random cookie whose SHA-256 is the WebSession row's id. Behind an
// authenticating reverse proxy (trustProxyAuth) the proxy's X-Remote-User / X-Remote-Role are
// trusted instead.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../infrastructure/db/client';
import {
  checkPasswordStrength,
  dummyPasswordHash,
  hashPassword,
  verifyPassword,
} from '../../infrastructure/passwords';
import { UserError } from '../temporal';
import { randomToken, sha256Hex } from './security';

export type Role = 'coordinator' | 'auditor';
export const ROLES: readonly Role[] = ['coordinator', 'auditor'];

/** regionId: the one region whose quarters the account sees; null or absent: every region. */
export type WebUser = { id: string; login: string; name: string; role: Role; regionId?: number | null };
export type Viewer = { user: WebUser; csrf: string; via: 'session' | 'proxy'; sessionId: string | null };

export { MIN_PASSWORD_LENGTH } from '../../infrastructure/passwords';
const LOGIN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Creates a local account. Throws UserError for a bad login, role or password, or a taken login. */
export async function createUser(
  db: Db,
  input: { login: string; name: string; role: Role | string; password: string; regionId?: number | null },
): Promise<WebUser> {
  const login = input.login.trim();
  const name = input.name.trim();
  if (!LOGIN_PATTERN.test(login)) {
    throw new UserError(
      'Имя пользователя: 2–64 символа — латинские буквы, цифры и «._@-», начиная с буквы или цифры.',
      2,
    );
  }
  if (!name) throw new UserError('Укажите имя и фамилию пользователя.', 2);
  if (!isRole(input.role)) throw new UserError('Роль: coordinator (координатор) или auditor (аудитор).', 2);
  const weak = checkPasswordStrength(input.password, login);
  if (weak) throw new UserError(weak, 2);
  if (await db.user.findUnique({ where: { login } }))
    throw new UserError(`Пользователь «${login}» уже есть.`);
  const user = await db.user.create({
    data: {
      id: randomUUID(),
      login,
      name,
      role: input.role,
      regionId: input.regionId ?? null,
      passwordHash: await hashPassword(input.password),
    },
  });
  return { id: user.id, login: user.login, name: user.name, role: input.role, regionId: user.regionId };
}

export type Lockout = { threshold: number; ms: number };
export const DEFAULT_LOCKOUT: Lockout = { threshold: 5, ms: 15 * 60_000 };

export type SignInOutcome =
  | { ok: true; user: WebUser }
  | { ok: false; reason: 'bad' | 'locked' | 'disabled'; lockedUntil?: Date; justLocked?: boolean };

/**
 * Checks a login and password. Takes the same time for an unknown login. After lockout.threshold
 * failures in a row the account refuses every sign-in (even the right password) for lockout.ms, or
 * until `svodka user unlock`: per account, whatever the addresses the guesses come from.
 */
export async function signInCheck(
  db: Db,
  login: string,
  password: string,
  lockout: Lockout = DEFAULT_LOCKOUT,
  now: Date = new Date(),
): Promise<SignInOutcome> {
  const user = login ? await db.user.findUnique({ where: { login: login.trim() } }) : null;
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !isRole(user.role)) return { ok: false, reason: 'bad' };
  if (user.disabledAt) return { ok: false, reason: 'disabled' };
  if (user.lockedUntil && user.lockedUntil.getTime() > now.getTime())
    return { ok: false, reason: 'locked', lockedUntil: user.lockedUntil };
  if (ok) {
    if (user.failedLogins > 0 || user.lockedUntil)
      await db.user.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null } });
    return {
      ok: true,
      user: { id: user.id, login: user.login, name: user.name, role: user.role, regionId: user.regionId },
    };
  }
  // An expired lock starts a fresh count.
  const failed = (user.lockedUntil ? 0 : user.failedLogins) + 1;
  const lock = failed >= lockout.threshold ? new Date(now.getTime() + lockout.ms) : null;
  await db.user.update({
    where: { id: user.id },
    data: { failedLogins: lock ? 0 : failed, lockedUntil: lock },
  });
  return lock
    ? { ok: false, reason: 'locked', lockedUntil: lock, justLocked: true }
    : { ok: false, reason: 'bad' };
}

/** The user whose login and password match, or null (locked and disabled accounts too). */
export async function authenticate(db: Db, login: string, password: string): Promise<WebUser | null> {
  const outcome = await signInCheck(db, login, password);
  return outcome.ok ? outcome.user : null;
}

async function userByLogin(db: Db, login: string) {
  const user = await db.user.findUnique({ where: { login: login.trim() } });
  if (!user) throw new UserError(`Пользователя «${login}» нет.`, 2);
  return user;
}

/** Lifts a lockout after failed sign-ins. */
export async function unlockUser(db: Db, login: string): Promise<void> {
  const user = await userByLogin(db, login);
  await db.user.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null } });
}

/** Disables (or enables again) an account; disabling ends its sessions. */
export async function setUserDisabled(db: Db, login: string, disabled: boolean): Promise<void> {
  const user = await userByLogin(db, login);
  await db.user.update({ where: { id: user.id }, data: { disabledAt: disabled ? new Date() : null } });
  if (disabled) await db.webSession.deleteMany({ where: { userId: user.id } });
}

/** Sets a new password (checked like a new account's) and ends the account's sessions. */
export async function changePassword(db: Db, login: string, password: string): Promise<void> {
  const user = await userByLogin(db, login);
  const weak = checkPasswordStrength(password, user.login);
  if (weak) throw new UserError(weak, 2);
  await db.user.update({
    where: { id: user.id },
    data: { passwordHash: await hashPassword(password), failedLogins: 0, lockedUntil: null },
  });
  await db.webSession.deleteMany({ where: { userId: user.id } });
}

/** Ends every session of an account. Returns how many there were. */
export async function endUserSessions(db: Db, login: string): Promise<number> {
  const user = await userByLogin(db, login);
  const { count } = await db.webSession.deleteMany({ where: { userId: user.id } });
  return count;
}

export async function createSession(
  db: Db,
  userId: string,
  ttlMs: number,
  now: Date = new Date(),
): Promise<{ cookie: string; csrf: string; expiresAt: Date }> {
  const cookie = randomToken(32);
  const csrf = randomToken(24);
  const expiresAt = new Date(now.getTime() + ttlMs);
  // Expired sessions are of no use to anyone: sweep them while we are here.
  await db.webSession.deleteMany({ where: { expiresAt: { lt: now } } });
  await db.webSession.create({ data: { id: sha256Hex(cookie), userId, csrf, expiresAt } });
  return { cookie, csrf, expiresAt };
}

/** Below this, a session's last-seen time is not rewritten on every request. */
const TOUCH_EVERY_MS = 30_000;

export async function loadSession(
  db: Db,
  cookie: string | undefined,
  options: { idleTimeoutMs?: number; now?: Date } = {},
): Promise<Viewer | null> {
  const now = options.now ?? new Date();
  if (!cookie || !/^[A-Za-z0-9_-]{20,100}$/.test(cookie)) return null;
  const session = await db.webSession.findUnique({ where: { id: sha256Hex(cookie) } });
  if (!session || session.expiresAt.getTime() <= now.getTime()) return null;
  const idle = now.getTime() - session.lastSeenAt.getTime();
  if (options.idleTimeoutMs && idle > options.idleTimeoutMs) {
    await db.webSession.deleteMany({ where: { id: session.id } });
    return null;
  }
  const user = await db.user.findUnique({ where: { id: session.userId } });
  if (!user || !isRole(user.role) || user.disabledAt) return null;
  if (idle > TOUCH_EVERY_MS)
    await db.webSession.updateMany({ where: { id: session.id }, data: { lastSeenAt: now } });
  return {
    user: { id: user.id, login: user.login, name: user.name, role: user.role, regionId: user.regionId },
    csrf: session.csrf,
    via: 'session',
    sessionId: session.id,
  };
}

export async function endSession(db: Db, cookie: string | undefined): Promise<void> {
  if (!cookie) return;
  await db.webSession.deleteMany({ where: { id: sha256Hex(cookie) } });
}
