// The use cases with small fakes: their schemas refuse bad input in Russian before anything is
// done, the request id becomes the Update's id (Temporal's dedupe key), and the action's meta (who,
// from where, under which id) reaches the workflow for the activity's audit entry.
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { approveReport } from '../../application/approve-report';
import { closeCollection } from '../../application/close-collection';
import { useCaseContext } from '../../application/context';
import { excuse } from '../../application/excuse';
import { extendDeadline } from '../../application/extend-deadline';
import { remind } from '../../application/remind';
import { reopen } from '../../application/reopen';
import { submitAnswer } from '../../application/submit-answer';
import { execute, InvalidInputError } from '../../application/use-case';
import type { Actor } from '../../application/use-case';
import type { BlobStore } from '../../infrastructure/blobs';
import type { Db } from '../../infrastructure/db/client';

type Call = { workflowId: string; kind: 'update' | 'signal'; name: string; arg: unknown; updateId?: string };

function fakes(actor: Actor = { name: 'coord', channel: 'portal', origin: 'web@10.0.0.1' }) {
  const calls: Call[] = [];
  const uploads: Record<string, unknown>[] = [];
  const client = {
    workflow: {
      getHandle: (workflowId: string) => ({
        async executeUpdate(def: { name: string }, opts: { args: unknown[]; updateId?: string }) {
          calls.push({
            workflowId,
            kind: 'update',
            name: def.name,
            arg: opts.args[0],
            updateId: opts.updateId,
          });
          return { accepted: true, version: 1 };
        },
        async signal(def: { name: string }, arg: unknown) {
          calls.push({ workflowId, kind: 'signal', name: def.name, arg });
        },
      }),
    },
  } as unknown as Client;
  const db = {
    upload: {
      async create({ data }: { data: Record<string, unknown> }) {
        uploads.push(data);
        return data;
      },
    },
  } as unknown as Db;
  const files = { put: async () => 'f'.repeat(64), get: async () => null } as unknown as BlobStore;
  const ctx = useCaseContext({ db, files, temporal: client, actor });
  return { ctx, calls, uploads };
}

const target = { quarter: '2023-Q2', municipality: 'vyazma', requestId: 'web-0123456789abcdef' };

async function refusal(run: () => Promise<unknown>): Promise<string> {
  const err = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInputError);
  return (err as InvalidInputError).message;
}

describe('the use cases refuse bad input at the boundary, in Russian, doing nothing', () => {
  it('a quarter, a date, a reason, a comment, a request id', async () => {
    const { ctx, calls } = fakes();
    expect(await refusal(() => execute(remind, ctx, { ...target, quarter: '2023-Q5' }))).toContain(
      'Не удалось распознать квартал «2023-Q5»',
    );
    expect(await refusal(() => execute(extendDeadline, ctx, { ...target, until: '2099-02-30' }))).toBe(
      'Новый срок: Такой даты нет: 2099-02-30',
    );
    expect(await refusal(() => execute(extendDeadline, ctx, { ...target, until: '20.07.2099' }))).toContain(
      'Новый срок: Дата указывается как ГГГГ-ММ-ДД',
    );
    expect(await refusal(() => execute(excuse, ctx, { ...target, reason: '   ' }))).toBe(
      'Укажите причину освобождения.',
    );
    expect(await refusal(() => execute(reopen, ctx, { ...target, comment: '' }))).toBe(
      'Напишите, что нужно исправить.',
    );
    expect(await refusal(() => execute(remind, ctx, { ...target, municipality: '../other' }))).toContain(
      'не может содержать',
    );
    expect(await refusal(() => execute(remind, ctx, { ...target, requestId: 'x' }))).toContain(
      'Идентификатор запроса',
    );
    expect(
      await refusal(() => execute(remind, ctx, { ...target, requestId: undefined as unknown as string })),
    ).toContain('Нет идентификатора запроса');
    expect(await refusal(() => execute(approveReport, ctx, { ...target, signer: ' ', position: null }))).toBe(
      'Укажите, кто подписывает отчет.',
    );
    expect(
      await refusal(() => execute(submitAnswer, ctx, { ...target, answer: { kind: 'form', rows: [] } })),
    ).toBe('Заполните хотя бы одно мероприятие.');
    expect(calls).toEqual([]);
  });
});

