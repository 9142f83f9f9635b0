// One service of the topology as an operating-system process: its output goes to a log file of its
// own, it can be killed (any signal) and started again with the same command and environment.
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export type ServiceProcess = {
  name: string;
  logFile: string;
  pid(): number | undefined;
  running(): boolean;
  /** Sends the signal and waits for the exit (SIGTERM: SIGKILL after graceMs). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** Starts it again (after stop, or after it died), and waits until it is ready. */
  restart(): Promise<void>;
  /** The last lines of its log, for an error message. */
  tail(lines?: number): string;
  /** What it has written since it was last (re)started: the log is appended to across restarts. */
  output(): string;
};

export type ServiceSpec = {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  logDir: string;
  uid?: number;
  gid?: number;
  /** Resolves when the service is ready; rejects to say why not. */
  ready?: (proc: ServiceProcess) => Promise<void>;
  /** Called when the process exits while nobody asked it to. */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A free port below 32768: Temporal keeps membership ports in a PostgreSQL smallint, and the
 * kernel's ephemeral ports (what freePort gets) start at 32768.
 */
export async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    const ok = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  proc?: ServiceProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (proc && !proc.running())
      throw new Error(`${proc.name} завершился, не дождавшись: ${what}\n${proc.tail()}`);
    if (Date.now() > deadline)
      throw new Error(
        `${what}: не дождался за ${timeoutMs / 1000} с${last ? ` (${String(last)})` : ''}${proc ? `\n${proc.tail()}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startProcess(spec: ServiceSpec): Promise<ServiceProcess> {
  mkdirSync(spec.logDir, { recursive: true });
  const logFile = path.join(spec.logDir, `${spec.name}.log`);
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let expectingExit = false;
  let logOffset = 0;

  const launch = () => {
    logOffset = existsSync(logFile) ? statSync(logFile).size : 0;
    const fd = openSync(logFile, 'a');
    const options: SpawnOptions = {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', fd, fd],
      ...(spec.uid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}),
    };
    const c = spawn(spec.command, spec.args, options);
    closeSync(fd);
    child = c;
    expectingExit = false;
    exited = new Promise<void>((resolve) => {
      c.once('exit', (code, signal) => {
        if (!expectingExit) spec.onUnexpectedExit?.(code, signal);
        resolve();
      });
      c.once('error', () => resolve());
    });
  };

  const proc: ServiceProcess = {
    name: spec.name,
    logFile,
    pid: () => child?.pid,
    running: () => child !== null && child.exitCode === null && child.signalCode === null,
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (!child || !proc.running()) return;
      expectingExit = true;
      child.kill(signal);
      const c = child;
      const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async restart() {
      await proc.stop();
      launch();
      await spec.ready?.(proc);
    },
    output() {
      if (!existsSync(logFile)) return '';
      return readFileSync(logFile).subarray(logOffset).toString('utf8');
    },
    tail(lines = 30) {
      if (!existsSync(logFile)) return '';
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    },
  };
  launch();
  try {
    await spec.ready?.(proc);
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
  return proc;
}
