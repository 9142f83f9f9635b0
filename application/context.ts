// Building a use case's context from what a caller has at hand: a surface's connected client or a
// way to connect, the database, and who acts. The blob store defaults to the database's own.
import type { Client } from '@temporalio/client';
import { createDbBlobStore } from '../infrastructure/blobs';
import type { BlobStore } from '../infrastructure/blobs';
import type { Db } from '../infrastructure/db/client';
import type { Actor, UseCaseContext } from './use-case';

export function useCaseContext(deps: {
  db: Db;
  /** A connected client, or a way to connect on first use. */
  temporal: Client | (() => Promise<Client>);
  actor: Actor;
  files?: BlobStore;
  clock?: () => Date;
}): UseCaseContext {
  const { temporal } = deps;
  return {
    db: deps.db,
    files: deps.files ?? createDbBlobStore(deps.db),
    temporal: typeof temporal === 'function' ? temporal : () => Promise.resolve(temporal),
    clock: deps.clock ?? (() => new Date()),
    actor: deps.actor,
  };
}
