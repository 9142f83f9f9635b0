// The dispatcher of the upload inbox: claims queued answers (infrastructure/answer-inbox.ts), hands
// each to its workflow through deliverAnswer with bounded concurrency, and records what came back —
// the result (the clerk's version page), or a refusal in Russian (the receipt page shows it). A
// transient failure (Temporal unreachable, a deadline) is tried again with backoff, never dropped.
// It wakes at once for a row queued in this process and polls for rows queued by others.
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import {
  claimDue,
  markDelivered,
  markRefused,
  onInboxRing,
  releaseClaims,
  retryLater,
} from '../infrastructure/answer-inbox';
import type { InboxEntry } from '../infrastructure/answer-inbox';
import type { Db } from '../infrastructure/db/client';
import { deliverAnswer } from './deliver-answer';
import { RefusedError } from './use-case';

export type InboxDispatcherOptions = {
  db: Db;
  temporal: Client;
  /** Deliveries in flight at most; default 16. */
  concurrency?: number;
  /** How often to look for rows queued by other processes and retries due; default 1 s. */
  pollMs?: number;
  /**
   * How long to wait after a ring before claiming, so a burst of uploads is claimed in one go
   * rather than one claim (three queries) each; default 25 ms.
   */
  gatherMs?: number;
  /** How long a claimed row is this dispatcher's; default 60 s (longer than a delivery may take). */
  leaseMs?: number;
  /** One delivery's bound; default 30 s, then it counts as a transient failure. */
  deliveryTimeoutMs?: number;
  /** Backoff after the n-th failed attempt: default 1 s, doubling, at most 60 s. */
  backoffMs?: (attempts: number) => number;
  clock?: () => Date;
  onError?: (err: unknown) => void;
};

export type InboxDispatcher = {
  /** Look for due rows now. */
  wake(): void;
  /** Stops claiming, waits a little for deliveries in flight and gives back the rest. */
  stop(): Promise<void>;
};

/**
 * What the clerk reads when the workflow will not take the answer, or null when the failure is
 * transient and the answer is to be tried again. An ended run, a quarter signed off or not started
 * are decided on the way (application/municipality-run.ts) and come as RefusedError; a run still
 * not there after that (its revival slow) is worth another try.
 */
export function refusalOf(err: unknown): string | null {
  if (err instanceof RefusedError) return err.message;
  // The validator's own words (the quarter is closed, the municipality excused), in Russian.
  if (err instanceof WorkflowUpdateFailedError)
    return (err.cause as Error | undefined)?.message || err.message;
  return null;
}

const defaultBackoff = (attempts: number) =>
  Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1)) * (0.75 + Math.random() / 2);

export function startInboxDispatcher(options: InboxDispatcherOptions): InboxDispatcher {
  const { db, temporal } = options;
  const concurrency = options.concurrency ?? 16;
  const pollMs = options.pollMs ?? 1000;
  const gatherMs = options.gatherMs ?? 25;
  const leaseMs = options.leaseMs ?? 60_000;
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 30_000;
  const backoff = options.backoffMs ?? defaultBackoff;
  const clock = options.clock ?? (() => new Date());
  const onError = options.onError ?? ((err) => console.error('[svodka-inbox]', err));
  const owner = `inbox-${randomUUID()}`;
  const inFlight = new Map<string, Promise<void>>();
  let stopped = false;
  // Something may be due: a row queued here, a delivery finished while more were waiting.
  let rung = true;
  let more = false;
  let wakeup: (() => void) | null = null;

  const wake = () => {
    rung = true;
    wakeup?.();
  };
  const unsubscribe = onInboxRing(wake);

  async function deliver(entry: InboxEntry): Promise<void> {
    const { requestId, quarter, municipality, payload } = entry;
    try {
      const result = await temporal.withDeadline(Date.now() + deliveryTimeoutMs, () =>
        deliverAnswer({ client: temporal, db }, { quarter, municipality, requestId }, payload),
      );
      // An accepted answer from the form ends its draft (before the receipt shows the version).
      if (payload.channel === 'form' && result.accepted)
        await db.formDraft.deleteMany({ where: { quarter, municipality } });
      await markDelivered(db, requestId, result, clock());
    } catch (err) {
      const refusal = refusalOf(err);
      try {
        if (refusal) await markRefused(db, requestId, refusal, clock());
        else
          await retryLater(
            db,
            requestId,
            String((err as Error)?.message ?? err),
            new Date(clock().getTime() + backoff(entry.attempts)),
          );
      } catch (dbErr) {
        // The lease runs out and the row is claimed again.
        onError(dbErr);
      }
    }
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      if (rung || more) {
        if (rung && gatherMs > 0) await new Promise((r) => setTimeout(r, gatherMs));
        rung = false;
        const room = concurrency - inFlight.size;
        let claimed: InboxEntry[] = [];
        try {
          claimed = await claimDue(db, {
            owner,
            limit: room,
            leaseMs,
            now: clock(),
            exclude: [...inFlight.keys()],
          });
        } catch (err) {
          onError(err);
        }
        // A full claim (or no room) means more may be waiting: look again as deliveries finish.
        more = room <= 0 || claimed.length === room;
        for (const entry of claimed) {
          const running = deliver(entry).finally(() => {
            inFlight.delete(entry.requestId);
            if (more) wake();
          });
          inFlight.set(entry.requestId, running);
        }
        if (rung || (more && room > 0)) continue;
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          rung = true;
          resolve();
        }, pollMs);
        wakeup = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeup = null;
    }
  }

  const running = loop();
  return {
    wake,
    async stop() {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      wakeup?.();
      await running;
      const grace = new Promise((r) => setTimeout(r, 5000).unref());
      await Promise.race([Promise.allSettled([...inFlight.values()]), grace]);
      // Deliveries still running are given back; whoever claims them next delivers under the same id.
      await releaseClaims(db, owner, [...inFlight.keys()], clock()).catch(onError);
    },
  };
}
