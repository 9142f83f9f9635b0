// «Queue an answer»: the portal's way to submit. The answer is stored exactly as submitAnswer stores
// it (storeAnswer) and queued in the upload inbox in the same transaction; the clerk gets a receipt
// at once, and the dispatcher (application/deliver-inbox.ts) hands the answer to the workflow
// behind. The request id keys the inbox row, so a form posted twice is one entry and one version.
import { createDbBlobStore } from '../infrastructure/blobs';
import type { Db } from '../infrastructure/db/client';
import { enqueueAnswer, findInboxEntry, isDuplicate, ringInbox } from '../infrastructure/answer-inbox';
import type { InboxView } from '../infrastructure/answer-inbox';
import { storeAnswer, submitAnswerInput } from './submit-answer';
import { defineUseCase, RefusedError } from './use-case';

export type AnswerReceipt = Pick<InboxView, 'requestId' | 'state' | 'result' | 'refusal'>;

function receipt(entry: InboxView, quarter: string, municipality: string): AnswerReceipt {
  // A request id is a form's random id: one seen for another municipality is not this form's.
  if (entry.quarter !== quarter || entry.municipality !== municipality)
    throw new RefusedError('Форма устарела: обновите страницу и отправьте сведения снова.');
  return { requestId: entry.requestId, state: entry.state, result: entry.result, refusal: entry.refusal };
}

export const queueAnswer = defineUseCase({
  name: 'queueAnswer',
  input: submitAnswerInput,
  async run(ctx, input): Promise<AnswerReceipt> {
    const { quarter, municipality, requestId } = input;
    // A request id seen before is found by the unique key as the row goes in, not by a read first:
    // a double post is rare, and every upload would pay for the read.
    try {
      await ctx.db.$transaction(
        async (tx) => {
          // Within the transaction every write goes through it, the blob's too: a double post that
          // loses the race on the request id leaves nothing stored.
          const db = tx as unknown as Db;
          const payload = await storeAnswer({ ...ctx, db, files: createDbBlobStore(db) }, input);
          await enqueueAnswer(db, { requestId, quarter, municipality, payload }, ctx.clock());
        },
        // A file of up to 10 MB is written inside: more than Prisma's default of 5 s on a busy disk.
        { timeout: 30_000, maxWait: 30_000 },
      );
    } catch (err) {
      if (!isDuplicate(err)) throw err;
      const entry = await findInboxEntry(ctx.db, requestId);
      if (!entry) throw err;
      return receipt(entry, quarter, municipality);
    }
    ringInbox();
    return { requestId, state: 'queued', result: null, refusal: null };
  },
});
