// Finding 6 of issue 16 (transport): SMTP and IMAP verify the server's certificate unless
// SVODKA_TLS_INSECURE=1 says otherwise. Each server here speaks TLS with smtp-server's built-in
// self-signed certificate, as a man in the middle would.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../infrastructure/blobs';
import { loadConfig } from '../../infrastructure/config';
import type { Db } from '../../infrastructure/db/client';
import { createMailer } from '../../infrastructure/email/mailer';
import { inboundConfigFromEnv, pollMailbox } from '../../client/mail';
import type { Client } from '@temporalio/client';

let server: SMTPServer;
let port = 0;
let imapServer: SMTPServer;
let imapPort = 0;
let handshakes = 0;
let delivered = 0;

async function listen(s: SMTPServer): Promise<number> {
  // Clients that drop the handshake are what the tests expect, not failures of the server.
  s.on('error', () => {});
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return (s.server.address() as AddressInfo).port;
}

beforeAll(async () => {
  // For IMAP: counts completed handshakes, then hangs up (it is no IMAP server).
  imapServer = new SMTPServer({
    secure: true,
    logger: false,
    onConnect(_session, callback) {
      handshakes++;
      callback(new Error('not IMAP'));
    },
  });
  imapPort = await listen(imapServer);
  server = new SMTPServer({
    secure: true,
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        delivered++;
        callback();
      });
    },
  });
  port = await listen(server);
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => imapServer.close(() => resolve()));
});

const message = {
  from: 'svodka@svodka.example.ru',
  to: 'vyazma@mo.example.ru',
  subject: 'Проверка',
  text: 'Проверка',
  messageId: '<tls-test@svodka.local>',
};

describe('SMTP', () => {
  it('refuses a relay whose certificate does not verify', async () => {
    const mailer = createMailer(`smtps://127.0.0.1:${port}`, {});
    try {
      await expect(mailer.sendMail(message)).rejects.toThrow(/self[- ]signed|certificate/i);
      expect(delivered).toBe(0);
    } finally {
      mailer.close?.();
    }
  });

  it('sends anyway with SVODKA_TLS_INSECURE=1 (a lab)', async () => {
    const mailer = createMailer(`smtps://127.0.0.1:${port}`, { SVODKA_TLS_INSECURE: '1' });
    try {
      await mailer.sendMail(message);
      expect(delivered).toBe(1);
    } finally {
      mailer.close?.();
    }
  });
});

describe('IMAP', () => {
  const poll = (env: NodeJS.ProcessEnv) =>
    pollMailbox({
      db: {} as Db,
      files: {} as BlobStore,
      temporal: {} as Client,
      mailer: { sendMail: async () => ({}) },
      config: loadConfig({}),
      imap: inboundConfigFromEnv({ ...env, SVODKA_IMAP_URL: `imaps://svodka:secret@127.0.0.1:${imapPort}` })!,
      log: () => {},
    });

  it('refuses a server whose certificate does not verify, before any password is sent', async () => {
    const before = handshakes;
    await expect(poll({})).rejects.toThrow(/self[- ]signed|certificate/i);
    expect(handshakes).toBe(before);
  });

  it('completes the TLS handshake with SVODKA_TLS_INSECURE=1', async () => {
    const before = handshakes;
    // The server on the other end hangs up, so the IMAP session fails after the handshake.
    const error = (await poll({ SVODKA_TLS_INSECURE: '1' }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).not.toMatch(/self[- ]signed|certificate/i);
    expect(handshakes).toBe(before + 1);
  });
});
