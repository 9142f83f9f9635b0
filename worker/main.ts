// A standalone worker (production: `svodka-worker` in docker-compose.yml). Scale by running more.
// Temporal: TEMPORAL_ADDRESS, with mTLS from TEMPORAL_TLS_* (client/temporal-tls.ts).
// Logs JSON lines; SVODKA_METRICS_PORT serves /metrics (worker/telemetry.ts).
import { createSvodkaWorker } from './worker';
import { temporalAddress } from '../client/temporal';
import { TemporalTlsError } from '../client/temporal-tls';
import { setUpWorkerTelemetry } from './telemetry';

const { logger, metrics } = await setUpWorkerTelemetry('svodka-worker');
let handle;
try {
  handle = await createSvodkaWorker({ address: temporalAddress() });
} catch (err) {
  if (!(err instanceof TemporalTlsError)) throw err;
  logger.error(err.message);
  console.error(`[svodka] ${err.message}`);
  process.exit(1);
}
const worker = handle.worker;
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
logger.info({ address: temporalAddress() }, 'worker connected');
await worker.run();
await handle.close();
await metrics?.close();
