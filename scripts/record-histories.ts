// Records the saved histories of the replay test afresh: on a dev server of its own (free ports, a
// temporary directory), a flat quarter and a tree-run one go through every path the workflows have —
// a rejected and an accepted answer, reminders and an escalation on a compressed calendar, a manual
// reminder, extend, excuse, reopen, close, the quarter's request for changes, sign-off and the
// archive — and their histories are saved and labelled (save-histories.ts). The label names the
// recording (e.g. the change it follows); saved histories are never overwritten: the older ones stay
// until the README's rule lets them go.
//   npm run histories:record -- <label>
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/client';
import { moscowDate } from '../domain/schedule';
import type { ReminderPolicy } from '../domain/schedule';
import { startStack } from '../test/support/stack';
import type { Stack } from '../test/support/stack';
import type { ReceivedMail } from '../test/support/mail-sink';
import { historyFiles } from '../test/histories/labels';
import {
  approveUpdate,
  closeSignal,
  excuseUpdate,
  extendUpdate,
  quarterWorkflowId,
  remindUpdate,
  reopenUpdate,
  requestChangesUpdate,
  reviveUpdate,
  statusQuery,
  submissionWorkflowId,
  submitUpdate,
  TASK_QUEUE,
} from '../workflows/api';
import type { QuarterInput, QuarterPhase, SubmissionPayload } from '../workflows/api';
import { saveHistories } from './save-histories';

const DAY = 86_400_000;
/** A policy day lasts two seconds. */
const SCALE = 86_400 / 2;
const POLICY: ReminderPolicy = {
  beforeDeadlineDays: [1],
  onDeadline: true,
  overdueEveryDays: 1,
  escalateAfterOverdue: 2,
  sendHourMoscow: 9,
  workingDaysOnly: false,
};
const actor = 'record-histories';
let actions = 0;
/**
 * A decision as the surfaces send it: an action id that is also the Update's id, so the histories
 * carry the recordAudit activity the workflows run for it.
 */
