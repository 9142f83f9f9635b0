// A standalone worker (production: `svodka-worker` in docker-compose.yml). Scale by running more.
// Logs JSON lines; SVODKA_METRICS_PORT serves /metrics (worker/telemetry.ts).
import { createSvodkaWorker } from './worker';
import { temporalAddress } from '../client/temporal';
import { setUpWorkerTelemetry } from './telemetry';

const { logger, metrics } = await setUpWorkerTelemetry('svodka-worker');
const handle = await createSvodkaWorker({ address: temporalAddress() });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => handle.worker.shutdown());
logger.info({ address: temporalAddress() }, 'worker connected');
await handle.worker.run();
await handle.close();
await metrics?.close();
