// «Запросить исправления» on a real dev server: four municipalities answer (rows from the reference
// report), the draft is compiled, and `svodka report request-changes` — the same use case as the
// portal's form — reopens exactly the municipalities named and emails each the comment over real
// SMTP; the others stay accepted and get nothing.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../domain/schedule';
import {
  quarterWorkflowId,
  statusQuery,
  submissionWorkflowId,
  submitUpdate,
  TASK_QUEUE,
} from '../../workflows/api';
import type { QuarterInput, QuarterStatus } from '../../workflows/api';
import { loadReference } from '../fixtures/reference';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';

const Q = '2023-Q2';
const CODES = ['smolensk', 'vyazma', 'dorogobuzh', 'velizh'];
const COMMENT = 'Уточните сроки концерта «Дружба без границ»: он указан у двух муниципальных образований.';
let stack: Stack;
let client: Client;

async function waitForStatus(
  predicate: (s: QuarterStatus) => boolean,
  timeoutMs = 90_000,
): Promise<QuarterStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await client.workflow.getHandle(quarterWorkflowId(Q)).query(statusQuery);
    if (predicate(s)) return s;
    if (Date.now() > until)
      throw new Error(
        `status not reached: ${s.phase} ${JSON.stringify(s.municipalities.map((m) => [m.code, m.state]))}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  stack = await startStack({ database: 'sqlite' });
  client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  const input: QuarterInput = {
    quarter: Q,
    // Far ahead: no reminder falls inside the test.
    deadline: '2099-07-10',
    policy: DEFAULT_POLICY,
    timeScale: 1,
    startedAt: new Date().toISOString(),
    municipalities: CODES,
  };
  await client.workflow.start('quarterlyReport', {
    taskQueue: TASK_QUEUE,
    workflowId: quarterWorkflowId(Q),
    args: [input],
  });
  await stack.mail.waitFor(
    (all) => all.filter((m) => m.subject.startsWith('Запрос')).length === CODES.length,
    60_000,
  );
  const reference = loadReference();
  for (const code of CODES) {
    const rows = reference.sections.find((s) => s.code === code)?.rows.map((r) => r.row) ?? [];
    const result = await client.workflow
      .getHandle(submissionWorkflowId(Q, code))
      .executeUpdate(submitUpdate, {
        args: [
          rows.length
            ? { kind: 'rows', rows, channel: 'cli', actor: 'test' }
            : { kind: 'nil', channel: 'cli', actor: 'test' },
        ],
      });
    expect(result.accepted, code).toBe(true);
  }
  await waitForStatus((s) => s.phase === 'awaiting_approval' && s.draftReportId !== null);
}, 240_000);

afterAll(async () => {
  await client?.connection.close();
  await stack?.stop();
});

it('reopens exactly the municipalities named and emails each the comment', { timeout: 240_000 }, async () => {
  const before = stack.mail.messages.length;
  const run = await stack.cli([
    'report',
    'request-changes',
    Q,
    '--municipality',
    'smolensk',
    'dorogobuzh',
    '--comment',
    COMMENT,
    '--json',
  ]);
  expect(run.code, run.stderr).toBe(0);
  const out = JSON.parse(run.stdout) as { reopened: string[]; requestId: string };
  expect(out.reopened).toEqual(['smolensk', 'dorogobuzh']);

  const status = await waitForStatus(
    (s) => s.municipalities.filter((m) => m.state === 'reopened').length === 2,
  );
  expect(status.phase).toBe('collecting');
  expect(Object.fromEntries(status.municipalities.map((m) => [m.code, m.state]))).toEqual({
    smolensk: 'reopened',
    vyazma: 'accepted',
    dorogobuzh: 'reopened',
    velizh: 'accepted',
  });

  await stack.mail.waitFor(
    (all) => all.slice(before).filter((m) => m.subject.startsWith('Сведения возвращены')).length === 2,
  );
  // A moment for a wrong third email to arrive, if one were on its way.
  await new Promise((r) => setTimeout(r, 1500));
  const sent = stack.mail.messages.slice(before);
  expect(sent.map((m) => m.headers.get('x-svodka-municipality')).sort()).toEqual(['dorogobuzh', 'smolensk']);
  for (const mail of sent) {
    expect(mail.subject).toMatch(/^Сведения возвращены/);
    expect(mail.text.replace(/\s+/g, ' ')).toContain(COMMENT);
  }

  // Audited once, under the run's request id, with the coordinator's name.
  const audit = await stack.db.auditEntry.findMany({ where: { action: 'quarter.request-changes' } });
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ actionId: out.requestId, actor: 'test-coordinator', quarter: Q });

  // Bad usage is refused with a Russian message before anything is sent.
  const bad = await stack.cli([
    'report',
    'request-changes',
    Q,
    '--municipality',
    'atlantis',
    '--comment',
    'x',
  ]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('atlantis');
  const empty = await stack.cli([
    'report',
    'request-changes',
    Q,
    '--municipality',
    'vyazma',
    '--comment',
    '  ',
  ]);
  expect(empty.code).toBe(2);
  expect(empty.stderr).toContain('Напишите, что нужно исправить.');
  expect((await stack.cli(['quarter', 'status', Q, '--json'])).stdout).toContain('"vyazma"');
  expect(stack.mail.messages.slice(before)).toHaveLength(2);
});
