// The application's database is unavailable while municipalities submit. SQLite: another process
// holds BEGIN EXCLUSIVE (in WAL mode readers go on, every writer waits; an exclusive locking mode
// cannot be had while the worker keeps the file open). PostgreSQL (when TEST_POSTGRES_URL is set):
// the database stops taking connections and every open one is terminated. Submissions made during
// the outage wait — inside SQLite's busy timeout, or as activity retries on PostgreSQL — and land
// exactly once when the database is back.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { wordSubmission, sampleRow } from '../fixtures/docx-builders';
import { loadReference } from '../fixtures/reference';
import type { SubmissionResult } from '../../workflows/api';
import { reliability } from './report';
import {
  approveAndRead,
  checkDelivered,
  historyStats,
  sleep,
  startFaultStack,
  startQuarter,
  submit,
  waitForChildren,
  waitForPhase,
  waitUntil,
} from './support';
import type { Expected, FaultStack } from './support';
import { repoRoot } from '../support/stack';

const report = reliability('database-down');
afterAll(() => report.finish());

const Q = '2023-Q2';
const CODES = ['smolensk', 'velizh', 'vyazma', 'gagarin', 'glinka', 'demidov'];
const OUTAGE_MS = 12_000;
const reference = loadReference();
const rowsOf = (code: string) => reference.sections.find((s) => s.code === code)!.rows.map((r) => r.row);

type Outage = { begin(): Promise<void>; end(): Promise<void> };

/** Another process holds the SQLite write lock until told to let go (or 90 s at most). */
function sqliteOutage(databaseUrl: string): Outage {
  const file = databaseUrl.replace(/^file:/, '');
  const script = `
    const Database = require(${JSON.stringify(path.join(repoRoot, 'node_modules/better-sqlite3'))});
    const db = new Database(${JSON.stringify(file)}, { timeout: 30000 });
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    const release = () => { db.exec('ROLLBACK'); db.close(); process.stdout.write('released\\n'); process.exit(0); };
    process.stdin.on('data', release);
    setTimeout(release, 90000);
  `;
  let child: ReturnType<typeof spawn> | null = null;
  const line = (text: string) =>
    new Promise<void>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes(text)) resolve();
      });
      child!.once('exit', (code) =>
        out.includes(text) ? resolve() : reject(new Error(`lock holder exited ${code}: ${out}`)),
      );
    });
  return {
    async begin() {
      child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
      await line('locked');
    },
    async end() {
      const released = line('released');
      child!.stdin!.write('release\n');
      await released;
    },
  };
}

/** The database refuses new connections and every open one is cut. */
function postgresOutage(databaseUrl: string): Outage {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    async begin() {
      await admin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await admin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
      );
    },
    async end() {
      await admin(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    },
  };
}

