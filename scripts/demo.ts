// `npm run demo`: a whole Q2 2023 in about two minutes, narrated. The quarter starts; the eight
// municipalities of the official report answer with their events (Word files built from the
// reference), seventeen with nil reports, two stay silent until reminders and an escalation reach
// them; one file is rejected and corrected; the coordinator signs off; the final DOCX lands in out/.
// It runs on its own data directory (data/demo) so it never touches a real quarter.
import { randomUUID } from 'node:crypto';
import { deliverAnswer } from '../application/deliver-answer';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDbBlobStore } from '../infrastructure/blobs';
import { createDb } from '../infrastructure/db/client';
import { setupDatabase } from '../infrastructure/db/setup';
import { reportBytes, reportFileName } from '../activities/reports';
import { storeUpload } from '../infrastructure/uploads';
import { DEFAULT_POLICY, moscowDate } from '../domain/schedule';
import { formatFinding } from '../domain/validate';
import { wordSubmission } from '../test/fixtures/docx-builders';
import { loadReference } from '../test/fixtures/reference';
import { startServices } from '../worker/services';
import {
  approveUpdate,
  quarterWorkflowId,
  statusQuery,
  TASK_QUEUE,
} from '../workflows/api';
import type { QuarterInput, QuarterStatus, SubmissionPayload, SubmissionResult } from '../workflows/api';

const QUARTER = '2023-Q2';
const LATE = ['shumyachi', 'yartsevo'];
const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, 'data', 'demo');
// The audit chain's key is made in the data directory: the demo's, where
// `SVODKA_DATA_DIR=data/demo npx svodka audit verify` looks for it.
process.env.SVODKA_DATA_DIR = dir;
const outDir = path.join(root, 'out');
const started = Date.now();

