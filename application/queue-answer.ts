// «Queue an answer»: the portal's way to submit. The answer is prepared exactly as submitAnswer
// prepares it (prepareAnswer), then stored and queued in the upload inbox in one transaction; the
// clerk gets a receipt at once, and the dispatcher (application/deliver-inbox.ts) hands the answer
// to the workflow behind. The request id keys the inbox row, so a form posted twice is one entry and one version.
import { findInboxEntry, ringInbox } from '../infrastructure/answer-inbox';
import type { InboxView } from '../infrastructure/answer-inbox';
import { queueAnswerWrite } from '../infrastructure/answer-inbox-writer';
import { prepareAnswer, submitAnswerInput } from './submit-answer';
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
    const { payload, upload } = prepareAnswer(ctx, input);
    // A request id seen before is found by the unique key as the row goes in, not by a read first:
    // a double post is rare, and every upload would pay for the read. The answer, its file and the
    // inbox row go in one transaction (with the answers queued at the same moment), so a double
    // post that loses the race leaves nothing stored.
    const outcome = await queueAnswerWrite(ctx.db, {
      entry: { requestId, quarter, municipality, payload },
      upload,
      now: ctx.clock(),
    });
    if (outcome === 'duplicate') {
      const entry = await findInboxEntry(ctx.db, requestId);
      if (!entry) throw new Error(`inbox entry ${requestId} reported as queued before but not found`);
      return receipt(entry, quarter, municipality);
    }
    ringInbox();
    return { requestId, state: 'queued', result: null, refusal: null };
  },
});
