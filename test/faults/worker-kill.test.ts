// The worker is a separate OS process and dies without warning (SIGKILL) while a quarter is in
// flight. First as the only worker, twice (while the request emails go out, and while submissions
// are being recorded), restarted each time; then with two workers at once, one of them killed
// twice more, the last time not replaced. The quarter completes, every submission is stored
// exactly once, the final report has exactly the expected events, and no email is sent twice.
//
// An activity caught in flight by a kill runs again only after its start-to-close timeout (two
// minutes, workflows/municipality-submission.ts): the kills come close together so that those
// minutes overlap, and the test waits for them.
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import { pdfFile, wordSubmission } from '../fixtures/docx-builders';
import { loadReference } from '../fixtures/reference';
import type { SubmissionResult } from '../../workflows/api';
import { reliability } from './report';
import {
  approveAndRead,
  checkDelivered,
  historyStats,
  startFaultStack,
  startQuarter,
  submit,
  waitForPhase,
  waitUntil,
} from './support';
import type { Expected, FaultStack, WorkerProcess } from './support';

const report = reliability('worker-kill');
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack({ database: 'sqlite', workers: 1 });
});
afterAll(async () => {
  await stack?.stop();
  report.finish();
});

const reference = loadReference();
const REF_CODES = reference.sections.map((s) => s.code);
const NIL_CODES = ['velizh', 'gagarin', 'glinka', 'yelnya'];
const Q = '2023-Q2';
const CODES = SMOLENSK_MUNICIPALITIES.map((m) => m.code).filter(
  (c) => REF_CODES.includes(c) || NIL_CODES.includes(c),
);

type Answer = { code: string; kind: 'file' | 'nil' | 'bad'; via: 'client' | 'cli' };

/** Each round sends a few answers at once; the worker dies as soon as the first has landed. */
const ROUNDS: Answer[][] = [
  [
    { code: 'smolensk', kind: 'file', via: 'client' },
    { code: 'vyazma', kind: 'bad', via: 'client' },
    { code: 'velizh', kind: 'nil', via: 'cli' },
    { code: 'desnogorsk', kind: 'file', via: 'client' },
  ],
  [
    { code: 'dorogobuzh', kind: 'file', via: 'cli' },
    { code: 'gagarin', kind: 'nil', via: 'client' },
    { code: 'krasny', kind: 'bad', via: 'client' },
    { code: 'pochinok', kind: 'file', via: 'client' },
  ],
  [
    { code: 'vyazma', kind: 'file', via: 'client' },
    { code: 'rudnya', kind: 'file', via: 'cli' },
    { code: 'glinka', kind: 'nil', via: 'client' },
    { code: 'krasny', kind: 'file', via: 'client' },
    { code: 'khislavichi', kind: 'file', via: 'client' },
  ],
];

