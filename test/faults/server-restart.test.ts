// The Temporal dev server goes away (SIGTERM) and comes back on the same port with the same
// persistent database, three times while submissions are in flight; the worker (a separate
// process) and the clients ride the short outages out. The third outage outlasts the client's
// retries (~20 s) with the worker frozen: the CLI then gives up with a message that says how to
// find out what happened, and the clerk resends only what did not land. The quarter completes;
// nothing is lost or doubled.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordSubmission } from '../fixtures/docx-builders';
import { loadReference } from '../fixtures/reference';
import { submissionStatusQuery } from '../../workflows/api';
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
  waitForPhase,
  waitUntil,
} from './support';
import type { Expected, FaultStack } from './support';

const report = reliability('server-restart');
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack({ database: 'sqlite', workers: 1 });
});
afterAll(async () => {
  await stack?.stop();
  report.finish();
});

const Q = '2023-Q2';
const reference = loadReference();
const FILE_CODES = ['smolensk', 'vyazma', 'desnogorsk'];
const NIL_CODES = ['velizh', 'gagarin', 'glinka', 'demidov'];
const CODES = ['smolensk', 'velizh', 'vyazma', 'gagarin', 'glinka', 'demidov', 'desnogorsk'];

describe('Temporal dev server restarted mid-quarter', () => {
  it(
    'completes the quarter through three restarts, nothing lost or doubled',
    { timeout: 300_000 },
    async () => {
      const t0 = Date.now();
      const at = () => `${Math.round((Date.now() - t0) / 1000)} s`;
      const rowsOf = (code: string) =>
        reference.sections.find((s) => s.code === code)!.rows.map((r) => r.row);
      const expected: Expected = { quarter: Q, municipalities: new Map() };
      for (const code of CODES)
        expected.municipalities.set(code, {
          sent: 1,
          accepted: 1,
          finalRows: FILE_CODES.includes(code) ? rowsOf(code).length : 0,
          nil: NIL_CODES.includes(code),
        });
      const fileOf = async (code: string) => {
        const file = path.join(stack.dir, `${code}.docx`);
        writeFileSync(file, await wordSubmission({ rows: rowsOf(code) }));
        return file;
      };
      const worker = stack.workers[0]!;
      let restarts = 0;
      const restart = async (why: string, whileDown: () => Promise<void> = async () => {}) => {
        await stack.stopServer();
        const down = Date.now();
        await whileDown();
        await stack.startServer();
        restarts++;
        report.note(
          `server restart #${restarts} at ${at()} (${((Date.now() - down) / 1000).toFixed(1)} s down) ${why}`,
        );
      };
      // Every answer is awaited at the end; its outcome is recorded as soon as it comes.
      const outcomes: Promise<string | null>[] = [];
      const track = (what: string, p: Promise<SubmissionResult>) =>
        outcomes.push(
          p.then(
            (r) => (r.accepted ? null : `${what}: not accepted`),
            (err: unknown) => `${what}: ${String(err)}`,
          ),
        );
      const cli = async (args: string[]) => {
        const r = await stack.cliLong([...args, '--json']);
        if (r.code !== 0) throw new Error(`CLI exit ${r.code}: ${r.stdout}${r.stderr}`);
        return JSON.parse(r.stdout) as SubmissionResult;
      };
      const landed = async (code: string) =>
        (await stack.db.submission.count({ where: { quarter: Q, municipality: code } })) > 0;

      await startQuarter(stack.client, Q, CODES);
      await stack.mail.waitFor(
        (all) => all.filter((m) => m.subject.startsWith('Запрос сведений')).length === CODES.length,
        120_000,
      );

      // Restart 1: as soon as the CLI's submission has landed (the CLI now waits for the Update's
      // result), with two more submissions in flight through the client.
      track('smolensk (CLI)', cli(['submit', Q, 'smolensk', '--file', await fileOf('smolensk')]));
      track('velizh', submit(stack, stack.client, Q, 'velizh', { nil: true }));
      track(
        'vyazma',
        submit(stack, stack.client, Q, 'vyazma', { file: await wordSubmission({ rows: rowsOf('vyazma') }) }),
      );
      await waitUntil('the CLI submission to land', () => landed('smolensk'), 120_000, 100);
      await restart('once the CLI submission had landed, two more in flight');

      // Restart 2: while two submissions are in flight, before either has landed.
      const before = await stack.db.submission.count();
      track('gagarin', submit(stack, stack.client, Q, 'gagarin', { nil: true }));
      track(
        'desnogorsk',
        submit(stack, stack.client, Q, 'desnogorsk', {
          file: await wordSubmission({ rows: rowsOf('desnogorsk') }),
        }),
      );
      await sleep(200);
      const stored = (await stack.db.submission.count()) - before;
      await restart(`with two submissions in flight (${stored} of them stored when it went down)`);
      // Those ride the short outages out; they are all answered before the long one.
      const answered = await Promise.all(outcomes);
      expect(answered.filter((e) => e !== null)).toEqual([]);
      report.note(`the ${answered.length} submissions sent around the short outages answered at ${at()}`);

      // Restart 3, long: the worker freezes (SIGSTOP) with a CLI submission waiting on it, and the
      // server stays down longer than the client's retries last (~20 s). The CLI gives up with a
      // Russian message that says how to find out what happened, never a stack trace.
      const waiting = stack.cliLong(['submit', Q, 'glinka', '--nil']);
      worker.child.kill('SIGSTOP');
      await waitUntil(
        'the Update to reach the server',
        async () => {
          const d = await stack.client.workflow.getHandle(`quarter/${Q}/glinka`).describe();
          return (d.raw.pendingWorkflowTask ?? null) !== null;
        },
        60_000,
        200,
      );
      let gaveUp: Awaited<typeof waiting> | null = null;
      await restart('for longer than the client retries, the worker frozen (SIGSTOP) meanwhile', async () => {
        // A clerk who submits while the server is down is told so in Russian, with no stack trace,
        // and nothing is stored for it.
        const refused = stack.cliLong(['submit', Q, 'demidov', '--nil']).then((r) => {
          expect(r.code).toBe(1);
          expect(r.stderr).toContain('Нет связи с Temporal');
          expect(r.stderr).not.toMatch(/\n\s+at /);
        });
        gaveUp = await Promise.race([waiting, sleep(120_000).then(() => null)]);
        await refused;
      });
      expect(await landed('demidov')).toBe(false);
      worker.child.kill('SIGCONT');
      const r = (gaveUp as Awaited<typeof waiting> | null) ?? {
        code: -1,
        stdout: '',
        stderr: 'the CLI still waited after 120 s',
      };
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('Связь с Temporal прервалась');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // The clerk checks, as the message says, and sends again only if it did not land.
      const resend = await waitUntil(
        'glinka to be answered or free to resend',
        async () => {
          const s = await stack.client.workflow.getHandle(`quarter/${Q}/glinka`).query(submissionStatusQuery);
          return s.state === 'accepted' ? 'no' : s.state === 'submitted' ? undefined : 'yes';
        },
        60_000,
        500,
      );
      report.note(
        `after the long outage the Update ${resend === 'yes' ? 'had not been applied: the clerk sent it again' : 'had been applied'}`,
      );

      // The last answer after the restarts, through the CLI again.
      if (resend === 'yes') track('glinka (CLI)', cli(['submit', Q, 'glinka', '--nil']));
      track('demidov (CLI)', cli(['submit', Q, 'demidov', '--nil']));
      const errors = (await Promise.all(outcomes)).filter((e) => e !== null);
      expect(errors).toEqual([]);
      report.note(`every submission answered at ${at()}`);

      const ready = await waitForPhase(stack.client, Q, 'awaiting_approval');
      expect(ready.municipalities.map((m) => m.state)).toEqual(Array(CODES.length).fill('accepted'));
      const approved = await approveAndRead(stack, Q);
      expect(approved.code, approved.output).toBe(0);
      expect(approved.events).toBe(FILE_CODES.reduce((n, c) => n + rowsOf(c).length, 0));
      await waitForPhase(stack.client, Q, 'approved');
      await waitUntil('the quarter to complete', async () => {
        const d = await stack.client.workflow.getHandle(`quarter/${Q}`).describe();
        return d.status.name === 'COMPLETED';
      });
      report.add({ quartersCompleted: 1, faultsInjected: restarts });

      // The worker rode out both restarts: never restarted, still alive.
      expect(worker.alive()).toBe(true);
      expect(stack.workers).toHaveLength(1);

      await stack.mail.waitFor((all) => all.some((m) => m.subject.includes('подписан')), 120_000);
      const { db, mail } = await checkDelivered(stack, expected, report);
      const h = await historyStats(stack.client, Q, CODES);
      report.note(
        `completed at ${at()}; ${h.activitiesRetried} activities retried, ${h.workflowTaskTimeouts} workflow task timeouts`,
      );
      expect(db.problems).toEqual([]);
      expect(mail.problems).toEqual([]);
      // Nothing here kills a worker, so not even a same-Message-ID resend.
      expect(mail.redeliveries).toEqual([]);
      // A request and a result per municipality, and the final report.
      // Requests and results, the signed report, and the coordinator's «черновик готов» and «отчет подписан».
      expect(mail.messages).toBe(CODES.length * 2 + 3);
    },
  );
});
