// The worker is a separate OS process and dies without warning (SIGKILL) while a quarter is in
// flight: while the request emails go out and while submissions are being recorded, four times,
// restarted each time; then two workers at once, one of them killed and not restarted. Every
// quarter still completes, every submission is stored exactly once, the final report has exactly
// the expected events, and no email is sent twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import { pdfFile, wordSubmission } from '../fixtures/docx-builders';
import { loadReference } from '../fixtures/reference';
import { reliability } from './report';
import {
  approveAndRead,
  checkMail,
  checkSubmissions,
  startFaultStack,
  startQuarter,
  submit,
  waitForPhase,
  waitUntil,
} from './support';
import type { Expected, FaultStack, WorkerProcess } from './support';
import type { SubmissionResult } from '../../workflows/api';

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
const Q2 = '2023-Q2';
const Q2_CODES = SMOLENSK_MUNICIPALITIES.map((m) => m.code).filter((c) => REF_CODES.includes(c) || NIL_CODES.includes(c));
const Q3 = '2023-Q3';
const Q3_CODES = ['velizh', 'vyazma', 'gagarin', 'glinka', 'demidov'];

type Answer = { code: string; kind: 'file' | 'nil' | 'bad'; via: 'client' | 'cli' };

describe('worker killed with SIGKILL mid-quarter', () => {
  it('loses nothing and doubles nothing: 4 kills and restarts, then 2 workers with one killed', { timeout: 420_000 }, async () => {
    const files = new Map<string, Uint8Array>();
    for (const section of reference.sections) files.set(section.code, await wordSubmission({ rows: section.rows.map((r) => r.row) }));
    const expected: Expected = { quarter: Q2, municipalities: new Map() };
    for (const code of Q2_CODES) {
      const section = reference.sections.find((s) => s.code === code);
      expected.municipalities.set(code, { sent: 0, accepted: 0, finalRows: section?.rows.length ?? 0, nil: !section });
    }
    const expected3: Expected = { quarter: Q3, municipalities: new Map(Q3_CODES.map((c) => [c, { sent: 0, accepted: 0, finalRows: 0, nil: true }])) };

    const pending: Promise<void>[] = [];
    const failures: string[] = [];
    // A municipality's answers go one after another, as a clerk sends a correction after the result.
    const chains = new Map<string, Promise<unknown>>();
    const send = (exp: Expected, quarter: string, a: Answer): Promise<void> => {
      const want = exp.municipalities.get(a.code)!;
      want.sent++;
      if (a.kind !== 'bad') want.accepted++;
      const bytes = a.kind === 'bad' ? pdfFile() : a.kind === 'file' ? files.get(a.code)! : null;
      const run = async (): Promise<SubmissionResult | null> => {
        if (a.via === 'client') return submit(stack, stack.client, quarter, a.code, bytes ? { file: bytes } : { nil: true });
        const args = ['submit', quarter, a.code, '--json'];
        if (bytes) {
          const { writeFileSync } = await import('node:fs');
          const file = `${stack.dir}/${quarter}-${a.code}-${want.sent}.docx`;
          writeFileSync(file, bytes);
          args.push('--file', file);
        } else args.push('--nil');
        const r = await stack.cliLong(args, 400_000);
        if (r.code !== (a.kind === 'bad' ? 1 : 0)) throw new Error(`CLI exit ${r.code}: ${r.stdout}${r.stderr}`);
        return JSON.parse(r.stdout) as SubmissionResult;
      };
      const key = `${quarter}/${a.code}`;
      const p = (chains.get(key) ?? Promise.resolve()).then(run).then(
        (result) => {
          if (result && result.accepted !== (a.kind !== 'bad')) failures.push(`${quarter}/${a.code}: accepted=${result.accepted}`);
        },
        (err: unknown) => {
          failures.push(`${quarter}/${a.code}: ${String(err)}`);
        },
      );
      chains.set(key, p);
      pending.push(p);
      return p;
    };
    const storedCount = () => stack.db.submission.count();
    let worker: WorkerProcess = stack.workers[0]!;
    let kills = 0;
    const killAndRestart = async (why: string) => {
      await worker.kill();
      kills++;
      report.note(`SIGKILL #${kills} ${why}`);
      worker = await stack.addWorker();
    };

    // Round 0: the worker dies while the request emails go out.
    await startQuarter(stack.client, Q2, Q2_CODES);
    await stack.mail.waitFor((all) => all.some((m) => m.subject.startsWith('Запрос сведений')), 120_000);
    await killAndRestart('while the request emails went out');

    // Rounds 1–3: the worker dies while submissions are being recorded. Each round sends a few at
    // once (through the client and the CLI) and kills the worker as soon as the first has landed.
    // yelnya holds back its answer until the kills are over, so the draft is never rendered while
    // a kill may come.
    const rounds: Answer[][] = [
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
    for (const [i, round] of rounds.entries()) {
      const before = await storedCount();
      for (const a of round) void send(expected, Q2, a);
      await waitUntil(`a submission of round ${i + 1} to land`, async () => (await storedCount()) > before, 300_000);
      await killAndRestart(`in round ${i + 1}, once a submission of ${round.length} had landed`);
    }

    // Two workers at once; one dies and is not replaced. A second quarter runs meanwhile.
    const second = await stack.addWorker('second');
    await startQuarter(stack.client, Q3, Q3_CODES);
    await stack.mail.waitFor((all) => all.filter((m) => m.headers.get('x-svodka-quarter') === Q3).length >= Q3_CODES.length, 300_000);
    const before3 = await storedCount();
    for (const code of Q3_CODES.slice(0, 4)) void send(expected3, Q3, { code, kind: 'nil', via: code === 'vyazma' ? 'cli' : 'client' });
    await waitUntil('a Q3 submission to land', async () => (await storedCount()) > before3, 300_000);
    await worker.kill();
    kills++;
    report.note(`SIGKILL #${kills} of one of two workers, not restarted`);
    expect(second.alive()).toBe(true);

    // The held-back answers, now that no more kills come.
    void send(expected, Q2, { code: 'yelnya', kind: 'nil', via: 'client' });
    void send(expected3, Q3, { code: 'demidov', kind: 'nil', via: 'client' });
    await Promise.all(pending);
    expect(failures).toEqual([]);

    // Both quarters reach sign-off and complete.
    for (const [quarter, exp] of [
      [Q2, expected],
      [Q3, expected3],
    ] as const) {
      const ready = await waitForPhase(stack.client, quarter, 'awaiting_approval');
      expect(ready.municipalities.map((m) => m.state)).toEqual(Array(exp.municipalities.size).fill('accepted'));
      const approved = await approveAndRead(stack, quarter);
      expect(approved.code, approved.output).toBe(0);
      const wantEvents = [...exp.municipalities.values()].reduce((n, m) => n + (m.nil ? 0 : m.finalRows), 0);
      expect(approved.events).toBe(wantEvents);
      if (quarter === Q2) {
        expect(approved.events).toBe(65);
        for (const section of reference.sections) expect(approved.sections.get(section.title)).toBe(section.rows.length);
      }
      await waitForPhase(stack.client, quarter, 'approved');
      await waitUntil(`${quarter} workflow to complete`, async () => {
        const d = await stack.client.workflow.getHandle(`quarter/${quarter}`).describe();
        return d.status.name === 'COMPLETED';
      });
      report.add({ quartersCompleted: 1 });
    }

    // Every submission exactly once; every email exactly once.
    await stack.mail.waitFor((all) => all.filter((m) => m.subject.includes('подписан')).length === 2, 120_000);
    const checks = [await checkSubmissions(stack, expected), await checkSubmissions(stack, expected3)];
    const mail = await checkMail(stack, [Q2, Q3]);
    report.add({
      faultsInjected: kills,
      submissionsSent: checks.reduce((n, c) => n + c.submissions, 0),
      submissionsLost: checks.reduce((n, c) => n + c.lost, 0),
      submissionsDoubled: checks.reduce((n, c) => n + c.doubled, 0),
      emailsReceived: mail.messages,
      emailsDuplicated: mail.duplicated,
      emailsRedelivered: mail.redelivered,
    });
    expect(checks.flatMap((c) => c.problems)).toEqual([]);
    expect(mail.problems).toEqual([]);
    // One request per municipality, one result per submission, one final report per quarter.
    const sent = [...expected.municipalities.values(), ...expected3.municipalities.values()].reduce((n, m) => n + m.sent, 0);
    expect(mail.messages).toBe(Q2_CODES.length + Q3_CODES.length + sent + 2);
    expect(second.alive()).toBe(true);
  });
});