describe('the request id is the Update id, and the action reaches the workflow', () => {
  it('each decision on a municipality: its own Update, under the request id', async () => {
    const { ctx, calls } = fakes();
    await execute(extendDeadline, ctx, { ...target, until: '2099-08-01' });
    await execute(excuse, ctx, { ...target, reason: ' реорганизация ' });
    await execute(remind, ctx, target);
    await execute(reopen, ctx, { ...target, comment: 'строка 3' });
    const action = { id: target.requestId, actor: 'coord', origin: 'web@10.0.0.1' };
    expect(calls).toEqual([
      {
        workflowId: 'quarter/2023-Q2/vyazma',
        kind: 'update',
        name: 'extendUpdate',
        arg: { until: '2099-08-01', actor: 'coord', action },
        updateId: target.requestId,
      },
      {
        workflowId: 'quarter/2023-Q2/vyazma',
        kind: 'update',
        name: 'excuseUpdate',
        arg: { reason: 'реорганизация', actor: 'coord', action },
        updateId: target.requestId,
      },
      {
        workflowId: 'quarter/2023-Q2/vyazma',
        kind: 'update',
        name: 'remindUpdate',
        arg: { actor: 'coord', action },
        updateId: target.requestId,
      },
      {
        workflowId: 'quarter/2023-Q2/vyazma',
        kind: 'update',
        name: 'reopenUpdate',
        arg: { comment: 'строка 3', actor: 'coord', action },
        updateId: target.requestId,
      },
    ]);
  });

  it('the quarter as typed ("2023-q2") is the canonical one in the workflow id', async () => {
    const { ctx, calls } = fakes();
    await execute(remind, ctx, { ...target, quarter: ' 2023-q2 ' });
    expect(calls[0]!.workflowId).toBe('quarter/2023-Q2/vyazma');
  });

  it('close and sign-off go to the quarter: the signal and the Update carry the action', async () => {
    const { ctx, calls } = fakes();
    await execute(closeCollection, ctx, { quarter: '2023-Q2', requestId: 'cli-close-0001' });
    await execute(approveReport, ctx, {
      quarter: '2023-Q2',
      requestId: 'cli-approve-0001',
      signer: 'И. И. Иванов',
      position: '',
    });
    expect(calls).toEqual([
      {
        workflowId: 'quarter/2023-Q2',
        kind: 'signal',
        name: 'closeSignal',
        arg: { actor: 'coord', action: { id: 'cli-close-0001', actor: 'coord', origin: 'web@10.0.0.1' } },
      },
      {
        workflowId: 'quarter/2023-Q2',
        kind: 'update',
        name: 'approveUpdate',
        arg: {
          signer: 'И. И. Иванов',
          position: null,
          actor: 'coord',
          action: { id: 'cli-approve-0001', actor: 'coord', origin: 'web@10.0.0.1' },
        },
        updateId: 'cli-approve-0001',
      },
    ]);
  });

  it('an answer: stored, then submitted under the request id, with the channel of its surface', async () => {
    const clerk: Actor = { name: 'vyazma', channel: 'portal', origin: 'web@10.0.0.2' };
    const { ctx, calls, uploads } = fakes(clerk);
    await execute(submitAnswer, ctx, {
      ...target,
      answer: {
        kind: 'form',
        rows: [
          { title: 'Визит', place: 'Минск', dates: '3 апреля 2023 года', purpose: 'х', participants: 'у' },
        ],
      },
    });
    await execute(submitAnswer, ctx, { ...target, requestId: 'web-nil-00000001', answer: { kind: 'nil' } });
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ channel: 'form', actor: 'vyazma', origin: 'web@10.0.0.2' });
    const action = { actor: 'vyazma', origin: 'web@10.0.0.2' };
    expect(calls.map((c) => [c.name, c.updateId, c.arg])).toEqual([
      [
        'submitUpdate',
        target.requestId,
        {
          kind: 'file',
          uploadId: uploads[0]!.id,
          channel: 'form',
          actor: 'vyazma',
          action: { ...action, id: target.requestId },
        },
      ],
      [
        'submitUpdate',
        'web-nil-00000001',
        { kind: 'nil', channel: 'web', actor: 'vyazma', action: { ...action, id: 'web-nil-00000001' } },
      ],
    ]);

    const mail = fakes({ name: 'glava@vyazma.test', channel: 'email', origin: 'email:glava@vyazma.test' });
    await execute(submitAnswer, mail.ctx, {
      ...target,
      requestId: `email-${'a'.repeat(64)}`,
      answer: { kind: 'file', fileName: 'сведения.docx', bytes: Buffer.from('PK') },
    });
    expect(mail.uploads[0]).toMatchObject({ channel: 'email', fileName: 'сведения.docx', size: 2 });
    expect(mail.calls[0]).toMatchObject({
      updateId: `email-${'a'.repeat(64)}`,
      arg: { channel: 'email', action: { actor: 'glava@vyazma.test', origin: 'email:glava@vyazma.test' } },
    });
  });
});
