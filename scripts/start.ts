// `npm start`: the whole of Svodka on the embedded defaults — the Temporal dev server (unless
// TEMPORAL_ADDRESS names a cluster), the dev mailbox (unless SMTP_URL names a relay) and the worker.
// Ctrl-C stops everything; the next start finds every running quarter where it was.
import { dataDir, databaseUrl } from '../infrastructure/db/settings';
import { redactUrl, setupDatabase } from '../infrastructure/db/setup';
import { startServices } from '../worker/services';
import type { Services } from '../worker/services';
import { TASK_QUEUE } from '../workflows/api';

const say = (line: string) => console.log(`[svodka] ${line}`);
let services: Services | null = null;

async function main(): Promise<void> {
  say(`Данные: ${dataDir()}`);
  say(`База данных: ${redactUrl(databaseUrl())}`);
  // A data directory of its own (SVODKA_DATA_DIR) starts empty: migrate and seed it, as npm install
  // did for the default one. Both steps leave a prepared database as it is.
  await setupDatabase();
  services = await startServices({
    dataDir: dataDir(),
    temporalAddress: process.env.TEMPORAL_ADDRESS,
    temporalPort: Number(process.env.TEMPORAL_PORT || 7233),
    temporalUiPort: Number(process.env.TEMPORAL_UI_PORT || 8233),
    smtpUrl: process.env.SMTP_URL,
    devSmtpPort: Number(process.env.SVODKA_DEV_SMTP_PORT || 2525),
    portalPort: Number(process.env.PORT || 3000),
    log: say,
  });
  say(`Worker: очередь «${TASK_QUEUE}» — готов.`);
  say('Во втором окне: npx svodka quarter start 2023-Q2 ; npx svodka user add … ; npx svodka --help.');
  say('Остановить: Ctrl-C.');
  await services.running;
}

let stopping: Promise<void> | null = null;
/** Stops everything once; every caller waits for the same stop (Ctrl-C and the worker's end race). */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    say('Останавливаю…');
    await services?.stop();
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void stopAll().then(() => {
      say('Остановлено.');
      process.exit(0);
    });
  });
}

main().then(
  () => stopAll().then(() => process.exit(0)),
  async (err) => {
    console.error(`[svodka] Ошибка: ${(err as Error).message}`);
    await stopAll();
    process.exit(1);
  },
);
