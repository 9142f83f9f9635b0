// The SMTP transport: SMTP_URL names the relay; without it, the dev mailbox on loopback.
import nodemailer from 'nodemailer';
import { tlsInsecure, tlsOptions } from './tls';

export type MailMessage = {
  from: string;
  to: string;
  cc?: string;
  subject: string;
  text: string;
  messageId: string;
  replyTo?: string;
  headers?: Record<string, string>;
  attachments?: { filename: string; content: Buffer; contentType?: string }[];
};

export type Mailer = { sendMail(message: MailMessage): Promise<unknown>; close?(): void };

export const DEV_MAILBOX_URL = 'smtp://127.0.0.1:2525';

export function smtpUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.SMTP_URL || DEV_MAILBOX_URL;
}

export function createMailer(url: string = smtpUrl(), env: NodeJS.ProcessEnv = process.env): Mailer {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  return nodemailer.createTransport({
    host: u.hostname,
    port: Number(u.port) || (secure ? 465 : 25),
    secure,
    auth: u.username
      ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) }
      : undefined,
    // Pooled: a request round to every municipality reuses a few connections.
    pool: true,
    maxConnections: 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // The relay's certificate is verified (STARTTLS too) unless SVODKA_TLS_INSECURE=1 says otherwise.
    tls: tlsOptions(tlsInsecure(env)),
  });
}
