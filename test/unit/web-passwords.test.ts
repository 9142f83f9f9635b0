import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../infrastructure/passwords';

describe('passwords (scrypt)', () => {
  it('hashes in the scrypt$N$r$p$salt$hash format and verifies', async () => {
    const hash = await hashPassword('правильный пароль 1');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('правильный пароль 1', hash)).toBe(true);
    expect(await verifyPassword('правильный пароль 2', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same', a)).toBe(true);
    expect(await verifyPassword('same', b)).toBe(true);
  });

  it('honours the stored parameters and refuses malformed or greedy hashes', async () => {
    const light = await hashPassword('x', { N: 1024, r: 8, p: 1 });
    expect(light.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('x', light)).toBe(true);
    const [, , , , salt, key] = light.split('$');
    expect(await verifyPassword('x', `scrypt$1000$8$1$${salt}$${key}`)).toBe(false); // N not a power of two
    expect(await verifyPassword('x', `scrypt$${2 ** 24}$8$1$${salt}$${key}`)).toBe(false); // too much memory
    expect(await verifyPassword('x', `bcrypt$1024$8$1$${salt}$${key}`)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
    expect(await verifyPassword('x', '')).toBe(false);
  });
});
