// Writing queued answers — the upload's blob and row, and the inbox row — in groups: the answers
// that arrive while one group is being written go together in the next transaction (group commit),
// so a burst of uploads costs a few statements per group rather than six per upload. A group that
// fails (one request id posted twice, a blob another process wrote in between) is written again
// one answer at a time, so one answer's failure is never another's. Batching is DataLoader's.
import DataLoader from 'dataloader';
import { isDuplicate, inboxRow } from './answer-inbox';
import type { InboxEntry } from './answer-inbox';
import type { Db } from './db/client';
import type { UploadWrite } from './uploads';

export type QueuedAnswer = {
  entry: Omit<InboxEntry, 'attempts'>;
  upload: UploadWrite | null;
  now: Date;
};

/** `queued`: written now; `duplicate`: its request id was queued before (or in the same group). */
export type QueueOutcome = 'queued' | 'duplicate';

/** Answers in one group at most, and bytes: a large file goes alone rather than hold a group up. */
const MAX_GROUP = 32;
const MAX_GROUP_BYTES = 4 * 1024 * 1024;

// A file of up to 10 MB is written inside: more than Prisma's default of 5 s on a busy disk.
const TRANSACTION = { timeout: 30_000, maxWait: 30_000 };

/** Writes the answers in one transaction: all of them or none. */
async function writeGroup(db: Db, answers: QueuedAnswer[]): Promise<void> {
  await db.$transaction(async (tx) => {
    const blobs = new Map<string, UploadWrite['blob']>();
    for (const a of answers) if (a.upload) blobs.set(a.upload.blob.sha256, a.upload.blob);
    if (blobs.size > 0) {
      // Content-addressed: the same bytes sent before are stored once.
      const have = await tx.blob.findMany({
        where: { sha256: { in: [...blobs.keys()] } },
        select: { sha256: true },
      });
      for (const { sha256 } of have) blobs.delete(sha256);
      if (blobs.size > 0) await tx.blob.createMany({ data: [...blobs.values()] });
      await tx.upload.createMany({ data: answers.flatMap((a) => (a.upload ? [a.upload.row] : [])) });
    }
    await tx.answerInbox.createMany({ data: answers.map((a) => inboxRow(a.entry, a.now)) });
  }, TRANSACTION);
}

async function writeOne(db: Db, answer: QueuedAnswer): Promise<QueueOutcome> {
  try {
    await writeGroup(db, [answer]);
    return 'queued';
  } catch (err) {
    if (!isDuplicate(err)) throw err;
    // The request id, or only the blob (written by another process since we looked): asked again,
    // the blob is found and the answer goes in unless its request id is taken.
    try {
      await writeGroup(db, [answer]);
      return 'queued';
    } catch (again) {
      if (isDuplicate(again)) return 'duplicate';
      throw again;
    }
  }
}

async function writeAll(db: Db, answers: readonly QueuedAnswer[]): Promise<(QueueOutcome | Error)[]> {
  // The same request id twice in one group: the first is written, the rest are its duplicates.
  const first = new Map<string, number>();
  answers.forEach((a, i) => {
    if (!first.has(a.entry.requestId)) first.set(a.entry.requestId, i);
  });
  const outcomes: (QueueOutcome | Error)[] = answers.map((a, i) =>
    first.get(a.entry.requestId) === i ? 'queued' : 'duplicate',
  );
  const writing = answers.filter((_, i) => outcomes[i] === 'queued');
  if (writing.length > 1) {
    try {
      await writeGroup(db, writing);
      return outcomes;
    } catch {
      // One at a time below: each answer gets its own outcome.
    }
  }
  for (const [i, answer] of answers.entries()) {
    if (outcomes[i] !== 'queued') continue;
    try {
      outcomes[i] = await writeOne(db, answer);
    } catch (err) {
      outcomes[i] = err instanceof Error ? err : new Error(String(err));
    }
  }
  // A repeat of an answer whose write failed has nothing to be a duplicate of: it fails alike.
  return outcomes.map((outcome, i) => {
    const firstOutcome = outcomes[first.get(answers[i]!.entry.requestId)!];
    return firstOutcome instanceof Error ? firstOutcome : outcome;
  });
}

type Writer = DataLoader<QueuedAnswer, QueueOutcome>;

function createWriter(db: Db): Writer {
  // While a group is being written the next one gathers; when none is, it goes at once (next turn
  // of the event loop), so a single upload waits for nothing.
  let writing: Promise<unknown> | null = null;
  return new DataLoader<QueuedAnswer, QueueOutcome>(
    (answers) => {
      const run = writeAll(db, answers);
      const done = run.then(
        () => undefined,
        () => undefined,
      );
      writing = done;
      void done.then(() => {
        if (writing === done) writing = null;
      });
      return run;
    },
    {
      cache: false,
      maxBatchSize: MAX_GROUP,
      batchScheduleFn: (dispatch) => {
        if (writing) void writing.then(() => setImmediate(dispatch));
        else setImmediate(dispatch);
      },
    },
  );
}

const writers = new WeakMap<Db, Writer>();

/**
 * Stores an answer and queues it, grouped with the answers this process is queueing at the same
 * moment. Resolves once its transaction has committed: the receipt is never ahead of the database.
 */
export async function queueAnswerWrite(db: Db, answer: QueuedAnswer): Promise<QueueOutcome> {
  if ((answer.upload?.blob.size ?? 0) > MAX_GROUP_BYTES) return writeOne(db, answer);
  let writer = writers.get(db);
  if (!writer) writers.set(db, (writer = createWriter(db)));
  return writer.load(answer);
}
