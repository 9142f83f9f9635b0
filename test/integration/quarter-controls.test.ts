// A quarter's controls on the real parts: the CLI against a real dev server, emails through real
// SMTP, visibility by search attribute, and the audit trail. The reminder calendar itself (what is
// sent when, silence after an answer or an excuse, the plan an extension moves) is the workflow
// tests' (test/workflows/), on the time-skipping server in seconds; here policy time only runs fast
// enough for the escalation to go out by email while the coordinator works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moscowDate } from '../../domain/schedule';
import type { ReminderPolicy } from '../../domain/schedule';
import {
  quarterWorkflowId,
  statusQuery,
  submissionWorkflowId,
  submitUpdate,
  TASK_QUEUE,
} from '../../workflows/api';
import type { QuarterInput, QuarterStatus } from '../../workflows/api';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';
import type { ReceivedMail } from '../support/mail-sink';
import { Client, Connection } from '@temporalio/client';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { approveUpdate, closeSignal, extendUpdate } from '../../workflows/api';

const DAY = 86_400_000;
/** A day of policy lasts three seconds. */
const SCALE = 86_400 / 3;
/** Straight to overdue reminders and the escalation after the first of them. */
const POLICY: ReminderPolicy = {
  beforeDeadlineDays: [],
  onDeadline: false,
  overdueEveryDays: 1,
  escalateAfterOverdue: 1,
  sendHourMoscow: 9,
  workingDaysOnly: false,
};
const CODES = ['velizh', 'vyazma', 'gagarin', 'glinka', 'demidov'];

let stack: Stack;
let client: Client;

const mailsTo = (code: string) => (m: ReceivedMail) => m.headers.get('x-svodka-municipality') === code;
const kindOf = (m: ReceivedMail) => {
  const s = m.subject;
  if (s.startsWith('Запрос')) return 'request';
  if (s.startsWith('Срок истек')) return 'overdue';
  if (s.startsWith('Не представлены')) return 'escalation';
  if (s.startsWith('Сведения приняты')) return 'accepted';
  if (s.startsWith('Срок продлен')) return 'extended';
  if (s.startsWith('Сведения возвращены')) return 'reopened';
  if (s.startsWith('Сведения 2') || s.includes('не требуются')) return 'excused';
  return s;
};

/**
 * A nil answer through the same Update the CLI sends, without a CLI process: `svodka submit` itself
 * is the thin path's (all 27 municipalities) and velizh's below.
 */
async function answer(code: string): Promise<{ code: number; stderr: string }> {
  const result = await client.workflow
    .getHandle(submissionWorkflowId('2023-Q3', code))
    .executeUpdate(submitUpdate, { args: [{ kind: 'nil', channel: 'cli', actor: 'test-coordinator' }] });
  return { code: result.accepted ? 0 : 1, stderr: JSON.stringify(result.findings) };
}

async function status(): Promise<QuarterStatus> {
  return client.workflow.getHandle(quarterWorkflowId('2023-Q3')).query(statusQuery);
}

