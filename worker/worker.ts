// The Svodka worker: bundled workflows plus activities built from real dependencies.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { LogLevel, TLSConfig } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityDeps } from '../activities';
import { createDbBlobStore } from '../infrastructure/blobs';
import { parseTimeoutMs } from '../infrastructure/docx/parse-pool';
import { renderProcessThreshold } from '../infrastructure/docx/render-process';
import { loadConfig } from '../infrastructure/config';
import { createDb } from '../infrastructure/db/client';
import type { Db } from '../infrastructure/db/client';
import { createMailer } from '../infrastructure/email/mailer';
import type { Mailer } from '../infrastructure/email/mailer';
import { temporalTls } from '../client/temporal-tls';
import { TASK_QUEUE } from '../workflows/api';
import { workflowBundleCode } from './bundle';

let runtimeInstalled = false;

/** The SDK logs every activity at INFO; a coordinator's terminal wants warnings only (SVODKA_LOG_LEVEL). */
function installRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.SVODKA_LOG_LEVEL || 'WARN').toUpperCase() as LogLevel;
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed by the host process (tests may do so): keep theirs.
  }
}

function workflowCacheSize(): number {
  const configured = Number(process.env.SVODKA_WORKFLOW_CACHE);
  return Number.isInteger(configured) && configured >= 2 ? configured : 150;
}

export type WorkerHandle = { worker: Worker; close(): Promise<void> };

export async function createSvodkaWorker(options: {
  address: string;
  namespace?: string;
  taskQueue?: string;
  databaseUrl?: string;
  smtpUrl?: string;
  deps?: Partial<ActivityDeps>;
  /** TLS to the cluster; default: TEMPORAL_TLS_* from the environment (none: plaintext). */
  tls?: TLSConfig;
}): Promise<WorkerHandle> {
  // A wrong setting stops the worker at its start, named, instead of failing every activity that
  // reads it (each would retry it forever).
  renderProcessThreshold();
  parseTimeoutMs();
  installRuntime();
  const bundle = workflowBundleCode();
  const connection = await NativeConnection.connect({
    address: options.address,
    tls: 'tls' in options ? options.tls : temporalTls(),
  });
  const prisma: Db = options.deps?.prisma ?? (await createDb(options.databaseUrl));
  const mailer: Mailer = options.deps?.mailer ?? createMailer(options.smtpUrl);
  const deps: ActivityDeps = {
    prisma,
    mailer,
    files: options.deps?.files ?? createDbBlobStore(prisma),
    clock: options.deps?.clock ?? (() => new Date()),
    config: options.deps?.config ?? loadConfig(),
  };
  const worker = await Worker.create({
    connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowBundle: { code: await bundle },
    activities: createActivities(deps),
    // Each cached execution keeps its state on the workflow thread's heap. At 3,000 municipalities
    // the worker peaked at 832 MB with 500 cached, 768 MB with 250 and 695 MB with 150, with no
    // steady difference in time (an evicted execution is rebuilt from its short history when it
    // next has work); at 20,000 with 500 it passed 1 GB. SVODKA_WORKFLOW_CACHE overrides.
    maxCachedWorkflows: workflowCacheSize(),
  });
  return {
    worker,
    async close() {
      mailer.close?.();
      if (!options.deps?.prisma) await prisma.$disconnect();
      await connection.close();
    },
  };
}
