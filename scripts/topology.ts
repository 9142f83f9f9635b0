// `npm run topology`: Svodka's production topology as separate processes on this machine (see
// scripts/topology/ and the README's «Production»). Options: --state-dir DIR (data/topology),
// --fresh (start from an empty state directory), --port N (the portal), --temporal-port N;
// --make-certs DIR writes the mTLS certificates alone (docker-compose.yml mounts deploy/certs).
// Ctrl-C stops everything in reverse order.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeCerts } from './topology/certs';
import { removeState, repoRoot, startTopology } from './topology/index';

const { values } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    fresh: { type: 'boolean', default: false },
    port: { type: 'string' },
    'temporal-port': { type: 'string' },
    'make-certs': { type: 'string' },
  },
});
// Certificates only (for docker-compose.yml: --make-certs deploy/certs), then stop.
if (values['make-certs']) {
  const certs = makeCerts(path.resolve(values['make-certs']));
  console.log(
    `[topology] Сертификаты mTLS: ${certs.dir} (ca.pem; server.pem/key для «${certs.serverName}»; client.pem/key)`,
  );
  process.exit(0);
}
const stateDir = path.resolve(values['state-dir'] ?? path.join(repoRoot, 'data', 'topology'));
const port = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`--${name}: ожидается номер порта, получено «${v}»`);
    process.exit(2);
  }
  return n;
};
if (values.fresh) removeState(stateDir);
const started = Date.now();
try {
  const topology = await startTopology({
    stateDir,
    portalPort: port(values.port, 'port'),
    temporalPort: port(values['temporal-port'], 'temporal-port'),
  });
  console.log(
    `[topology] Всё запущено за ${((Date.now() - started) / 1000).toFixed(1)} с; состояние: ${stateDir}`,
  );
  console.log('[topology] CLI с этим окружением:');
  console.log(
    `  env ${Object.entries(topology.env)
      .filter(([k]) => k !== 'PATH' && k !== 'HOME' && k !== 'LANG')
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ')} npx svodka quarter status 2023-Q2`,
  );
  console.log('[topology] Ctrl-C — остановить всё.');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('[topology] Останавливаю в обратном порядке…');
    await topology.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
} catch (err) {
  console.error(`[topology] Не удалось запустить: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
}
