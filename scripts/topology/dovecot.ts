// A private, real IMAP server (the tests' and `npm run topology`'s): Dovecot from the distribution's
// packages (`apt-get install -y dovecot-imapd`), started with a generated configuration in a
// temporary directory (or the topology's state directory), on a free loopback port, with one user `svodka` and a plaintext password. Messages are
// delivered by IMAP APPEND (no MTA). Runs as root (CI and the development machines); the mail
// itself is owned by the package's `dovecot` user, because Dovecot refuses mail access as root.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from './process';

export const DOVECOT_BINARY = process.env.DOVECOT_BINARY || '/usr/sbin/dovecot';

export type Dovecot = {
  host: string;
  port: number;
  user: string;
  pass: string;
  dir: string;
  /** imap://svodka:…@127.0.0.1:port, as SVODKA_IMAP_URL takes it. */
  url: string;
  /** Connection settings in the shape pollMailbox's `imap` takes. */
  imap: { host: string; port: number; secure: boolean; user: string; pass: string };
  /** A logged-in client; the caller logs out. */
  client(): Promise<ImapFlow>;
  /** Puts a raw RFC 822 message into the mailbox (INBOX by default), unread. */
  append(raw: string | Buffer, mailbox?: string): Promise<void>;
  log(): string;
  stop(): Promise<void>;
};

export function dovecotAvailable(): boolean {
  return existsSync(DOVECOT_BINARY) && typeof process.getuid === 'function' && process.getuid() === 0;
}

/** uid and gid of a system user, from /etc/passwd. */
function systemUser(name: string): { uid: number; gid: number } | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

function waitForPort(port: number, child: ChildProcess, logFile: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
        return reject(new Error(`dovecot exited with ${child.exitCode}\n${log}`));
      }
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > until) reject(new Error(`dovecot: port ${port} not open in ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export async function startDovecot(
  options: {
    user?: string;
    pass?: string;
    /** kept on stop; default: a temporary one, removed */ dir?: string;
  } = {},
): Promise<Dovecot> {
  if (!existsSync(DOVECOT_BINARY))
    throw new Error(`${DOVECOT_BINARY} not found: apt-get install -y dovecot-imapd`);
  const owner = systemUser('dovecot');
  const login = systemUser('dovenull') ? 'dovenull' : 'dovecot';
  if (!owner)
    throw new Error('the system user «dovecot» is missing (it comes with the dovecot-core package)');
  const user = options.user ?? 'svodka';
  const pass = options.pass ?? 'svodka-test-password';
  const keepDir = Boolean(options.dir);
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'svodka-dovecot-'));
  mkdirSync(dir, { recursive: true });
  // Dovecot's processes drop to unprivileged users: they must be able to walk into the directory.
  chmodSync(dir, 0o755);
  const mailDir = path.join(dir, 'mail');
  const home = path.join(mailDir, user);
  mkdirSync(home, { recursive: true });
  chownSync(mailDir, owner.uid, owner.gid);
  chownSync(home, owner.uid, owner.gid);
  for (const sub of ['run', 'state']) mkdirSync(path.join(dir, sub), { recursive: true });
  const port = await freePort();
  const logFile = path.join(dir, 'dovecot.log');
  const passwdFile = path.join(dir, 'passwd');
  writeFileSync(passwdFile, `${user}:{PLAIN}${pass}:${owner.uid}:${owner.gid}::${home}::\n`, { mode: 0o644 });
  const conf = path.join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    [
      `instance_name = svodka-test-${path.basename(dir)}`,
      `base_dir = ${path.join(dir, 'run')}`,
      `state_dir = ${path.join(dir, 'state')}`,
      `log_path = ${logFile}`,
      `info_log_path = ${logFile}`,
      `debug_log_path = ${logFile}`,
      'protocols = imap',
      'listen = 127.0.0.1',
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      `mail_location = maildir:${home}/Maildir`,
      `mail_uid = ${owner.uid}`,
      `mail_gid = ${owner.gid}`,
      `first_valid_uid = ${Math.min(owner.uid, 100)}`,
      `first_valid_gid = ${Math.min(owner.gid, 100)}`,
      'default_internal_user = dovecot',
      `default_login_user = ${login}`,
      'passdb {',
      '  driver = passwd-file',
      `  args = scheme=PLAIN username_format=%u ${passwdFile}`,
      '}',
      'userdb {',
      '  driver = passwd-file',
      `  args = username_format=%u ${passwdFile}`,
      '}',
      'service imap-login {',
      '  inet_listener imap {',
      '    address = 127.0.0.1',
      `    port = ${port}`,
      '  }',
      '  inet_listener imaps {',
      '    port = 0',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(DOVECOT_BINARY, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  try {
    await waitForPort(port, child, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output}`);
  }

  const imap = { host: '127.0.0.1', port, secure: false, user, pass };
  const newClient = async () => {
    const client = new ImapFlow({ ...imap, auth: { user, pass }, logger: false });
    await client.connect();
    return client;
  };
  return {
    host: imap.host,
    port,
    user,
    pass,
    dir,
    url: `imap://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    imap,
    client: newClient,
    async append(raw, mailbox = 'INBOX') {
      const client = await newClient();
      try {
        const result = await client.append(
          mailbox,
          typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw,
          [],
        );
        if (!result) throw new Error('IMAP APPEND failed');
      } finally {
        await client.logout();
      }
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') + output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
