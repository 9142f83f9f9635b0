// The workflow bundle, built in a process of its own. Bundling in the worker's process left
// webpack's ~120 MB in its heap for the worker's whole life; a child process returns it on exit.
import { fork } from 'node:child_process';
import path from 'node:path';

const runner = path.resolve(import.meta.dirname, '../bin/run.js');
const script = path.resolve(import.meta.dirname, 'bundle-child.ts');

let bundled: Promise<string> | undefined;

/** The bundle's code; one build per process (the workflows do not change under a running worker). */
export function workflowBundleCode(): Promise<string> {
  bundled ??= new Promise<string>((resolve, reject) => {
    const child = fork(runner, [script], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let code: string | undefined;
    child.once('message', (m: { code: string }) => {
      code = m.code;
    });
    child.once('error', reject);
    child.once('exit', (exitCode) => {
      if (code !== undefined) resolve(code);
      else
        reject(
          new Error(
            `Не удалось собрать код процессов Temporal (каталог workflows/): сборщик завершился с кодом ${exitCode}, его сообщения выше.`,
          ),
        );
    });
  });
  bundled.catch(() => {
    bundled = undefined;
  });
  return bundled;
}
