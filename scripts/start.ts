// `npm start`: the whole of Svodka on the embedded defaults — the Temporal dev server (unless
// TEMPORAL_ADDRESS names a cluster), the dev mailbox (unless SMTP_URL names a relay) and the worker.
// Ctrl-C stops everything; the next start finds every running quarter where it was.
import path from 'node:path';
import { dataDir, databaseUrl } from '../activities/db/settings';
import { redactUrl } from '../activities/db/setup';
import { startDevMailbox } from '../worker/dev-mailbox';
import type { DevMailbox } from '../worker/dev-mailbox';
import { startDevServer, waitForTemporal } from '../worker/dev-server';
import type { DevServer } from '../worker/dev-server';
import { createSvodkaWorker } from '../worker/worker';
import { TASK_QUEUE } from '../workflows/api';

const say = (line: string) => console.log(`[svodka] ${line}`);
const dir = dataDir();
const stops: (() => Promise<void>)[] = [];

async function main(): Promise<void> {
  say(`Данные: ${dir}`);
  say(`База данных: ${redactUrl(databaseUrl())}`);

  let address = process.env.TEMPORAL_ADDRESS;
  let server: DevServer | null = null;
  if (address) {
    say(`Temporal: подключаюсь к кластеру ${address}…`);
    await waitForTemporal(address, 30_000);
  } else {
    const port = Number(process.env.TEMPORAL_PORT || 7233);
    const uiPort = Number(process.env.TEMPORAL_UI_PORT || 8233);
    say('Temporal: запускаю dev server…');
    server = await startDevServer({ port, uiPort, dbFile: path.join(dir, 'temporal.db'), log: say });
    stops.push(() => server!.stop());
    address = server.address;
    say(`Temporal: ${address} (CLI: ${server.route}); Web UI: ${server.uiUrl}`);
  }

  let smtpUrl = process.env.SMTP_URL;
  let mailbox: DevMailbox | null = null;
  if (!smtpUrl) {
    mailbox = await startDevMailbox({ port: Number(process.env.SVODKA_DEV_SMTP_PORT || 2525), dir: path.join(dir, 'mailbox') });
    stops.push(() => mailbox!.stop());
    smtpUrl = mailbox.url;
    say(`Почта: SMTP_URL не задан — письма складываются в dev-ящик ${mailbox.dir} (${mailbox.url})`);
  } else {
    say(`Почта: ${redactUrl(smtpUrl)}`);
  }

  const worker = await createSvodkaWorker({ address, smtpUrl });
  const running = worker.worker.run();
  // The worker stops first and finishes its tasks while the server and the mailbox are still up.
  stops.unshift(async () => {
    if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
    await running.catch(() => {});
    await worker.close();
  });
  say(`Worker: очередь «${TASK_QUEUE}» — готов.`);
  say('Во втором окне: npx svodka quarter start 2023-Q2 ; npx svodka --help. Остановить: Ctrl-C.');
  await running;
}

let stopping: Promise<void> | null = null;
/** Stops everything once; every caller waits for the same stop (Ctrl-C and the worker's end race). */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    say('Останавливаю…');
    for (const stop of stops) await stop().catch((err) => say(`  при остановке: ${String(err)}`));
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
