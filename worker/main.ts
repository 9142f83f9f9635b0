// A standalone worker (production: `svodka-worker` in docker-compose.yml). Scale by running more.
import { createSvodkaWorker } from './worker';
import { temporalAddress } from '../client/temporal';

const handle = await createSvodkaWorker({ address: temporalAddress() });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => handle.worker.shutdown());
console.log(`[svodka] worker connected to ${temporalAddress()}`);
await handle.worker.run();
await handle.close();
