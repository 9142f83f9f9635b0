// `svodka notify show` without Temporal: the settings live in the database and are shown whatever
// Temporal's state; the daily schedule's state only when Temporal answers — otherwise a Russian line
// says it could not be reached, and the command still succeeds.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showNotificationsAnyway } from '../../client/notifications';
import { createTestDb } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';
import { freePort, runCli } from '../support/stack';

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const svodka = (temporal: string, ...args: string[]) =>
  runCli(args, {
    ...process.env,
    DATABASE_URL: `file:${path.join(t.dir, 'svodka.db')}`,
    TEMPORAL_ADDRESS: temporal,
    SVODKA_ACTOR: 'test-coordinator',
    SVODKA_COORDINATOR_EMAIL: 'coordinator@region.example.ru',
  });

describe('svodka notify show without Temporal', () => {
  it('shows the settings from the database and says the schedule could not be asked', async () => {
    // Nothing listens on this port: Temporal is down.
    const nowhere = `127.0.0.1:${await freePort()}`;
    const set = await svodka(
      nowhere,
      'notify',
      'set',
      '--digest',
      'off',
      '--recipients',
      'otdel@region.example.ru',
    );
    expect(set.code, set.stderr).toBe(0);
    // `set` needs no Temporal either, and no longer claims the schedule is not created.
    expect(set.stdout).not.toContain('Расписание рассылки');

    const shown = await svodka(nowhere, 'notify', 'show');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('Ежедневная сводка (рабочие дни): отключено');
    expect(shown.stdout).toContain('«Черновик готов»: включено');
    expect(shown.stdout).toContain('Получатели: otdel@region.example.ru');
    expect(shown.stdout).toContain(
      'Расписание рассылки: неизвестно — не удалось связаться с Temporal; настройки выше прочитаны из базы данных.',
    );
    expect(shown.stdout).toContain(`Нет связи с Temporal на ${nowhere}`);
    expect(shown.stdout).not.toContain('не создано');
    expect(shown.stderr).toBe('');
  }, 60_000);

  it('gives the settings as JSON, with no schedule and the reason, when Temporal accepts but never answers', async () => {
    // A listener that takes the connection and says nothing: the command must not hang on it.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const shown = await svodka(`127.0.0.1:${port}`, 'notify', 'show', '--json');
      expect(shown.code, shown.stderr).toBe(0);
      expect(Date.now() - started).toBeLessThan(40_000);
      const view = JSON.parse(shown.stdout) as Record<string, unknown>;
      expect(view).toMatchObject({
        settings: {
          digest: false,
          draftReady: true,
          signedOff: true,
          recipients: ['otdel@region.example.ru'],
        },
        recipients: ['otdel@region.example.ru'],
      });
      expect(view).not.toHaveProperty('schedule');
      expect(view.unreachable).toContain('Нет связи с Temporal');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 60_000);
});

describe('showNotificationsAnyway', () => {
  /** A client whose daily schedule describes as `describe` does. */
  const clientWith = (describe: () => Promise<unknown>) =>
    ({
      withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
      schedule: { getHandle: () => ({ describe }) },
    }) as unknown as Client;

  it('tells the schedule’s state when Temporal answers', async () => {
    const next = new Date('2027-05-14T05:30:00Z');
    const view = await showNotificationsAnyway(
      async () =>
        clientWith(async () => ({
          state: { paused: true },
          info: { nextActionTimes: [next], recentActions: [] },
        })),
      t.db,
      'coordinator@region.example.ru',
    );
    expect(view.schedule).toEqual({ paused: true, nextRun: next.toISOString(), recent: [] });
    expect(view.unreachable).toBeUndefined();
    expect(view.settings.digest).toBe(false);
  });

  it('says «none» when Temporal answers that there is no schedule, and the reason when it fails', async () => {
    const none = await showNotificationsAnyway(
      async () =>
        clientWith(async () => {
          throw new ScheduleNotFoundError('schedule not found', 'svodka-daily');
        }),
      t.db,
      'coordinator@region.example.ru',
    );
    expect(none.schedule).toBeNull();
    expect(none.unreachable).toBeUndefined();

    const failed = await showNotificationsAnyway(
      async () =>
        clientWith(async () => {
          throw new Error('14 UNAVAILABLE: connection refused');
        }),
      t.db,
      'coordinator@region.example.ru',
    );
    expect(failed).not.toHaveProperty('schedule');
    expect(failed.unreachable).toContain('UNAVAILABLE');
    expect(failed.recipients).toEqual(['otdel@region.example.ru']);
  });
});
