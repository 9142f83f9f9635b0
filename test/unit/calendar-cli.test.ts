// `svodka calendar import|show` as a coordinator runs them, on a real SQLite database; and what
// `quarter start` hands the workflow: the calendar of the quarter's years, and the warning.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { setupDatabase } from '../../infrastructure/db/setup';
import { useCaseContext } from '../../application/context';
import { startQuarter } from '../../application/start-quarter';
import { execute } from '../../application/use-case';
import { isWorkingDay } from '../../domain/calendar/working-days';
import { moscowTime } from '../../domain/schedule';
import type { QuarterInput } from '../../workflows/api';

const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/calendar');
let dir: string;
let url: string;
let db: Db;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-calendar-'));
  url = `file:${path.join(dir, 'svodka.db')}`;
  await setupDatabase(url);
  db = await createDb(url);
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  rmSync(dir, { recursive: true, force: true });
});

async function svodka(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(root, 'bin/svodka.js'), ...args],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: url, SVODKA_ACTOR: 'test-coordinator' },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('svodka calendar', () => {
  it('shows a shipped year with its decree, its days off and its working Saturdays', async () => {
    const r = await svodka('calendar', 'show', '2024');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Источник: Постановление Правительства РФ от 10.08.2023 № 1314');
    expect(r.stdout).toContain('Рабочих дней: 248');
    expect(r.stdout).toContain('  5 января 2024 года, пятница');
    expect(r.stdout).toContain('  10 мая 2024 года, пятница');
    expect(r.stdout).toMatch(
      /Рабочие субботы и воскресенья:\n {2}27 апреля 2024 года, суббота\n {2}2 ноября 2024 года, суббота\n {2}28 декабря 2024 года, суббота/,
    );
  }, 30_000);

  it('says plainly when a year is not covered, and how to add it', async () => {
    const r = await svodka('calendar', 'show', '2028');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'Производственного календаря на 2028 год нет: выходными считаются только субботы и воскресенья',
    );
    expect(r.stderr).toContain('npx svodka calendar import');
    const bad = await svodka('calendar', 'show', '28');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Год указывается четырьмя цифрами');
  }, 30_000);

  it('imports a CSV year, keeps it in the database and audits who did it', async () => {
    const r = await svodka('calendar', 'import', path.join(fixtures, 'ru-2028.csv'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Производственный календарь загружен из ru-2028.csv:');
    expect(r.stdout).toContain('2028 год: 12 нерабочих будних дней, 1 рабочая суббота или воскресенье');
    const show = await svodka('calendar', 'show', '2028');
    expect(show.stdout).toContain('Источник: файл ru-2028.csv (загружен)');
    expect(show.stdout).toContain('  10 января 2028 года, понедельник');
    expect(show.stdout).toContain('  30 декабря 2028 года, суббота');
    const entry = await db.auditEntry.findFirst({ where: { action: 'calendar.import' } });
    expect(entry?.actor).toBe('test-coordinator');
    expect(JSON.parse(entry!.detail)).toEqual({ file: 'ru-2028.csv', years: [2028] });
  }, 30_000);

  it('lets an imported XML year take precedence over the shipped one', async () => {
    // The shipped 2024 with 2 May made a day off, as a corrected calendar would.
    const text = (await import('node:fs'))
      .readFileSync(path.join(fixtures, 'xmlcalendar-2024.xml'), 'utf8')
      .replace('<day d="05.08" t="2"/>', '<day d="05.02" t="1"/>\n    <day d="05.08" t="2"/>');
    const file = path.join(dir, 'поправка-2024.xml');
    writeFileSync(file, text);
    const r = await svodka('calendar', 'import', file, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).imported[0].year).toBe(2024);
    const show = await svodka('calendar', 'show', '2024');
    expect(show.stdout).toContain('Источник: файл поправка-2024.xml (календарь от 2023.08.15) (загружен)');
    expect(show.stdout).toContain('Рабочих дней: 247');
    expect(show.stdout).toContain('Сокращенные (предпраздничные) дни:');
  }, 30_000);

  it('refuses a bad file with a Russian message and keeps what was imported before', async () => {
    const file = path.join(dir, 'плохой.csv');
    writeFileSync(file, '2028-01-03,выходной\n2028-02-30,выходной\n');
    const r = await svodka('calendar', 'import', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Ошибка: плохой.csv, строка 2: дата «2028-02-30» не читается; укажите ее как 2028-01-03 или 03.01.2028. Календарь не загружен.\n',
    );
    const show = await svodka('calendar', 'show', '2028', '--json');
    expect(JSON.parse(show.stdout).daysOff).toContain('2028-01-10');

    const missing = await svodka('calendar', 'import', path.join(dir, 'нет.xml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Файл «');

    const cp1251 = path.join(dir, 'cp1251.csv');
    writeFileSync(
      cp1251,
      Buffer.from([0x32, 0x30, 0x32, 0x38, 0x2d, 0x30, 0x31, 0x2d, 0x30, 0x33, 0x2c, 0xe2, 0xfb, 0xf5]),
    );
    const enc = await svodka('calendar', 'import', cp1251);
    expect(enc.code).toBe(1);
    expect(enc.stderr).toContain('файл не в кодировке UTF-8');
  }, 60_000);
});

describe('quarter start hands the calendar to the workflow', () => {
  function fakeClient(started: QuarterInput[]): Client {
    const start = async (_name: string, opts: { args: [QuarterInput] }) => {
      started.push(opts.args[0]);
      return {};
    };
    return { workflow: { start } } as unknown as Client;
  }

  it('a quarter in covered years: its years only, the holidays in the policy, no warning', async () => {
    const started: QuarterInput[] = [];
    const result = await execute(
      startQuarter,
      useCaseContext({
        db,
        temporal: fakeClient(started),
        clock: () => new Date(moscowTime('2024-04-01', 12)),
        actor: { name: 't', channel: 'cli', origin: 'test' },
      }),
      { quarter: '2024-Q1' },
    );
    expect(result.calendarWarning).toBeNull();
    const calendar = started[0]!.policy.calendar!;
    expect(calendar.years).toEqual([2024]);
    // The imported 2024 above (2 May off) is the one in force.
    expect(isWorkingDay('2024-05-02', calendar)).toBe(false);
    expect(isWorkingDay('2024-04-27', calendar)).toBe(true);
  });

  it('a quarter reaching an uncovered year: warned once, in the result the CLI prints', async () => {
    const started: QuarterInput[] = [];
    const result = await execute(
      startQuarter,
      useCaseContext({
        db,
        temporal: fakeClient(started),
        clock: () => new Date(moscowTime('2029-12-01', 12)),
        actor: { name: 't', channel: 'cli', origin: 'test' },
      }),
      { quarter: '2029-Q4' },
    );
    expect(result.deadline).toBe('2030-01-10');
    expect(result.calendarWarning).toContain('производственного календаря на 2029 и 2030 годы нет');
    expect(started[0]!.policy.calendar!.years).toEqual([]);
  });
});
