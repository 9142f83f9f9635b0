// A real SMTP server on loopback that keeps what nodemailer sends, parsed, for assertions.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type ReceivedMail = {
  to: string;
  cc: string;
  subject: string;
  text: string;
  messageId: string;
  headers: Map<string, unknown>;
  attachments: { filename: string; content: Buffer }[];
};

export type MailSink = {
  url: string;
  messages: ReceivedMail[];
  /** While down, every connection and every message is refused with a temporary error (a relay that is out). */
  setDown(down: boolean): void;
  waitFor(predicate: (all: ReceivedMail[]) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

function addresses(value: ParsedMail['to']): string {
  if (!value) return '';
  const list = Array.isArray(value) ? value : [value];
  return list.map((a) => a.value.map((v) => v.address).join(',')).join(',');
}

export async function startMailSink(): Promise<MailSink> {
  const messages: ReceivedMail[] = [];
  let down = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 50 * 1024 * 1024,
    onConnect(_session, callback) {
      if (down)
        return callback(Object.assign(new Error('Service temporarily unavailable'), { responseCode: 421 }));
      callback();
    },
    // A connection opened before the outage (a client's pool keeps them) is refused mail too.
    onMailFrom(_address, _session, callback) {
      if (down)
        return callback(Object.assign(new Error('Service temporarily unavailable'), { responseCode: 421 }));
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          messages.push({
            to: addresses(mail.to),
            cc: addresses(mail.cc),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            messageId: mail.messageId ?? '',
            headers: mail.headers as Map<string, unknown>,
            attachments: mail.attachments.map((a) => ({ filename: a.filename ?? '', content: a.content })),
          });
          callback();
        },
        (err) => callback(err as Error),
      );
    },
  });
  // A client that dies mid-session (a worker killed by a fault test) resets its connection; a relay
  // shrugs that off, and without a listener it would be an uncaught exception in the test process.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    setDown(value) {
      down = value;
    },
    async waitFor(predicate, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(messages)) {
        if (Date.now() > until)
          throw new Error(`mail sink: condition not met in ${timeoutMs} ms (${messages.length} messages)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
