// Where the inbound mailbox is: SVODKA_IMAP_URL = imap://user:pass@host:port (or imaps://…),
// optionally with the mailbox as the path (imap://…/INBOX). Unset: no inbound email channel.
import { tlsInsecure } from '../../infrastructure/email/tls';

export type ImapSettings = {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  /** The folder replies arrive in; INBOX by default. */
  mailbox?: string;
  /** SVODKA_TLS_INSECURE=1: the server's certificate is not verified (a lab only). */
  insecure?: true;
  /**
   * SVODKA_AUTHSERV_ID: the authserv-id our receiving mail server writes into Authentication-Results.
   * Set, a reply is held unless that server's header is there and says neither DKIM nor DMARC failed.
   */
  authservId?: string;
};

export function inboundConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ImapSettings | null {
  const raw = env.SVODKA_IMAP_URL?.trim();
  if (!raw) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`SVODKA_IMAP_URL: не адрес вида imap://пользователь:пароль@сервер:порт — «${raw}»`);
  }
  if (u.protocol !== 'imap:' && u.protocol !== 'imaps:')
    throw new Error(`SVODKA_IMAP_URL: ожидается imap:// или imaps://, получено «${u.protocol}»`);
  if (!u.hostname) throw new Error('SVODKA_IMAP_URL: не указан сервер');
  if (!u.username)
    throw new Error('SVODKA_IMAP_URL: не указан пользователь (imap://пользователь:пароль@сервер)');
  const secure = u.protocol === 'imaps:';
  const mailbox = decodeURIComponent(u.pathname.replace(/^\/+/, ''));
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port) || (secure ? 993 : 143),
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    ...(mailbox ? { mailbox } : {}),
    ...(tlsInsecure(env) ? { insecure: true as const } : {}),
    ...(env.SVODKA_AUTHSERV_ID?.trim() ? { authservId: env.SVODKA_AUTHSERV_ID.trim() } : {}),
  };
}