describe('worker killed with SIGKILL mid-quarter', () => {
  it('loses nothing and doubles nothing: 4 kills, alone and one of two', { timeout: 420_000 }, async () => {
    const t0 = Date.now();
    const at = () => `${Math.round((Date.now() - t0) / 1000)} s`;
    const files = new Map<string, Uint8Array>();
    for (const section of reference.sections)
      files.set(section.code, await wordSubmission({ rows: section.rows.map((r) => r.row) }));
    const expected: Expected = { quarter: Q, municipalities: new Map() };
    for (const code of CODES) {
      const section = reference.sections.find((s) => s.code === code);
      expected.municipalities.set(code, {
        sent: 0,
        accepted: 0,
        finalRows: section?.rows.length ?? 0,
        nil: !section,
      });
    }

    const pending: Promise<void>[] = [];
    const failures: string[] = [];
    // A municipality's answers go one after another, as a clerk sends a correction after the result.
    const chains = new Map<string, Promise<unknown>>();
    const send = (a: Answer): void => {
      const want = expected.municipalities.get(a.code)!;
      want.sent++;
      if (a.kind !== 'bad') want.accepted++;
      const bytes = a.kind === 'bad' ? pdfFile() : a.kind === 'file' ? files.get(a.code)! : null;
      const run = async (): Promise<SubmissionResult> => {
        if (a.via === 'client')
          return submit(stack, stack.client, Q, a.code, bytes ? { file: bytes } : { nil: true });
        const args = ['submit', Q, a.code, '--json'];
        if (bytes) {
          const file = `${stack.dir}/${a.code}-${want.sent}.docx`;
          writeFileSync(file, bytes);
          args.push('--file', file);
        } else args.push('--nil');
        // Long enough to outlast an activity's two-minute timeout after a kill.
        const r = await stack.cliLong(args, 400_000);
        if (r.code !== (a.kind === 'bad' ? 1 : 0))
          throw new Error(`CLI exit ${r.code}: ${r.stdout}${r.stderr}`);
        return JSON.parse(r.stdout) as SubmissionResult;
      };
      const p = (chains.get(a.code) ?? Promise.resolve()).then(run).then(
        (result) => {
          if (result.accepted !== (a.kind !== 'bad')) failures.push(`${a.code}: accepted=${result.accepted}`);
        },
        (err: unknown) => {
          failures.push(`${a.code}: ${String(err)}`);
        },
      );
      chains.set(a.code, p);
      pending.push(p);
    };
    const stored = () => stack.db.submission.count();
    let kills = 0;
    const kill = async (w: WorkerProcess, why: string) => {
      await w.kill();
      kills++;
      report.note(`SIGKILL #${kills} at ${at()} ${why}`);
    };
    const round = async (i: number) => {
      const before = await stored();
      for (const a of ROUNDS[i]!) send(a);
      await waitUntil(
        `a submission of round ${i + 1} to land`,
        async () => (await stored()) > before,
        300_000,
        100,
      );
    };

    // The only worker dies while the request emails go out, and again while answers are recorded.
    let sole = stack.workers[0]!;
    await startQuarter(stack.client, Q, CODES);
    await stack.mail.waitFor((all) => all.some((m) => m.subject.startsWith('Запрос сведений')), 120_000);
    await kill(sole, 'the only worker, while the request emails went out');
    sole = await stack.addWorker();
    await round(0);
    await kill(sole, `the only worker, once the first of ${ROUNDS[0]!.length} answers had landed`);
    // Two workers from now on; each round one of them dies.
    const pair = await Promise.all([stack.addWorker(), stack.addWorker('second')]);
    let a = pair[0];
    const b = pair[1];
    await round(1);
    await kill(a, `one of two workers, once the first of ${ROUNDS[1]!.length} answers had landed; replaced`);
    a = await stack.addWorker();
    await round(2);
    await kill(
      b!,
      `one of two workers, once the first of ${ROUNDS[2]!.length} answers had landed; not replaced`,
    );
    expect(a.alive()).toBe(true);

    // yelnya held its answer back until the kills were over, so the draft is never rendered while
    // a kill may come (the render's timeout is ten minutes).
    send({ code: 'yelnya', kind: 'nil', via: 'client' });
    await Promise.all(pending);
    report.note(`every submission answered at ${at()}`);
    expect(failures).toEqual([]);

    const ready = await waitForPhase(stack.client, Q, 'awaiting_approval');
    expect(ready.municipalities.map((m) => m.state)).toEqual(Array(CODES.length).fill('accepted'));
    const approved = await approveAndRead(stack, Q);
    expect(approved.code, approved.output).toBe(0);
    expect(approved.events).toBe(65);
    for (const section of reference.sections)
      expect(approved.sections.get(section.title)).toBe(section.rows.length);
    await waitForPhase(stack.client, Q, 'approved');
    await waitUntil(`${Q} workflow to complete`, async () => {
      const d = await stack.client.workflow.getHandle(`quarter/${Q}`).describe();
      return d.status.name === 'COMPLETED';
    });
    report.add({ quartersCompleted: 1, faultsInjected: kills });
    const h = await historyStats(stack.client, Q, CODES);
    report.note(
      `completed at ${at()}; ${h.retriedAfterTimeout} activities caught in flight by a kill ran again after ` +
        `their 2-minute start-to-close timeout; ${h.workflowTaskTimeouts} workflow tasks timed out and were retried`,
    );

    // Every submission exactly once; every email exactly once.
    await stack.mail.waitFor((all) => all.some((m) => m.subject.includes('подписан')), 120_000);
    const { db, mail } = await checkDelivered(stack, expected, report);
    expect(db.problems).toEqual([]);
    expect(mail.problems).toEqual([]);
    // A kill between the relay taking an email and the outbox marking it sent makes the retry send
    // it again, under the same Message-ID (a receiver drops it): allowed only as such a retry.
    for (const r of mail.redeliveries) {
      expect(r.times, r.messageId).toBe(2);
      expect(r.attempts, r.messageId).toBeGreaterThanOrEqual(2);
      report.note(
        `${r.messageId} delivered twice: the worker was killed after the relay took it, before the outbox marked it sent`,
      );
    }
    // One request per municipality, one result per submission, the final report, and the
    // coordinator's «черновик готов» and «отчет подписан» — each once, kills or not.
    const sent = [...expected.municipalities.values()].reduce((n, m) => n + m.sent, 0);
    expect(mail.messages).toBe(CODES.length + sent + 3);
    expect(a.alive()).toBe(true);
  });
});
