// Coordinators' and auditors' accounts and sign-in sessions. Local accounts live in the User table
// (scrypt hashes); a session is a random cookie whose SHA-256 is the WebSession row's id. Behind an
// authenticating reverse proxy (trustProxyAuth) the proxy's X-Remote-User / X-Remote-Role are
// trusted instead.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../activities/db/client';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../activities/passwords';
import { UserError } from '../temporal';
import { randomToken, sha256Hex } from './security';

export type Role = 'coordinator' | 'auditor';
export const ROLES: readonly Role[] = ['coordinator', 'auditor'];

export type WebUser = { id: string; login: string; name: string; role: Role };
export type Viewer = { user: WebUser; csrf: string; via: 'session' | 'proxy'; sessionId: string | null };

export const MIN_PASSWORD_LENGTH = 8;
const LOGIN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Creates a local account. Throws UserError for a bad login, role or password, or a taken login. */
export async function createUser(
  db: Db,
  input: { login: string; name: string; role: Role | string; password: string },
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
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new UserError(`Пароль должен быть не короче ${MIN_PASSWORD_LENGTH} символов.`, 2);
  }
  if (await db.user.findUnique({ where: { login } }))
    throw new UserError(`Пользователь «${login}» уже есть.`);
  const user = await db.user.create({
    data: {
      id: randomUUID(),
      login,
      name,
      role: input.role,
      passwordHash: await hashPassword(input.password),
    },
  });
  return { id: user.id, login: user.login, name: user.name, role: input.role };
}

/** The user whose login and password match, or null. Takes the same time for an unknown login. */
export async function authenticate(db: Db, login: string, password: string): Promise<WebUser | null> {
  const user = login ? await db.user.findUnique({ where: { login: login.trim() } }) : null;
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !ok || !isRole(user.role)) return null;
  return { id: user.id, login: user.login, name: user.name, role: user.role };
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

export async function loadSession(
  db: Db,
  cookie: string | undefined,
  now: Date = new Date(),
): Promise<Viewer | null> {
  if (!cookie || !/^[A-Za-z0-9_-]{20,100}$/.test(cookie)) return null;
  const session = await db.webSession.findUnique({ where: { id: sha256Hex(cookie) } });
  if (!session || session.expiresAt.getTime() <= now.getTime()) return null;
  const user = await db.user.findUnique({ where: { id: session.userId } });
  if (!user || !isRole(user.role)) return null;
  return {
    user: { id: user.id, login: user.login, name: user.name, role: user.role },
    csrf: session.csrf,
    via: 'session',
    sessionId: session.id,
  };
}

export async function endSession(db: Db, cookie: string | undefined): Promise<void> {
  if (!cookie) return;
  await db.webSession.deleteMany({ where: { id: sha256Hex(cookie) } });
}