const clock = () => {
  const s = Math.floor((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
const say = (line: string) => console.log(`[${clock()}] ${line}`);
const bar = (done: number, total: number) =>
  `[${'#'.repeat(Math.round((done / total) * 20)).padEnd(20, '.')}] ${done}/${total}`;
/** A progress line: redrawn in place on a terminal, printed once when done in a log. */
const progress = (label: string, done: number, total: number) => {
  if (process.stdout.isTTY)
    process.stdout.write(`\r[${clock()}] ${label}: ${bar(done, total)}${done === total ? '\n' : ''}`);
  else if (done === total) say(`${label}: ${bar(done, total)}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

async function pickPort(preferred: number): Promise<number> {
  for (let p = preferred; p < preferred + 50; p++) if (await portFree(p)) return p;
  throw new Error(`нет свободного порта рядом с ${preferred}`);
}

async function main(): Promise<void> {
  say('Svodka — демонстрация: сбор сведений за II квартал 2023 года по 27 муниципальным образованиям.');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const databaseUrl = `file:${path.join(dir, 'svodka.db')}`;
  await setupDatabase(databaseUrl);
  const db = await createDb(databaseUrl);
  const files = createDbBlobStore(db);
  const reference = loadReference();

  const services = await startServices({
    dataDir: dir,
    databaseUrl,
    temporalPort: await pickPort(Number(process.env.TEMPORAL_PORT || 7233)),
    temporalUiPort: await pickPort(Number(process.env.TEMPORAL_UI_PORT || 8233)),
    devSmtpPort: await pickPort(Number(process.env.SVODKA_DEV_SMTP_PORT || 2525)),
    portalPort: await pickPort(Number(process.env.PORT || 3000)),
    log: (line) => say(line),
  });
  const stop = async () => {
    await services.stop();
    await db.$disconnect();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));

  const client = new Client({ connection: await Connection.connect({ address: services.temporalAddress }) });
  const status = () => client.workflow.getHandle(quarterWorkflowId(QUARTER)).query(statusQuery);

  // Emails as they leave, narrated from the outbox.
  let seenMail = 0;
  const narrateMail = async () => {
    const rows = await db.emailOutbox.findMany({
      where: { status: 'sent' },
      orderBy: { sentAt: 'asc' },
      skip: seenMail,
    });
    seenMail += rows.length;
    for (const r of rows) {
      if (['reminder', 'deadline', 'overdue', 'escalation'].includes(r.kind))
        say(
          `  ✉ ${r.kind === 'escalation' ? 'ЭСКАЛАЦИЯ' : 'напоминание'} → ${r.to}${r.cc ? ` (копия ${r.cc})` : ''}: «${r.subject}»`,
        );
    }
  };

  // A day of the reminder policy lasts three seconds; the deadline is ten policy days away, so the
  // prompt answer first and the reminders then reach only the two who stay silent.
  const timeScale = 86_400 / 3;
  const deadline = moscowDate(Date.now() + 10 * 86_400_000);
  const input: QuarterInput = {
    quarter: QUARTER,
    deadline,
    policy: DEFAULT_POLICY,
    timeScale,
    startedAt: new Date().toISOString(),
  };
  await client.workflow.start('quarterlyReport', {
    taskQueue: TASK_QUEUE,
    workflowId: quarterWorkflowId(QUARTER),
    args: [input],
  });
  say(`Квартал ${QUARTER} запущен: срок ${deadline}, сутки политики напоминаний длятся 3 секунды.`);
  for (let i = 0; i < 120; i++) {
    const sent = await db.emailOutbox.count({ where: { kind: 'request', status: 'sent' } });
    progress('Запросы уходят', sent, 27);
    if (sent === 27) break;
    await sleep(250);
  }
  seenMail = await db.emailOutbox.count({ where: { status: 'sent' } });

  const submit = async (code: string, payload: SubmissionPayload): Promise<SubmissionResult> =>
    deliverAnswer({ client, db }, { quarter: QUARTER, municipality: code, requestId: randomUUID() }, payload);
  const upload = async (code: string, name: string, bytes: Uint8Array): Promise<SubmissionPayload> => ({
    kind: 'file',
    uploadId: await storeUpload(db, files, {
      quarter: QUARTER,
      municipality: code,
      fileName: name,
      bytes,
      channel: 'cli',
      actor: code,
      origin: 'demo',
    }),
    channel: 'cli',
    actor: code,
  });

  // The eight municipalities of the reference; Вяземский район first forgets a date.
  say('Муниципальные образования присылают заполненные шаблоны:');
  for (const section of reference.sections) {
    const rows = section.rows.map((r) => r.row);
    if (section.code === 'vyazma') {
      const broken = rows.map((r, i) => (i === 1 ? { ...r, dates: '' } : r));
      const first = await submit(
        section.code,
        await upload(section.code, 'вязьма.docx', await wordSubmission({ rows: broken })),
      );
      say(`  ✗ ${section.title}: не принято (версия ${first.version})`);
      for (const f of first.findings.filter((x) => x.severity === 'error')) say(`      ${formatFinding(f)}`);
    }
    const result = await submit(
      section.code,
      await upload(section.code, `${section.code}.docx`, await wordSubmission({ rows })),
    );
    const warnings = result.findings.filter((f) => f.severity === 'warning').length;
    say(
      `  ✓ ${section.title}: принято, версия ${result.version}, мероприятий ${result.rowCount}${warnings ? `, замечаний ${warnings}` : ''}`,
    );
  }

  const registry = await db.municipality.findMany({ orderBy: { position: 'asc' } });
  const withEvents = new Set(reference.sections.map((s) => s.code));
  const nil = registry.filter((m) => !withEvents.has(m.code) && !LATE.includes(m.code));
  for (const [i, m] of nil.entries()) {
    await submit(m.code, { kind: 'nil', channel: 'cli', actor: m.code });
    progress('«Мероприятия не проводились»', i + 1, nil.length);
  }
  const lateNames = registry.filter((m) => LATE.includes(m.code)).map((m) => m.name);
  say(`Молчат: ${lateNames.join(' и ')}. Ждем напоминаний и эскалации…`);

  for (;;) {
    await narrateMail();
    const s: QuarterStatus = await status();
    if (s.municipalities.filter((m) => LATE.includes(m.code)).every((m) => m.escalations > 0)) break;
    await sleep(500);
  }
  for (const code of LATE) {
    await submit(code, { kind: 'nil', channel: 'cli', actor: code });
    say(
      `  ✓ ${registry.find((m) => m.code === code)!.name} ответил после эскалации: мероприятия не проводились`,
    );
  }

  let s = await status();
  while (s.phase !== 'awaiting_approval') {
    await sleep(300);
    s = await status();
  }
  say(
    `Все 27 ответили; проект отчета готов (мероприятий: ${s.municipalities.reduce((n, m) => n + m.rowCount, 0)}).`,
  );
  const approved = await client.workflow.getHandle(quarterWorkflowId(QUARTER)).executeUpdate(approveUpdate, {
    args: [{ signer: 'И. И. Иванов', position: 'Начальник департамента', actor: 'demo' }],
  });
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, reportFileName(QUARTER, 'final'));
  writeFileSync(out, await reportBytes(db, files, approved.reportId));
  say(`Отчет подписан: ${approved.eventCount} мероприятий, SHA-256 ${approved.sha256}`);
  say(`Итоговый отчет: ${path.relative(process.cwd(), out)}`);
  await narrateMail();
  const emails = await db.emailOutbox.count({ where: { status: 'sent' } });
  say(
    `Писем отправлено: ${emails} (все лежат в ${path.relative(process.cwd(), services.mailboxDir ?? dir)}).`,
  );
  if (services.portalUrl) {
    say(
      `Портал: ${services.portalUrl} (письма со ссылками муниципалитетов: ${services.portalUrl}/dev/mailbox)`,
    );
    say(`Вход координатора: SVODKA_DATA_DIR=data/demo npx svodka user add coordinator --role coordinator`);
  }
  if (services.temporalUiUrl) {
    say(
      `Temporal Web UI: ${services.temporalUiUrl}/namespaces/default/workflows/${encodeURIComponent(quarterWorkflowId(QUARTER))}`,
    );
  }
  say(
    `Хронология: SVODKA_DATA_DIR=data/demo TEMPORAL_ADDRESS=${services.temporalAddress} npx svodka audit ${QUARTER}`,
  );
  await client.connection.close();
  if (process.stdin.isTTY && !process.env.CI) {
    say('Сервисы работают, чтобы можно было все посмотреть. Ctrl-C — завершить.');
    await services.running;
  }
  await stop();
  if (!existsSync(out)) process.exit(1);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`[${clock()}] Ошибка: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
