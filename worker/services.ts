// Everything Svodka runs on the embedded defaults, started in order and stopped in reverse: the
// Temporal dev server (unless a cluster address is given), the dev mailbox (unless an SMTP relay is
// given) and the worker. `npm start` and `npm run demo` both use it.
import path from 'node:path';
import { temporalTls } from '../client/temporal-tls';
import { startDevMailbox } from './dev-mailbox';
import { startDevServer, waitForTemporal } from './dev-server';
import { createSvodkaWorker } from './worker';
import type { WorkerHandle } from './worker';

export type ServicesOptions = {
  dataDir: string;
  databaseUrl?: string;
  temporalAddress?: string;
  temporalPort: number;
  temporalUiPort: number;
  smtpUrl?: string;
  devSmtpPort: number;
  /** The web portal's port; null: no portal. */
  portalPort: number | null;
  log: (line: string) => void;
};

export type Services = {
  temporalAddress: string;
  temporalUiUrl: string | null;
  smtpUrl: string;
  mailboxDir: string | null;
  worker: WorkerHandle;
  portalUrl: string | null;
  /** Resolves when the worker stops (after stop(), or if it fails). */
  running: Promise<void>;
  stop(): Promise<void>;
};

export async function startServices(o: ServicesOptions): Promise<Services> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => o.log(`  при остановке: ${String(err)}`));
  };
  try {
    let temporalAddress = o.temporalAddress;
    let temporalUiUrl: string | null = null;
    // A cluster of one's own speaks mTLS when TEMPORAL_TLS_* say so; the embedded dev server, plaintext.
    const tls = temporalAddress ? temporalTls() : undefined;
    if (temporalAddress) {
      o.log(`Temporal: подключаюсь к кластеру ${temporalAddress}${tls ? ' (TLS)' : ''}…`);
      await waitForTemporal(temporalAddress, 30_000, tls);
    } else {
      o.log('Temporal: запускаю dev server…');
      const server = await startDevServer({
        port: o.temporalPort,
        uiPort: o.temporalUiPort,
        dbFile: path.join(o.dataDir, 'temporal.db'),
        log: o.log,
      });
      stops.push(() => server.stop());
      temporalAddress = server.address;
      temporalUiUrl = server.uiUrl;
      o.log(`Temporal: ${temporalAddress} (CLI: ${server.route}); Web UI: ${temporalUiUrl}`);
    }

    let smtpUrl = o.smtpUrl;
    let mailboxDir: string | null = null;
    if (smtpUrl) {
      o.log(`Почта: ${smtpUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}`);
    } else {
      const mailbox = await startDevMailbox({ port: o.devSmtpPort, dir: path.join(o.dataDir, 'mailbox') });
      stops.push(() => mailbox.stop());
      smtpUrl = mailbox.url;
      mailboxDir = mailbox.dir;
      o.log(`Почта: SMTP_URL не задан — письма складываются в dev-ящик ${mailbox.dir} (${mailbox.url})`);
    }

    const worker = await createSvodkaWorker({
      address: temporalAddress,
      smtpUrl,
      databaseUrl: o.databaseUrl,
      tls,
    });
    const running = worker.worker.run();
    // The worker stops first and finishes its tasks while the server and the mailbox are still up.
    stops.push(async () => {
      if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
      await running.catch(() => {});
      await worker.close();
    });
    // Replies by email: read the reply mailbox over IMAP when one is configured.
    const imap = (await import('../client/mail')).inboundConfigFromEnv(process.env);
    if (imap) {
      const [
        { startInboundPoller },
        { createDb },
        { createDbBlobStore },
        { createMailer },
        { loadConfig },
        { Client, Connection },
      ] = await Promise.all([
        import('../client/mail'),
        import('../infrastructure/db/client'),
        import('../infrastructure/blobs'),
        import('../infrastructure/email/mailer'),
        import('../infrastructure/config'),
        import('@temporalio/client'),
      ]);
      const db = await createDb(o.databaseUrl);
      const connection = await Connection.connect({ address: temporalAddress, tls });
      const mailer = createMailer(smtpUrl);
      const poller = startInboundPoller(
        {
          db,
          files: createDbBlobStore(db),
          temporal: new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE || 'default' }),
          mailer,
          config: loadConfig(),
          imap,
        },
        { intervalMs: Number(process.env.SVODKA_IMAP_INTERVAL_MS || 30_000) },
      );
      stops.push(async () => {
        await poller.stop();
        mailer.close?.();
        await connection.close();
        await db.$disconnect();
      });
      o.log(`Ответы по почте: читаю ${imap.user}@${imap.host}:${imap.port} (IMAP)`);
    }

    let portalUrl: string | null = null;
    if (o.portalPort !== null) {
      const [{ startPortal }, { portalConfigFromEnv }, { createDb }, { Client, Connection }] =
        await Promise.all([
          import('../client/web/server'),
          import('../client/web/main'),
          import('../infrastructure/db/client'),
          import('@temporalio/client'),
        ]);
      const db = await createDb(o.databaseUrl);
      const connection = await Connection.connect({ address: temporalAddress, tls });
      const config = {
        ...portalConfigFromEnv(o.portalPort, { ...process.env, SVODKA_DATA_DIR: o.dataDir }),
        temporalUiUrl: process.env.SVODKA_TEMPORAL_UI_URL || temporalUiUrl,
        devMailboxDir: mailboxDir,
      };
      // With the dev mailbox every municipality's link is readable at /dev/mailbox: loopback only.
      const host = process.env.HOST || (mailboxDir ? '127.0.0.1' : '0.0.0.0');
      const portal = await startPortal({
        port: o.portalPort,
        host,
        db,
        temporal: new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE || 'default' }),
        config,
      });
      stops.push(async () => {
        await portal.close();
        await connection.close();
        await db.$disconnect();
      });
      portalUrl = portal.url;
      o.log(`Портал: ${portal.url}${mailboxDir ? `; dev-ящик: ${portal.url}/dev/mailbox` : ''}`);
    }

    let stopping: Promise<void> | null = null;
    return {
      temporalAddress,
      temporalUiUrl,
      smtpUrl,
      mailboxDir,
      worker,
      portalUrl,
      running,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
