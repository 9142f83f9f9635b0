// The portal on its own (docker-compose's svodka-web; `node bin/run.js client/web/main.ts`).
// Environment: PORT (3000), HOST (0.0.0.0), DATABASE_URL, TEMPORAL_ADDRESS / TEMPORAL_PORT,
// TEMPORAL_TLS_* (mTLS, client/temporal-tls.ts), TEMPORAL_NAMESPACE, SVODKA_PUBLIC_URL (links in emails), SVODKA_TEMPORAL_UI_URL (the auditor's
// links; default: the embedded dev server's UI when TEMPORAL_ADDRESS is unset), SVODKA_WEB_SECRET
// (the same on every instance), SVODKA_TRUSTED_PROXIES, SVODKA_TRUST_PROXY_AUTH=1 with
// SVODKA_PROXY_SECRET (behind an authenticating proxy), SVODKA_SESSION_IDLE_MINUTES,
// SVODKA_LINK_GRACE_DAYS, SVODKA_STORAGE_QUOTA_MB. This production entry never serves the dev mailbox, whatever SMTP_URL
// says: only `npm start` (worker/services.ts) does, on loopback.
import { Client, Connection } from '@temporalio/client';
import { createDb } from '../../infrastructure/db/client';
import { databaseUrl } from '../../infrastructure/db/settings';
import { redactUrl } from '../../infrastructure/db/setup';
import { temporalAddress } from '../temporal';
import { parseTrustedProxies } from './security';
import { temporalTls } from '../temporal-tls';
import { portalLoggerOptions } from './observability';
import { startPortal } from './server';
import type { PortalConfig } from './server';

const env = process.env;
const say = (line: string) => console.log(`[svodka-web] ${line}`);

export function portalConfigFromEnv(port: number, e: NodeJS.ProcessEnv = env): PortalConfig {
  const flag = (v: string | undefined) => v === '1' || v === 'true' || v === 'yes';
  const positive = (name: string): number | undefined => {
    const text = e[name];
    if (!text) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`${name}: ожидается положительное число, получено «${text}».`);
    return n;
  };
  const idle = positive('SVODKA_SESSION_IDLE_MINUTES');
  const grace = positive('SVODKA_LINK_GRACE_DAYS');
  const quota = positive('SVODKA_STORAGE_QUOTA_MB');
  return {
    publicUrl: (e.SVODKA_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    temporalUiUrl:
      e.SVODKA_TEMPORAL_UI_URL ||
      (e.TEMPORAL_ADDRESS ? null : `http://127.0.0.1:${e.TEMPORAL_UI_PORT || 8233}`),
    trustProxyAuth: flag(e.SVODKA_TRUST_PROXY_AUTH),
    proxySecret: e.SVODKA_PROXY_SECRET || null,
    trustedProxies: parseTrustedProxies(e.SVODKA_TRUSTED_PROXIES),
    secret: e.SVODKA_WEB_SECRET || null,
    ...(idle ? { idleTimeoutMs: idle * 60_000 } : {}),
    ...(grace ? { linkGraceDays: grace } : {}),
    ...(quota ? { storageQuotaBytes: quota * 1024 * 1024 } : {}),
  };
}

async function main(): Promise<void> {
  const port = Number(env.PORT || 3000);
  // JSON request logs (pino); the start-up lines below stay for the person reading the terminal.
  const config = { ...portalConfigFromEnv(port), logger: portalLoggerOptions() };
  const host = env.HOST || '0.0.0.0';
  const db = await createDb();
  // Lazy: the portal starts (and /healthz answers) while Temporal is still coming up; pages that
  // need it say so until it is reachable.
  const connection = Connection.lazy({
    address: temporalAddress(),
    tls: temporalTls(),
    connectTimeout: 5_000,
  });
  const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE || 'default' });
  const portal = await startPortal({ port, host, db, temporal, config });
  say(`База данных: ${redactUrl(databaseUrl())}; Temporal: ${temporalAddress()}`);
  say(
    `Портал: http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port} (адрес для писем: ${config.publicUrl})`,
  );

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