function act() {
  const id = `record-histories-${++actions}`;
  return { action: { id, actor, origin: 'cli@record-histories' }, updateId: id };
}
const nil: SubmissionPayload = { kind: 'nil', channel: 'cli', actor };

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`не дождались: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const mailOf = (m: ReceivedMail, quarter: string, code: string) =>
  m.headers.get('x-svodka-quarter') === quarter && m.headers.get('x-svodka-municipality') === code;

function quarterOps(client: Client, stack: Stack, quarter: string) {
  const parent = client.workflow.getHandle(quarterWorkflowId(quarter));
  const handle = (code: string) => client.workflow.getHandle(submissionWorkflowId(quarter, code));
  /**
   * A municipality's run as the surfaces reach it (application/municipality-run.ts): a run that
   * ended with its settled answer is started again by the quarter before the command goes.
   */
  const child = (code: string) => ({
    async executeUpdate<Ret, Args extends [unknown, ...unknown[]]>(
      def: UpdateDefinition<Ret, Args>,
      options: { args: Args; updateId?: string },
    ): Promise<Ret> {
      try {
        return await handle(code).executeUpdate(def, options);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      await parent.executeUpdate(reviveUpdate, { args: [{ code }] });
      for (let i = 0; ; i++) {
        try {
          return await handle(code).executeUpdate(def, options);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError) || i > 50) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
    query: (name: string) => handle(code).query(name),
  });
  return {
    async start(codes: string[], groupSize?: number) {
      const startedAt = Date.now();
      const input: QuarterInput = {
        quarter,
        deadline: moscowDate(startedAt + 3 * DAY),
        policy: POLICY,
        timeScale: SCALE,
        startedAt: new Date(startedAt).toISOString(),
        municipalities: codes,
        ...(groupSize ? { groupSize } : {}),
      };
      await client.workflow.start('quarterlyReport', {
        taskQueue: TASK_QUEUE,
        workflowId: quarterWorkflowId(quarter),
        args: [input],
      });
      await until('запросы', async () =>
        codes.every((code) => stack.mail.messages.some((m) => mailOf(m, quarter, code))),
      );
      return input;
    },
    submit: (code: string, payload: SubmissionPayload) =>
      child(code).executeUpdate(submitUpdate, { args: [payload] }),
    child,
    parent,
    phase: async (phase: QuarterPhase) =>
      until(`фаза ${phase}`, async () => (await parent.query(statusQuery)).phase === phase),
    async signOff() {
      const { action, updateId } = act();
      await parent.executeUpdate(approveUpdate, {
        args: [{ signer: 'И. И. Иванов', position: null, actor, action }],
        updateId,
      });
      await parent.result();
    },
  };
}

/** An Update's options for a decision: its payload with an action, and the action's id as the Update's. */
function decision<T extends object>(payload: T) {
  const { action, updateId } = act();
  return { args: [{ ...payload, action }] as [T & { action: typeof action }], updateId };
}

async function flat(client: Client, stack: Stack, label: string): Promise<string[]> {
  const q = quarterOps(client, stack, '2023-Q2');
  const input = await q.start(['velizh', 'vyazma', 'gagarin', 'glinka', 'demidov']);
  // vyazma: rejected (no rows), then accepted with a row.
  const rejected = await q.submit('vyazma', { kind: 'rows', rows: [], channel: 'web', actor });
  if (rejected.accepted) throw new Error('пустой отчет принят');
  const row = {
    title: 'Визит делегации города-побратима',
    place: 'г. Вязьма',
    dates: '15.05.2023',
    purpose: 'Развитие культурных связей',
    participants: 'Делегация, 12 человек',
  };
  const accepted = await q.submit('vyazma', { kind: 'rows', rows: [row], channel: 'form', actor });
  if (!accepted.accepted) throw new Error(`строка не принята: ${JSON.stringify(accepted.findings)}`);
  await q.child('glinka').executeUpdate(excuseUpdate, decision({ reason: 'Реорганизация', actor }));
  const later = moscowDate(Date.parse(input.startedAt) + 30 * DAY);
  await q.child('gagarin').executeUpdate(extendUpdate, decision({ until: later, actor }));
  await q.submit('demidov', nil);
  await q.child('demidov').executeUpdate(reopenUpdate, decision({ comment: 'Проверьте', actor }));
  await q.child('velizh').executeUpdate(remindUpdate, decision({ actor }));
  // velizh stays silent until the escalation; demidov, sent back, is overdue by then.
  await until('эскалация', async () =>
    stack.mail.messages.some(
      (m) => mailOf(m, '2023-Q2', 'velizh') && m.subject.startsWith('Не представлены'),
    ),
  );
  await q.submit('velizh', nil);
  await q.submit('demidov', nil);
  await q.parent.signal(closeSignal, { actor, action: act().action });
  await q.phase('awaiting_approval');
  await q.parent.executeUpdate(
    requestChangesUpdate,
    decision({ municipalities: ['vyazma'], comment: 'Уточните даты', actor }),
  );
  await until('vyazma на доработке', async () => {
    const s = await q.parent.query(statusQuery);
    return s.municipalities.find((m) => m.code === 'vyazma')?.state === 'reopened';
  });
  await q.submit('vyazma', nil);
  await q.phase('awaiting_approval');
  await q.signOff();
  return saveHistories({
    address: stack.temporalAddress,
    quarter: '2023-Q2',
    codes: ['velizh', 'vyazma', 'gagarin', 'glinka', 'demidov'],
    label: `${label}-flat`,
  });
}

async function tree(client: Client, stack: Stack, label: string): Promise<string[]> {
  const q = quarterOps(client, stack, '2024-Q1');
  await q.start(['velizh', 'vyazma', 'gagarin', 'glinka'], 2);
  await q.submit('vyazma', nil);
  await q.submit('velizh', nil);
  await q.child('glinka').executeUpdate(excuseUpdate, decision({ reason: 'Реорганизация', actor }));
  await q.parent.signal(closeSignal, { actor, action: act().action });
  await q.phase('awaiting_approval');
  await q.parent.executeUpdate(
    requestChangesUpdate,
    decision({ municipalities: ['vyazma'], comment: 'Уточните', actor }),
  );
  await until('vyazma на доработке', async () => {
    const s = await q.child('vyazma').query('submissionStatusQuery');
    return (s as { state: string }).state === 'reopened';
  });
  await q.submit('vyazma', nil);
  await q.phase('awaiting_approval');
  await q.signOff();
  return saveHistories({
    address: stack.temporalAddress,
    quarter: '2024-Q1',
    codes: ['group-0', 'group-1', 'vyazma', 'gagarin'],
    label: `${label}-tree`,
  });
}

async function main(): Promise<void> {
  const label = process.argv[2];
  if (!label || !/^[\w.-]+$/.test(label)) {
    console.error('usage: npm run histories:record -- <label>   (letters, digits, . _ -)');
    process.exit(2);
  }
  const taken = historyFiles().filter((f) => f.includes(`@${label}-`));
  if (taken.length > 0) {
    console.error(`Истории с меткой «${label}» уже есть (${taken.join(', ')}): выберите другую.`);
    process.exit(2);
  }
  const stack = await startStack({ database: 'sqlite' });
  const client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  try {
    const files = [...(await flat(client, stack, label)), ...(await tree(client, stack, label))];
    console.log(`Сохранено историй: ${files.length}`);
  } finally {
    await client.connection.close();
    await stack.stop();
  }
}

await main();
