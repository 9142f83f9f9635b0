// The email poller on its own (docker-compose's svodka-mail; `node bin/run.js client/mail/main.ts`):
// reads the reply mailbox over IMAP and submits each reply through its municipality's workflow, as
// the portal submits an upload. One instance per mailbox. Environment: SVODKA_IMAP_URL (required),
// SVODKA_IMAP_INTERVAL_MS (30,000), DATABASE_URL, SMTP_URL (the answers to the senders),
// TEMPORAL_ADDRESS / TEMPORAL_TLS_* / TEMPORAL_NAMESPACE, SVODKA_REPLY_TO and the mail settings of
// infrastructure/config.ts.
import { Client, Connection } from '@temporalio/client';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { loadConfig } from '../../infrastructure/config';
import { createDb } from '../../infrastructure/db/client';
import { databaseUrl } from '../../infrastructure/db/settings';
import { redactUrl } from '../../infrastructure/db/setup';
import { createMailer } from '../../infrastructure/email/mailer';
import { inboundConfigFromEnv, startInboundPoller } from './index';
import { setUpServiceTelemetry } from '../../infrastructure/telemetry';
import { temporalAddress } from '../temporal';
import { temporalTls } from '../temporal-tls';

const env = process.env;
const say = (line: string) => console.log(`[svodka-mail] ${line}`);

async function main(): Promise<void> {
  const imap = inboundConfigFromEnv(env);
  if (!imap)
    throw new Error(
      'SVODKA_IMAP_URL не задан: укажите ящик для ответов, imap://пользователь:пароль@сервер:порт',
    );
  const interval = Number(env.SVODKA_IMAP_INTERVAL_MS || 30_000);
  if (!Number.isFinite(interval) || interval < 100)
    throw new Error(
      `SVODKA_IMAP_INTERVAL_MS: ожидается число миллисекунд не меньше 100, получено «${env.SVODKA_IMAP_INTERVAL_MS}»`,
    );
  // JSON logs; with SVODKA_METRICS_PORT, /metrics counts the messages polled, matched and held.
  const { logger, metrics } = await setUpServiceTelemetry('svodka-mail', env);
  const db = await createDb();
  // Lazy, as the portal's: a poll while Temporal is away fails, leaves the mail unread, and the next
  // poll tries again.
  const connection = Connection.lazy({
    address: temporalAddress(),
    tls: temporalTls(),
    connectTimeout: 5_000,
  });
  const mailer = createMailer(env.SMTP_URL);
  const poller = startInboundPoller(
    {
      db,
      files: createDbBlobStore(db),
      temporal: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE || 'default' }),
      mailer,
      config: loadConfig(env),
      imap,
      log: (line) => logger.warn(line),
    },
    { intervalMs: interval },
  );
  say(`База данных: ${redactUrl(databaseUrl())}; Temporal: ${temporalAddress()}`);
  say(`Читаю ${imap.user}@${imap.host}:${imap.port}/${imap.mailbox ?? 'INBOX'} каждые ${interval} мс`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await poller.stop().catch(() => {});
    await metrics?.close().catch(() => {});
    mailer.close?.();
    await connection.close().catch(() => {});
    await db.$disconnect().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(`[svodka-mail] Не удалось запустить: ${(err as Error)?.message ?? String(err)}`);
  process.exit(1);
});