async function waitForStatus(
  predicate: (s: QuarterStatus) => boolean,
  timeoutMs = 60_000,
): Promise<QuarterStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await status();
    if (predicate(s)) return s;
    if (Date.now() > until)
      throw new Error(
        `status not reached: ${JSON.stringify(s.municipalities.map((m) => [m.code, m.state]))}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('a quarter in depth', () => {
  beforeAll(async () => {
    stack = await startStack({ database: 'sqlite' });
    client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  });
  afterAll(async () => {
    await client?.connection.close();
    await stack?.stop();
  });

  it(
    "escalates by email, obeys the coordinator's CLI, and writes it all down",
    { timeout: 180_000 },
    async () => {
      const startedAt = Date.now();
      const deadline = moscowDate(startedAt + DAY);
      const input: QuarterInput = {
        quarter: '2023-Q3',
        deadline,
        policy: POLICY,
        timeScale: SCALE,
        startedAt: new Date(startedAt).toISOString(),
        municipalities: CODES,
      };
      await client.workflow.start('quarterlyReport', {
        taskQueue: TASK_QUEUE,
        workflowId: quarterWorkflowId('2023-Q3'),
        args: [input],
      });
      await stack.mail.waitFor((all) => all.filter((m) => kindOf(m) === 'request').length === CODES.length);

      // At once, as four people would: vyazma answers; glinka is excused; gagarin gets weeks more;
      // demidov answers, then is sent back for a correction.
      const newDeadline = moscowDate(startedAt + 90 * DAY);
      const [vyazma, excuse, extend, demidov] = await Promise.all([
        answer('vyazma'),
        stack.cli(['quarter', 'excuse', '2023-Q3', 'glinka', '--reason', 'Реорганизация администрации']),
        stack.cli(['quarter', 'extend', '2023-Q3', 'gagarin', '--until', newDeadline]),
        answer('demidov'),
      ]);
      for (const done of [vyazma, excuse, extend, demidov]) expect(done.code, done.stderr).toBe(0);
      const reopen = await stack.cli([
        'quarter',
        'reopen',
        '2023-Q3',
        'demidov',
        '--comment',
        'Проверьте, были ли встречи с делегацией',
      ]);
      expect(reopen.code, reopen.stderr).toBe(0);

      // velizh stays silent: the escalation goes out to its head, with the coordinator copied.
      await stack.mail.waitFor((all) => all.some((m) => mailsTo('velizh')(m) && kindOf(m) === 'escalation'));
      const escalation = stack.mail.messages.find((m) => mailsTo('velizh')(m) && kindOf(m) === 'escalation')!;
      expect(escalation.to).toBe('glava.velizh@mo.example.ru');
      expect(escalation.cc).toBe('coordinator@svodka.example.ru');
      expect((await stack.cli(['submit', '2023-Q3', 'velizh', '--nil'])).code).toBe(0);

      // Each decision reached its municipality by email.
      await stack.mail.waitFor(
        (all) =>
          all.some((m) => mailsTo('glinka')(m) && kindOf(m) === 'excused') &&
          all.some((m) => mailsTo('gagarin')(m) && kindOf(m) === 'extended') &&
          all.some((m) => mailsTo('demidov')(m) && kindOf(m) === 'reopened') &&
          all.some((m) => mailsTo('velizh')(m) && kindOf(m) === 'accepted'),
      );

      let s = await waitForStatus(
        (x) => x.municipalities.find((m) => m.code === 'velizh')?.state === 'accepted',
      );
      const state = (code: string) => s.municipalities.find((m) => m.code === code)!;
      expect(state('glinka')).toMatchObject({
        state: 'excused',
        excuseReason: 'Реорганизация администрации',
      });
      expect(state('gagarin')).toMatchObject({ deadline: newDeadline });
      expect(['reopened', 'overdue']).toContain(state('demidov').state);
      expect(s.phase).toBe('collecting');

      // The search attribute answers who is where, as the Web UI would (visibility lags a little).
      const excused = async () => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({
          query: 'Quarter="2023-Q3" AND SubmissionStatus="excused"',
        }))
          ids.push(wf.workflowId);
        return ids;
      };
      const seen = Date.now() + 10_000;
      while ((await excused()).length !== 1 && Date.now() < seen)
        await new Promise((r) => setTimeout(r, 250));
      expect(await excused()).toEqual(['quarter/2023-Q3/glinka']);

      // demidov corrects (version 2); the coordinator closes: gagarin becomes «не представлено».
      expect((await answer('demidov')).code).toBe(0);
      expect((await stack.cli(['quarter', 'close', '2023-Q3'])).code).toBe(0);
      s = await waitForStatus((x) => x.phase === 'awaiting_approval');
      expect(s.municipalities.map((m) => [m.code, m.state])).toEqual([
        ['velizh', 'accepted'],
        ['vyazma', 'accepted'],
        ['gagarin', 'not_submitted'],
        ['glinka', 'excused'],
        ['demidov', 'accepted'],
      ]);
      expect(state('demidov').versions).toBe(2);

      // What the coordinator did is in the record, joined with who did it. Sign-off and the record's
      // verification are the thin path's (thin-path.ts), the portal's and the topology's.
      const [late, audit, whole] = await Promise.all([
        stack.cli(['submit', '2023-Q3', 'gagarin', '--nil']),
        stack.cli(['audit', '2023-Q3', '--municipality', 'velizh', '--json']),
        stack.cli(['audit', '2023-Q3']),
      ]);
      expect(late.code).toBe(1);
      expect(late.stderr).toContain('закрыт');
      expect(audit.code, audit.stderr).toBe(0);
      const timeline = JSON.parse(audit.stdout) as { kind: string; actor?: string }[];
      const kinds = timeline.map((e) => e.kind);
      expect(kinds).toContain('email.request');
      expect(kinds).toContain('email.overdue');
      expect(kinds).toContain('email.escalation');
      expect(kinds).toContain('accepted');
      expect(timeline.some((e) => e.kind === 'submission' && e.actor === 'test-coordinator')).toBe(true);
      expect(whole.stdout).toContain('сбор сведений закрыт координатором');
    },
  );

  it("writes a decision's audit entry in the workflow, once per action", { timeout: 120_000 }, async () => {
    // The sign-off manifest needs the installation's key; the in-process worker reads it per report.
    const keyFile = path.join(stack.dir, 'signing.pem');
    writeFileSync(
      keyFile,
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
    );
    const before = process.env.SVODKA_SIGNING_KEY;
    process.env.SVODKA_SIGNING_KEY = keyFile;
    try {
      const quarter = '2023-Q4';
      const startedAt = Date.now();
      const input: QuarterInput = {
        quarter,
        deadline: moscowDate(startedAt + 30 * DAY),
        policy: POLICY,
        timeScale: 1,
        startedAt: new Date(startedAt).toISOString(),
        municipalities: ['velizh', 'vyazma'],
      };
      const parent = await client.workflow.start('quarterlyReport', {
        taskQueue: TASK_QUEUE,
        workflowId: quarterWorkflowId(quarter),
        args: [input],
      });
      const velizh = client.workflow.getHandle(submissionWorkflowId(quarter, 'velizh'));
      await stack.mail.waitFor((all) =>
        all.some((m) => mailsTo('velizh')(m) && m.headers.get('x-svodka-quarter') === quarter),
      );
      const entries = (actionId: string) => stack.db.auditEntry.findMany({ where: { actionId } });
      const settle = async (actionId: string) => {
        for (let i = 0; i < 200 && (await entries(actionId)).length === 0; i++)
          await new Promise((r) => setTimeout(r, 100));
        return entries(actionId);
      };
      const who = { actor: 'petrova', origin: 'web@192.0.2.7' };

      // A form posted twice: the same request id, so the same Update — one extension, one entry.
      const until = moscowDate(startedAt + 40 * DAY);
      const extend = { until, actor: 'petrova', action: { id: 'req-extend-1', ...who } };
      const first = await velizh.executeUpdate(extendUpdate, { args: [extend], updateId: 'req-extend-1' });
      const again = await velizh.executeUpdate(extendUpdate, { args: [extend], updateId: 'req-extend-1' });
      expect(again).toEqual(first);
      const extended = await settle('req-extend-1');
      // Give a second write every chance to show up before counting.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await entries('req-extend-1')).toHaveLength(1);
      expect(extended[0]).toMatchObject({
        quarter,
        municipality: 'velizh',
        action: 'quarter.extend',
        actor: 'petrova',
        origin: 'web@192.0.2.7',
      });
      expect(JSON.parse(extended[0]!.detail)).toMatchObject({ until, actionId: 'req-extend-1' });
      const extendedMails = () =>
        stack.mail.messages.filter(
          (m) =>
            mailsTo('velizh')(m) && m.headers.get('x-svodka-quarter') === quarter && kindOf(m) === 'extended',
        );
      await stack.mail.waitFor(() => extendedMails().length > 0);
      expect(extendedMails()).toHaveLength(1);

      // Both answer; the coordinator closes and approves, each decision with its action.
      for (const code of ['velizh', 'vyazma'])
        await client.workflow
          .getHandle(submissionWorkflowId(quarter, code))
          .executeUpdate(submitUpdate, { args: [{ kind: 'nil', channel: 'web', actor: 'clerk' }] });
      await parent.signal(closeSignal, { actor: 'petrova', action: { id: 'req-close-1', ...who } });
      expect(await settle('req-close-1')).toMatchObject([{ action: 'quarter.close', municipality: null }]);
      await waitForStatusOf(quarter, (x) => x.phase === 'awaiting_approval');
      const approval = { signer: 'А. А. Петрова', position: null, actor: 'petrova' };
      const approved = await parent.executeUpdate(approveUpdate, {
        args: [{ ...approval, action: { id: 'req-approve-1', ...who } }],
        updateId: 'req-approve-1',
      });
      // Written by the activity that stored the final report, before its manifest: the chain the
      // manifest anchors includes the approval.
      const [entry] = await entries('req-approve-1');
      expect(entry).toMatchObject({ quarter, action: 'report.approve', actor: 'petrova' });
      expect(JSON.parse(entry!.detail)).toMatchObject({ ...approved, signer: approval.signer });
      const report = await stack.db.report.findUniqueOrThrow({ where: { id: approved.reportId } });
      const manifest = JSON.parse(report.manifest!) as { auditHead: { id: number; hash: string } };
      expect(manifest.auditHead).toEqual({ id: entry!.id, hash: entry!.hash });
      await parent.result();
    } finally {
      if (before === undefined) delete process.env.SVODKA_SIGNING_KEY;
      else process.env.SVODKA_SIGNING_KEY = before;
    }
  });
});

async function waitForStatusOf(quarter: string, predicate: (s: QuarterStatus) => boolean): Promise<void> {
  const handle = client.workflow.getHandle(quarterWorkflowId(quarter));
  for (let i = 0; i < 600; i++) {
    if (predicate(await handle.query(statusQuery))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${quarter}: status not reached`);
}
