// «Submit an answer», the one place it happens: the CLI and the email channel at once, the portal's
// upload, form and «no events» through the inbox (application/queue-answer.ts). Store what was sent,
// hand it to the municipality's workflow as an Update whose id is the request id (the same request
// twice is one version), and let the activity that records the version write its audit entry under
// the same id.
import { z } from 'zod';
import { COLUMN_KEYS } from '../domain/types';
import type { EventRow } from '../domain/types';
import { formRowsUpload } from '../infrastructure/form-rows';
import { uploadWrite, writeUpload } from '../infrastructure/uploads';
import type { UploadWrite } from '../infrastructure/uploads';
import type { Channel, SubmissionPayload, SubmissionResult } from '../workflows/api';
import { actionMeta } from './action';
import { deliverAnswer } from './deliver-answer';
import { municipalityField, quarterField, requestIdField } from './fields';
import { defineUseCase, RefusedError } from './use-case';
import type { Actor, UseCaseContext } from './use-case';

const cell = z.string().max(20_000, 'Слишком длинный текст в ячейке: не больше 20 000 знаков.');
const row = z.object(
  Object.fromEntries(COLUMN_KEYS.map((key) => [key, cell])) as Record<
    (typeof COLUMN_KEYS)[number],
    typeof cell
  >,
);

const answer = z.discriminatedUnion(
  'kind',
  [
    z.object({
      kind: z.literal('file'),
      fileName: z.string().trim().min(1, 'У файла нет имени.').max(255, 'Имя файла слишком длинное.'),
      bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'Нет содержимого файла.'),
    }),
    z.object({
      kind: z.literal('form'),
      rows: z
        .array(row)
        .min(1, 'Заполните хотя бы одно мероприятие.')
        .max(1000, 'Слишком много строк: отправьте сведения файлом.'),
    }),
    z.object({ kind: z.literal('nil') }),
  ],
  { error: 'Укажите ответ: файл, строки формы или «мероприятия не проводились».' },
);

export const submitAnswerInput = z.object({
  quarter: quarterField,
  municipality: municipalityField,
  requestId: requestIdField,
  answer,
});

export type SubmitAnswerInput = z.input<typeof submitAnswerInput>;

/** The channel the version records: the portal's form and its upload are told apart. */
function channelOf(actor: Actor, kind: 'file' | 'form' | 'nil'): Channel {
  switch (actor.channel) {
    case 'cli':
      return 'cli';
    case 'email':
      return 'email';
    case 'portal':
      return kind === 'form' ? 'form' : 'web';
    case 'schedule':
      throw new RefusedError('Сведения представляет муниципальное образование, а не расписание.');
  }
}

/** An answer ready to be written: the payload the workflow gets, and the upload it names, if any. */
export type PreparedAnswer = { payload: SubmissionPayload; upload: UploadWrite | null };

/**
 * What storing an answer writes, for every path that takes one (submitAnswer at once, queueAnswer
 * through the portal's inbox): the bytes or rows go to the database once, and the workflow is
 * handed only the payload that names them. Nothing is written here.
 */
export function prepareAnswer(
  ctx: UseCaseContext,
  { quarter, municipality, requestId, answer }: z.output<typeof submitAnswerInput>,
): PreparedAnswer {
  const channel = channelOf(ctx.actor, answer.kind);
  const who = { actor: ctx.actor.name, origin: ctx.actor.origin };
  const action = actionMeta(ctx, requestId);
  if (answer.kind === 'nil')
    return { payload: { kind: 'nil', channel, actor: ctx.actor.name, action }, upload: null };
  // Stored once, in the database; the workflow's history carries the id only.
  const upload = uploadWrite(
    answer.kind === 'file'
      ? { quarter, municipality, fileName: answer.fileName, bytes: answer.bytes, channel, ...who }
      : formRowsUpload({ quarter, municipality, rows: answer.rows as EventRow[], ...who }),
  );
  return {
    payload: { kind: 'file', uploadId: upload.row.id, channel, actor: ctx.actor.name, action },
    upload,
  };
}

export const submitAnswer = defineUseCase({
  name: 'submitAnswer',
  input: submitAnswerInput,
  async run(ctx, input): Promise<SubmissionResult> {
    const { payload, upload } = prepareAnswer(ctx, input);
    if (upload) await writeUpload(ctx.db, ctx.files, upload);
    const { quarter, municipality, requestId } = input;
    return deliverAnswer(
      { client: await ctx.temporal(), db: ctx.db },
      { quarter, municipality, requestId },
      payload,
    );
  },
});
