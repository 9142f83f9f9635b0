// The upload inbox in the database (table AnswerInbox): an answer the portal has stored and queued
// for its municipality's workflow. Rows are claimed by a conditional update that leases them (in
// `nextAttemptAt`, under a token in `claimedBy`), so two portal processes (SQLite or PostgreSQL)
// never deliver one row at the same time, and a row whose claimer died is taken again once its
// lease runs out. Delivering twice is harmless anyway: the Update's id is the request id.
import { randomUUID } from 'node:crypto';
import type { SubmissionPayload, SubmissionResult } from '../workflows/api';
import type { Db } from './db/client';

export type InboxState = 'queued' | 'delivered' | 'refused';

export type InboxEntry = {
  requestId: string;
  quarter: string;
  municipality: string;
  payload: SubmissionPayload;
  /** Attempts so far, this one included once claimed. */
  attempts: number;
};

export type InboxView = {
  requestId: string;
  quarter: string;
  municipality: string;
  state: InboxState;
  kind: SubmissionPayload['kind'];
  channel: SubmissionPayload['channel'];
  attempts: number;
  result: SubmissionResult | null;
  refusal: string | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
};

type Row = {
  requestId: string;
  quarter: string;
  municipality: string;
  payload: string;
  state: string;
  attempts: number;
  result: string | null;
  refusal: string | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
};

function view(row: Row): InboxView {
  const payload = JSON.parse(row.payload) as SubmissionPayload;
  return {
    requestId: row.requestId,
    quarter: row.quarter,
    municipality: row.municipality,
    state: row.state as InboxState,
    kind: payload.kind,
    channel: payload.channel,
    attempts: row.attempts,
    result: row.result ? (JSON.parse(row.result) as SubmissionResult) : null,
    refusal: row.refusal,
    lastError: row.lastError,
    createdAt: row.createdAt,
    deliveredAt: row.deliveredAt,
  };
}

/** The row that queues an answer. */
export function inboxRow(entry: Omit<InboxEntry, 'attempts'>, now: Date) {
  return {
    requestId: entry.requestId,
    quarter: entry.quarter,
    municipality: entry.municipality,
    payload: JSON.stringify(entry.payload),
    nextAttemptAt: now,
    createdAt: now,
  };
}

/** Writes the queued row alone (the answer it names already stored). */
export async function enqueueAnswer(
  db: Pick<Db, 'answerInbox'>,
  entry: Omit<InboxEntry, 'attempts'>,
  now: Date,
): Promise<void> {
  await db.answerInbox.create({ data: inboxRow(entry, now) });
}

export async function findInboxEntry(db: Db, requestId: string): Promise<InboxView | null> {
  const row = await db.answerInbox.findUnique({ where: { requestId } });
  return row ? view(row) : null;
}

/** Whether an error is a unique-key clash (Prisma P2002): the same request id queued twice at once. */
export function isDuplicate(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'P2002';
}

/**
 * Claims up to `limit` queued rows that are due, in one write: each row is taken only if it is still
 * queued and due when the UPDATE reaches it (PostgreSQL re-checks the condition on a row another
 * transaction has just changed; SQLite has one writer), and is then leased to `owner` for
 * `leaseMs` under a token of this claim, by which the rows won are read back.
 */
export async function claimDue(
  db: Db,
  options: { owner: string; limit: number; leaseMs: number; now: Date; exclude?: string[] },
): Promise<InboxEntry[]> {
  if (options.limit <= 0) return [];
  const { now } = options;
  const due = await db.answerInbox.findMany({
    where: {
      state: 'queued',
      nextAttemptAt: { lte: now },
      ...(options.exclude?.length ? { requestId: { notIn: options.exclude } } : {}),
    },
    orderBy: { nextAttemptAt: 'asc' },
    take: options.limit,
    select: { requestId: true },
  });
  if (due.length === 0) return [];
  const ids = due.map((row) => row.requestId);
  const claim = `${options.owner} ${randomUUID()}`;
  const { count } = await db.answerInbox.updateMany({
    where: { requestId: { in: ids }, state: 'queued', nextAttemptAt: { lte: now } },
    data: {
      attempts: { increment: 1 },
      nextAttemptAt: new Date(now.getTime() + options.leaseMs),
      claimedBy: claim,
    },
  });
  if (count === 0) return [];
  const won = await db.answerInbox.findMany({
    where: { requestId: { in: ids }, claimedBy: claim },
    orderBy: { nextAttemptAt: 'asc' },
  });
  return won.map((row) => ({
    requestId: row.requestId,
    quarter: row.quarter,
    municipality: row.municipality,
    payload: JSON.parse(row.payload) as SubmissionPayload,
    attempts: row.attempts,
  }));
}

export async function markDelivered(
  db: Db,
  requestId: string,
  result: SubmissionResult,
  now: Date,
): Promise<void> {
  await db.answerInbox.updateMany({
    where: { requestId, state: 'queued' },
    data: { state: 'delivered', result: JSON.stringify(result), deliveredAt: now, lastError: null },
  });
}

export async function markRefused(db: Db, requestId: string, refusal: string, now: Date): Promise<void> {
  await db.answerInbox.updateMany({
    where: { requestId, state: 'queued' },
    data: { state: 'refused', refusal: refusal.slice(0, 2000), deliveredAt: now },
  });
}

/** A transient failure: the row waits until `at` and is claimed again then. */
export async function retryLater(db: Db, requestId: string, error: string, at: Date): Promise<void> {
  await db.answerInbox.updateMany({
    where: { requestId, state: 'queued' },
    data: { nextAttemptAt: at, lastError: error.slice(0, 2000), claimedBy: null },
  });
}

/** Gives back this owner's unfinished claims (a dispatcher stopping): due again at once. */
export async function releaseClaims(db: Db, owner: string, requestIds: string[], now: Date): Promise<void> {
  if (requestIds.length === 0) return;
  await db.answerInbox.updateMany({
    where: { requestId: { in: requestIds }, state: 'queued', claimedBy: { startsWith: `${owner} ` } },
    data: { nextAttemptAt: now, claimedBy: null },
  });
}

// --- the in-process bell: a row queued here wakes this process's dispatcher at once -----------

const listeners = new Set<() => void>();

export function ringInbox(): void {
  for (const listener of listeners) listener();
}

export function onInboxRing(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
