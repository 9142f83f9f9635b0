// Accounts of the portal from the command line, until `svodka user add` exists:
//   node bin/run.js client/web/users.ts add <login> --role coordinator|auditor --name "И. И. Иванов"
// The password is read from SVODKA_USER_PASSWORD, or from standard input (first line; typed
// without echo on a terminal).
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { createDb } from '../../infrastructure/db/client';
import { UserError } from '../temporal';
import { createUser } from './auth';

export { createUser };

export async function readPassword(): Promise<string> {
  if (process.env.SVODKA_USER_PASSWORD) return process.env.SVODKA_USER_PASSWORD;
  const tty = process.stdin.isTTY;
  if (tty) process.stdout.write('Пароль: ');
  // On a terminal, readline echoes into a sink: the password is not shown.
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: sink, terminal: Boolean(tty) });
  const line = await new Promise<string>((resolve) => {
    rl.once('line', (l) => resolve(l));
    rl.once('close', () => resolve(''));
  });
  rl.close();
  if (tty) process.stdout.write('\n');
  return line.replace(/\r$/, '');
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const [command, login, ...rest] = argv;
  if (command !== 'add' || !login || login.startsWith('--')) {
    console.error(
      'Использование: node bin/run.js client/web/users.ts add <login> --role coordinator|auditor --name "Имя Фамилия"',
    );
    return 2;
  }
  const role = option(rest, '--role') ?? 'coordinator';
  const name = option(rest, '--name') ?? login;
  const password = await readPassword();
  const db = await createDb();
  try {
    const user = await createUser(db, { login, name, role, password });
    console.log(
      `Пользователь «${user.login}» (${user.role === 'coordinator' ? 'координатор' : 'аудитор'}) создан.`,
    );
    return 0;
  } catch (err) {
    if (err instanceof UserError) {
      console.error(`Ошибка: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  } finally {
    await db.$disconnect();
  }
}

if (process.argv[1]?.endsWith('client/web/users.ts')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`Ошибка: ${(err as Error)?.message ?? String(err)}`);
      process.exit(1);
    },
  );
}