function outageSuite(database: 'sqlite' | 'postgresql') {
  let stack: FaultStack;
  afterAll(async () => {
    await stack?.stop();
  });

  it(
    `${database}: submissions during the outage wait and land exactly once`,
    { timeout: 300_000 },
    async () => {
      stack = await startFaultStack({ database, workers: 1 });
      const outage =
        database === 'sqlite' ? sqliteOutage(stack.databaseUrl) : postgresOutage(stack.databaseUrl);
      const t0 = Date.now();
      const at = () => `${Math.round((Date.now() - t0) / 1000)} s`;
      const expected: Expected = { quarter: Q, municipalities: new Map() };
      const want = (code: string, finalRows: number, nil: boolean) =>
        expected.municipalities.set(code, { sent: 1, accepted: 1, finalRows, nil });

      await startQuarter(stack.client, Q, CODES);
      await waitForChildren(stack.client, Q, CODES);
      await stack.mail.waitFor((all) => all.length === CODES.length, 120_000);
      const files = new Map<string, string>();
      for (const code of ['smolensk', 'vyazma']) {
        const file = path.join(stack.dir, `${code}.docx`);
        writeFileSync(file, await wordSubmission({ rows: rowsOf(code) }));
        files.set(code, file);
      }

      // The outage. From here until it ends the test itself keeps off the database (its writes
      // would wait on SQLite, fail on PostgreSQL).
      await outage.begin();
      const down = Date.now();
      report.note(`${database}: outage began at ${at()}`);
      const done = new Map<string, number>();
      const outcomes: Promise<string | null>[] = [];
      const track = (code: string, p: Promise<SubmissionResult>) =>
        outcomes.push(
          p.then(
            (r) => {
              done.set(code, Date.now());
              return r.accepted ? null : `${code}: not accepted ${JSON.stringify(r.findings)}`;
            },
            (err: unknown) => `${code}: ${String(err)}`,
          ),
        );
      track('velizh', submit(stack, stack.client, Q, 'velizh', { nil: true }));
      want('velizh', 0, true);
      track('gagarin', submit(stack, stack.client, Q, 'gagarin', { nil: true }));
      want('gagarin', 0, true);
      track('glinka', submit(stack, stack.client, Q, 'glinka', { rows: [sampleRow()] }, 'form'));
      want('glinka', 1, false);
      // A clerk's CLI: on SQLite it waits for the lock like everything else; on PostgreSQL it cannot
      // even look the municipality up, and says so — it is sent again after the outage.
      const cliDuring = stack.cliLong(['submit', Q, 'smolensk', '--file', files.get('smolensk')!, '--json']);
      want('smolensk', rowsOf('smolensk').length, false);
      if (database === 'sqlite') {
        track(
          'smolensk',
          cliDuring.then((r) => {
            if (r.code !== 0) throw new Error(`CLI exit ${r.code}: ${r.stderr}`);
            return JSON.parse(r.stdout) as SubmissionResult;
          }),
        );
      }
      await sleep(OUTAGE_MS - (Date.now() - down));
      // Nothing came back while the database was out.
      expect([...done.keys()]).toEqual([]);
      if (database === 'postgresql') {
        const r = await cliDuring;
        report.note(
          `postgresql: a CLI submission during the outage exited ${r.code}: ${r.stderr.split('\n')[0]}`,
        );
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('база данных Svodka недоступна');
        // A reason, when given, says something: never an empty «()».
        expect(r.stderr).not.toContain('недоступна ()');
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
      await outage.end();
      const up = Date.now();
      report.note(`${database}: outage ended after ${((up - down) / 1000).toFixed(1)} s`);
      if (database === 'postgresql') {
        track(
          'smolensk',
          stack.cliLong(['submit', Q, 'smolensk', '--file', files.get('smolensk')!, '--json']).then((r) => {
            if (r.code !== 0) throw new Error(`CLI exit ${r.code}: ${r.stderr}`);
            return JSON.parse(r.stdout) as SubmissionResult;
          }),
        );
      }
      const errors = (await Promise.all(outcomes)).filter((e) => e !== null);
      expect(errors).toEqual([]);
      for (const [code, when] of done) expect(when, code).toBeGreaterThanOrEqual(up - 50);
      report.note(
        `${database}: the submissions sent during the outage landed ${[...done.values()].map((t) => `${((t - up) / 1000).toFixed(1)} s`).join(', ')} after it ended`,
      );

      // The rest, and sign-off.
      expect(
        (
          await submit(stack, stack.client, Q, 'vyazma', {
            file: await wordSubmission({ rows: rowsOf('vyazma') }),
          })
        ).accepted,
      ).toBe(true);
      want('vyazma', rowsOf('vyazma').length, false);
      expect((await submit(stack, stack.client, Q, 'demidov', { nil: true })).accepted).toBe(true);
      want('demidov', 0, true);
      await waitForPhase(stack.client, Q, 'awaiting_approval');
      const approved = await approveAndRead(stack, Q);
      expect(approved.code, approved.output).toBe(0);
      expect(approved.events).toBe(rowsOf('smolensk').length + rowsOf('vyazma').length + 1);
      await waitUntil('the quarter to complete', async () => {
        const d = await stack.client.workflow.getHandle(`quarter/${Q}`).describe();
        return d.status.name === 'COMPLETED';
      });
      await stack.mail.waitFor((all) => all.some((m) => m.subject.includes('подписан')), 120_000);

      const { db, mail } = await checkDelivered(stack, expected, report);
      const h = await historyStats(stack.client, Q, CODES);
      report.note(
        `${database}: completed at ${at()}; ${h.activitiesRetried} activities retried (${h.extraAttempts} extra attempts)`,
      );
      report.add({
        faultsInjected: 1,
        quartersCompleted: 1,
      });
      expect(db.problems).toEqual([]);
      expect(mail.problems).toEqual([]);
      // Nothing here kills a worker, so not even a same-Message-ID resend.
      expect(mail.redeliveries).toEqual([]);
      // Requests and results, the signed report, and the coordinator's «черновик готов» and «отчет подписан».
      expect(mail.messages).toBe(CODES.length * 2 + 3);
      // An Upload row may be left by the refused PostgreSQL CLI run, never a Submission.
    },
  );
}

describe('database down: SQLite locked by another process', () => outageSuite('sqlite'));
describe('database down: PostgreSQL refuses connections', () => outageSuite('postgresql'));
