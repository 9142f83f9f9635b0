// The quarter over its municipalities, on the time-skipping server with mocked activities: the
// request round, a draft once every municipality is settled, changes requested and a new draft,
// sign-off, the lock of every municipality, the distribution and the record; and a close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { moscowDate } from '../../domain/schedule';
import type { ReminderPolicy } from '../../domain/schedule';
import {
  approveUpdate,
  closeSignal,
  excuseUpdate,
  quarterWorkflowId,
  requestChangesUpdate,
  reviveUpdate,
  statusQuery,
  submissionWorkflowId,
  submitUpdate,
} from '../../workflows/api';
import type {
  ArchiveRequest,
  QuarterInput,
  QuarterStatus,
  RenderRequest,
  SubmissionPayload,
} from '../../workflows/api';
import { callsOf, DAY, emailsOf, refusal, resultOf, startHarness } from './support';
import type { Harness } from './support';

const POLICY: ReminderPolicy = {
  beforeDeadlineDays: [3, 1],
  onDeadline: true,
  overdueEveryDays: 2,
  escalateAfterOverdue: 2,
  sendHourMoscow: 9,
  workingDaysOnly: false,
};
const NIL: SubmissionPayload = { kind: 'nil', channel: 'web', actor: 'clerk' };
const coordinator = { actor: 'coordinator' };

let h: Harness;

beforeAll(async () => {
  h = await startHarness('workflow-tests-quarter');
});
afterAll(async () => {
  await h?.stop();
});

async function startQuarter(quarter: string, municipalities: string[], groupSize?: number) {
  const now = await h.now();
  const input: QuarterInput = {
    quarter,
    deadline: moscowDate(now + 10 * DAY),
    policy: POLICY,
    timeScale: 1,
    startedAt: new Date(now).toISOString(),
    municipalities,
    ...(groupSize ? { groupSize } : {}),
  };
  const handle = await h.env.client.workflow.start('quarterlyReport', {
    taskQueue: h.taskQueue,
    workflowId: quarterWorkflowId(quarter),
    args: [input],
  });
  const child = (code: string) => h.env.client.workflow.getHandle(submissionWorkflowId(quarter, code));
  // The request round goes out once every municipality's execution has started (a tree's groups send their own).
  const rounds = () =>
    h.mocks.calls.filter((c) => c.name === 'sendRequestEmails' && c.workflowId.startsWith(handle.workflowId));
  await until(
    handle,
    () => rounds().length === (groupSize ? Math.ceil(municipalities.length / groupSize) : 1),
  );
  return { handle, input, child };
}

