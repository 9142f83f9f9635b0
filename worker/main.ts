// A standalone worker (production: `svodka-worker` in docker-compose.yml). Scale by running more.
// Temporal: TEMPORAL_ADDRESS, with mTLS from TEMPORAL_TLS_* (client/temporal-tls.ts).
import { createSvodkaWorker } from './worker';
import { temporalAddress } from '../client/temporal';
import { TemporalTlsError } from '../client/temporal-tls';

let handle;
try {
  handle = await createSvodkaWorker({ address: temporalAddress() });
} catch (err) {
  if (!(err instanceof TemporalTlsError)) throw err;
  console.error(`[svodka] ${err.message}`);
  process.exit(1);
}
const worker = handle.worker;
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
console.log(`[svodka] worker connected to ${temporalAddress()}`);
await worker.run();
await handle.close();
