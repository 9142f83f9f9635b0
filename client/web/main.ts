// The portal on its own (docker-compose's svodka-web; `node bin/run.js client/web/main.ts`).
// Environment: PORT (3000), HOST (0.0.0.0; 127.0.0.1 with the dev mailbox), DATABASE_URL, TEMPORAL_ADDRESS / TEMPORAL_PORT,
// TEMPORAL_NAMESPACE, SVODKA_PUBLIC_URL (links in emails), SVODKA_TEMPORAL_UI_URL (the auditor's
// links; default: the embedded dev server's UI when TEMPORAL_ADDRESS is unset), SVODKA_WEB_SECRET
// (the same on every instance), SVODKA_TRUST_PROXY_AUTH=1 (behind an authenticating proxy).
// With no SMTP_URL, the dev mailbox under SVODKA_DATA_DIR/mailbox is shown at /dev/mailbox.
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDb } from '../../activities/db/client';
import { databaseUrl, dataDir } from '../../activities/db/settings';
import { redactUrl } from '../../activities/db/setup';
import { temporalAddress } from '../temporal';
import { portalLoggerOptions } from './observability';
import { startPortal } from './server';

const env = process.env;
const say = (line: string) => console.log(`[svodka-web] ${line}`);

export function portalConfigFromEnv(port: number, e: NodeJS.ProcessEnv = env) {
  const flag = (v: string | undefined) => v === '1' || v === 'true' || v === 'yes';
  return {
    publicUrl: (e.SVODKA_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    temporalUiUrl:
      e.SVODKA_TEMPORAL_UI_URL ||
      (e.TEMPORAL_ADDRESS ? null : `http://127.0.0.1:${e.TEMPORAL_UI_PORT || 8233}`),
    trustProxyAuth: flag(e.SVODKA_TRUST_PROXY_AUTH),
    devMailboxDir: e.SMTP_URL ? null : path.join(dataDir(e), 'mailbox'),
    secret: e.SVODKA_WEB_SECRET || null,
  };
}

async function main(): Promise<void> {
  const port = Number(env.PORT || 3000);
  // JSON request logs (pino); the start-up lines below stay for the person reading the terminal.
  const config = { ...portalConfigFromEnv(port), logger: portalLoggerOptions() };
  // With the dev mailbox (no SMTP_URL: a developer's machine) every municipality's link is readable
  // at /dev/mailbox, so by default the portal listens on loopback only; otherwise on every address.
  const host = env.HOST || (config.devMailboxDir ? '127.0.0.1' : '0.0.0.0');
  const db = await createDb();
  // Lazy: the portal starts (and /healthz answers) while Temporal is still coming up; pages that
  // need it say so until it is reachable.
  const connection = Connection.lazy({ address: temporalAddress(), connectTimeout: 5_000 });
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE || 'default' });
  const portal = await startPortal({ port, host, db, temporal, config });
  say(`База данных: ${redactUrl(databaseUrl())}; Temporal: ${temporalAddress()}`);
  say(
    `Портал: http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port} (адрес для писем: ${config.publicUrl})`,
  );
  if (config.devMailboxDir) say(`Dev-ящик: ${config.publicUrl}/dev/mailbox`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await portal.close().catch(() => {});
    await connection.close().catch(() => {});
    await db.$disconnect().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('client/web/main.ts')) {
  main().catch((err) => {
    console.error(`[svodka-web] Не удалось запустить портал: ${(err as Error)?.message ?? String(err)}`);
    process.exit(1);
  });
}