/** Waits (in real time; the server's clock stands still) until the quarter's status satisfies `ok`. */
async function until(handle: WorkflowHandle, ok: (s: QuarterStatus) => boolean): Promise<QuarterStatus> {
  const give = Date.now() + 20_000;
  for (;;) {
    const s = await handle.query(statusQuery);
    if (ok(s)) return s;
    if (Date.now() > give) throw new Error(`status not reached: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const states = (s: QuarterStatus) => Object.fromEntries(s.municipalities.map((m) => [m.code, m.state]));
const renders = (quarter: string) =>
  callsOf(h.mocks.calls, 'renderReport', quarterWorkflowId(quarter)).map((c) => c.input as RenderRequest);

describe('a quarter', () => {
  it('drafts when every municipality settles, takes changes, signs off and locks', async () => {
    const quarter = '2024-Q3';
    const codes = ['velizh', 'vyazma', 'gagarin'];
    const { handle, input, child } = await startQuarter(quarter, codes);

    // One request round for the whole quarter, not one email per municipality from their own workflows.
    expect(callsOf(h.mocks.calls, 'sendRequestEmails', handle.workflowId)[0]!.input).toEqual({
      quarter,
      deadline: input.deadline,
      codes,
    });
    expect(
      await refusal(
        handle.executeUpdate(approveUpdate, {
          args: [{ signer: 'А. А. Петрова', position: null, ...coordinator }],
        }),
      ),
    ).toContain('еще не готов');

    await child('velizh').executeUpdate(submitUpdate, {
      args: [{ kind: 'file', uploadId: 'u1', channel: 'web', actor: 'clerk' }],
    });
    await child('vyazma').executeUpdate(submitUpdate, { args: [NIL] });
    expect((await until(handle, (s) => states(s).vyazma === 'accepted')).phase).toBe('collecting');
    await child('gagarin').executeUpdate(excuseUpdate, {
      args: [{ reason: 'Реорганизация', ...coordinator }],
    });

    let s = await until(handle, (x) => x.phase === 'awaiting_approval');
    expect(states(s)).toEqual({ velizh: 'accepted', vyazma: 'accepted', gagarin: 'excused' });
    expect(renders(quarter)).toEqual([
      {
        quarter,
        kind: 'draft',
        entries: [
          { code: 'velizh', state: 'accepted', submissionId: `${quarter}/velizh/v1`, nil: false },
          { code: 'vyazma', state: 'accepted', submissionId: `${quarter}/vyazma/v1`, nil: true },
          { code: 'gagarin', state: 'excused', submissionId: null, nil: false },
        ],
      },
    ]);
    expect(s.draftReportId).toMatch(/^draft-/);

    // The coordinator sends vyazma's answer back: the quarter collects again, vyazma hears why.
    expect(
      await refusal(
        handle.executeUpdate(requestChangesUpdate, {
          args: [{ municipalities: ['smolensk'], comment: 'x', ...coordinator }],
        }),
      ),
    ).toContain('Неизвестные');
    const changes = await handle.executeUpdate(requestChangesUpdate, {
      args: [{ municipalities: ['vyazma'], comment: 'Нет встречи 12 июля', ...coordinator }],
    });
    expect(changes).toEqual({ reopened: ['vyazma'] });
    s = await until(handle, (x) => states(x).vyazma === 'reopened');
    expect(s.phase).toBe('collecting');
    const vyazmaMail = callsOf(
      h.mocks.calls,
      'sendMunicipalityEmail',
      submissionWorkflowId(quarter, 'vyazma'),
    );
    expect(vyazmaMail.map((c) => c.input)).toMatchObject([
      { kind: 'reopened', seq: 1, comment: 'Нет встречи 12 июля' },
    ]);
    const firstDraft = s.draftReportId;

    // The correction settles the quarter again: a new draft, with vyazma's second version.
    await child('vyazma').executeUpdate(submitUpdate, {
      args: [{ kind: 'rows', rows: [], channel: 'email', actor: 'clerk' }],
    });
    s = await until(handle, (x) => x.phase === 'awaiting_approval' && x.draftReportId !== firstDraft);
    expect(renders(quarter).map((r) => r.kind)).toEqual(['draft', 'draft']);
    expect(renders(quarter)[1]!.entries[1]).toEqual({
      code: 'vyazma',
      state: 'accepted',
      submissionId: `${quarter}/vyazma/v2`,
      nil: false,
    });

    const signedAt = await h.now();
    const approved = await handle.executeUpdate(approveUpdate, {
      args: [{ signer: 'А. А. Петрова', position: 'Заместитель Губернатора', ...coordinator }],
    });
    expect(approved.reportId).toMatch(/^final-/);
    const done = await handle.result();
    expect(done).toMatchObject({
      phase: 'approved',
      finalReportId: approved.reportId,
      finalSha256: approved.sha256,
    });
    expect(renders(quarter)[2]).toMatchObject({
      kind: 'final',
      signOff: { signer: 'А. А. Петрова', position: 'Заместитель Губернатора', date: moscowDate(signedAt) },
    });
    expect(callsOf(h.mocks.calls, 'distributeReport', handle.workflowId).map((c) => c.input)).toEqual([
      { quarter, reportId: approved.reportId },
    ]);
    const archives = callsOf(h.mocks.calls, 'archiveHistories', handle.workflowId).map(
      (c) => c.input as ArchiveRequest,
    );
    expect(archives.map((a) => [a.final, a.status.phase])).toEqual([[true, 'approved']]);

    // Every municipality was locked and has ended; none takes an answer any more.
    for (const code of codes) expect((await child(code).result()).code).toBe(code);
    await expect(child('gagarin').executeUpdate(submitUpdate, { args: [NIL] })).rejects.toThrow();
  });

  it('close: who has not answered is «not submitted», the draft follows, a snapshot is archived', async () => {
    const quarter = '2024-Q4';
    const { handle, input, child } = await startQuarter(quarter, ['glinka', 'demidov']);
    await child('glinka').executeUpdate(submitUpdate, { args: [NIL] });
    await until(handle, (s) => states(s).glinka === 'accepted');
    // glinka's run has ended with its answer; a correction goes to a new run the quarter starts.
    expect(await resultOf(h.env, child('glinka'))).toMatchObject({ state: 'accepted', versions: 1 });
    expect(await handle.executeUpdate(reviveUpdate, { args: [{ code: 'glinka' }] })).toEqual({ started: true });
    expect(
      await child('glinka').executeUpdate(submitUpdate, {
        args: [{ kind: 'file', uploadId: 'u2', channel: 'web', actor: 'clerk' }],
      }),
    ).toMatchObject({ accepted: true, version: 2 });
    await until(handle, (s) => s.municipalities.find((m) => m.code === 'glinka')?.versions === 2);
    // demidov stays silent past its deadline.
    await h.sleepUntil((await h.now()) + 11 * DAY);
    expect(states(await until(handle, (s) => states(s).demidov === 'overdue'))).toEqual({
      glinka: 'accepted',
      demidov: 'overdue',
    });

    await handle.signal(closeSignal, coordinator);
    const s = await until(handle, (x) => x.phase === 'awaiting_approval');
    expect(s.closed).toBe(true);
    expect(states(s)).toEqual({ glinka: 'accepted', demidov: 'not_submitted' });
    expect(
      renders(quarter)
        .at(-1)!
        .entries.map((e) => [e.code, e.state]),
    ).toEqual([
      ['glinka', 'accepted'],
      ['demidov', 'not_submitted'],
    ]);
    const snapshot = callsOf(h.mocks.calls, 'archiveHistories', handle.workflowId).map(
      (c) => c.input as ArchiveRequest,
    );
    expect(snapshot.map((a) => a.final)).toEqual([false]);
    // Not submitted at close settles demidov too: a new run refuses the late answer.
    expect(await resultOf(h.env, child('demidov'))).toMatchObject({ state: 'not_submitted' });
    await handle.executeUpdate(reviveUpdate, { args: [{ code: 'demidov' }] });
    expect(await refusal(child('demidov').executeUpdate(submitUpdate, { args: [NIL] }))).toContain('закрыт');

    // The calendar ran for demidov until the close, and stopped there.
    const d = (n: number) => moscowDate(Date.parse(`${input.deadline}T12:00:00+03:00`) + n * DAY);
    const demidov = () => emailsOf(h.mocks.calls, submissionWorkflowId(quarter, 'demidov'));
    expect(demidov()).toEqual([`reminder#1 ${d(-3)}`, `reminder#2 ${d(-1)}`, `deadline#1 ${d(0)}`]);
    await h.sleepUntil((await h.now()) + 14 * DAY);
    expect(demidov().length).toBe(3);
  });

  it('as a tree of groups: counts, a draft from the database, changes reach the municipality', async () => {
    const quarter = '2025-Q1';
    const codes = ['velizh', 'vyazma', 'gagarin', 'glinka', 'demidov'];
    const { handle, child } = await startQuarter(quarter, codes, 2);
    const groupRounds = h.mocks.calls
      .filter((c) => c.name === 'sendRequestEmails' && c.workflowId.startsWith(`${handle.workflowId}/group-`))
      .map((c) => (c.input as { codes: string[] }).codes);
    expect(groupRounds.flat().sort()).toEqual([...codes].sort());
    let s = await handle.query(statusQuery);
    expect(s).toMatchObject({ groups: 3, total: 5, municipalities: [], counts: { requested: 5 } });

    await child('gagarin').executeUpdate(excuseUpdate, {
      args: [{ reason: 'Реорганизация', ...coordinator }],
    });
    for (const code of ['velizh', 'vyazma', 'glinka'])
      await child(code).executeUpdate(submitUpdate, { args: [NIL] });
    s = await until(handle, (x) => x.counts.accepted === 3);
    expect(s.counts).toEqual({ accepted: 3, excused: 1, requested: 1 });
    expect(s.phase).toBe('collecting');

    await handle.signal(closeSignal, coordinator);
    s = await until(handle, (x) => x.phase === 'awaiting_approval');
    expect(s.counts).toEqual({ accepted: 3, excused: 1, not_submitted: 1 });
    // A tree's report is read from the database but for those who did not answer or were excused.
    expect(renders(quarter)).toEqual([
      {
        quarter,
        kind: 'draft',
        entries: [],
        fromDatabase: { excused: ['gagarin'], notSubmitted: ['demidov'] },
      },
    ]);

    await handle.executeUpdate(requestChangesUpdate, {
      args: [{ municipalities: ['glinka'], comment: 'Уточните даты', ...coordinator }],
    });
    await until(handle, (x) => x.phase === 'collecting');
    const glinka = submissionWorkflowId(quarter, 'glinka');
    await until(handle, () => callsOf(h.mocks.calls, 'sendMunicipalityEmail', glinka).length === 1);
    expect(callsOf(h.mocks.calls, 'sendMunicipalityEmail', glinka)[0]!.input).toMatchObject({
      kind: 'reopened',
      comment: 'Уточните даты',
    });
  });
});
