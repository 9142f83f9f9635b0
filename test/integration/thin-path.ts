// The whole thin path for all 27 municipalities of Smolensk oblast, through the CLI as a user runs
// it, against a real Temporal dev server, a real SMTP server on loopback and a real database.
// Shared by the SQLite and the PostgreSQL test files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateSigningKeys } from '../../infrastructure/signing';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import type { EventRow } from '../../domain/types';
import type { QuarterStatus } from '../../workflows/api';
import { libreOfficeSubmission, seededShuffle, wordSubmission } from '../fixtures/docx-builders';
import { loadReference, normalizeText } from '../fixtures/reference';
import { expectOfficialReport, officialRows } from '../support/official-report';
import { excelSubmission } from '../fixtures/xlsx-builders';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';

/**
 * Shuffles a section's rows as a clerk might type them, except that events on the same dates keep
 * their relative order: DESIGN.md breaks such ties by submission order, so no shuffle may swap them.
 */
function shuffleKeepingTies(rows: EventRow[], seed: number): EventRow[] {
  const shuffled = seededShuffle(rows, seed);
  const key = (r: EventRow) => normalizeText(r.dates);
  const queues = new Map<string, EventRow[]>();
  for (const r of rows) queues.set(key(r), [...(queues.get(key(r)) ?? []), r]);
  return shuffled.map((r) => queues.get(key(r))!.shift()!);
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

async function pollStatus(
  stack: Stack,
  predicate: (s: QuarterStatus) => boolean,
  timeoutMs = 60_000,
): Promise<QuarterStatus> {
  const until = Date.now() + timeoutMs;
  let last: QuarterStatus | null = null;
  while (Date.now() < until) {
    const r = await stack.cli(['quarter', 'status', '2023-Q2', '--json']);
    if (r.code === 0) {
      last = JSON.parse(r.stdout) as QuarterStatus;
      if (predicate(last)) return last;
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(
    `status condition not met; last: ${JSON.stringify(last?.municipalities.map((m) => m.state))}`,
  );
}

export function thinPathSuite(database: 'sqlite' | 'postgresql'): void {
  let stack: Stack;
  const reference = loadReference();
  const withEvents = new Set(reference.sections.map((s) => s.code));

  beforeAll(async () => {
    // The region signs its reports: the worker (in this process) and the CLI both see the key.
    const keys = generateSigningKeys();
    const keyFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'svodka-key-')), 'signing.pem');
    writeFileSync(keyFile, keys.privatePem);
    process.env.SVODKA_SIGNING_KEY = keyFile;
    stack = await startStack({ database });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it(
    'runs Q2 2023 for 27 municipalities from launch to a signed-off report',
    { timeout: 300_000 },
    async () => {
      // Launch, and launching again does not start a second quarter.
      const start = await stack.cli(['quarter', 'start', '2023-Q2', '--deadline', '2099-07-10']);
      expect(start.code, start.stderr).toBe(0);
      expect(start.stdout).toContain('запущен');
      const again = await stack.cli(['quarter', 'start', '2023-Q2']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('уже был запущен');

      // Every municipality gets its request by email, with the template attached.
      await stack.mail.waitFor(
        (all) => all.filter((m) => m.subject.startsWith('Запрос сведений')).length === 27,
      );
      const requests = stack.mail.messages.filter((m) => m.subject.startsWith('Запрос сведений'));
      expect(new Set(requests.map((m) => m.to))).toEqual(
        new Set(SMOLENSK_MUNICIPALITIES.map((m) => m.email)),
      );
      expect(requests.every((m) => m.attachments.some((a) => a.filename.endsWith('.docx')))).toBe(true);

      // One clerk first sends a file that is not a Word document: rejected, with a reason in Russian.
      const bad = path.join(stack.dir, 'not-a-docx.docx');
      writeFileSync(bad, '%PDF-1.4\n% not really a docx\n');
      const rejected = await stack.cli(['submit', '2023-Q2', 'vyazma', '--file', bad]);
      expect(rejected.code).toBe(1);
      expect(rejected.stdout).toMatch(/НЕ приняты/);
      expect(rejected.stdout).toMatch(/PDF/);

      // The eight municipalities of the reference answer with their events (rows shuffled, made as
      // Word and as LibreOffice would, with and without the № column); the other nineteen, nil.
      const files = await Promise.all(
        reference.sections.map(async (section, i) => {
          const rows = shuffleKeepingTies(
            section.rows.map((r) => r.row),
            i + 7,
          );
          // The last one saved its table as an Excel workbook.
          const excel = i === reference.sections.length - 1;
          const bytes = excel
            ? await excelSubmission({ rows, numberColumn: true })
            : i % 2 === 0
              ? await wordSubmission({
                  rows,
                  numberColumn: i % 4 === 0,
                  before: [`Сведения: ${section.title}`],
                })
              : libreOfficeSubmission({
                  rows,
                  numberColumn: i % 3 !== 0,
                  after: ['Исполнитель: специалист'],
                });
          const file = path.join(stack.dir, `${section.code}.${excel ? 'xlsx' : 'docx'}`);
          writeFileSync(file, bytes);
          return { code: section.code, file, count: section.rows.length };
        }),
      );
      const fileResults = await inBatches(files, 4, async (f) => ({
        ...f,
        result: await stack.cli(['submit', '2023-Q2', f.code, '--file', f.file, '--json']),
      }));
      for (const f of fileResults) {
        expect(f.result.code, `${f.code}: ${f.result.stdout}${f.result.stderr}`).toBe(0);
        const parsed = JSON.parse(f.result.stdout) as { accepted: boolean; rowCount: number };
        expect(parsed).toMatchObject({ accepted: true, rowCount: f.count });
      }
      const nilCodes = SMOLENSK_MUNICIPALITIES.map((m) => m.code).filter((c) => !withEvents.has(c));
      expect(nilCodes).toHaveLength(19);
      const nilResults = await inBatches(nilCodes, 4, (code) =>
        stack.cli(['submit', '2023-Q2', code, '--nil']),
      );
      for (const r of nilResults) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain('мероприятия не проводились');
      }

      // Every municipality is accepted and the draft is ready to sign.
      const ready = await pollStatus(stack, (s) => s.phase === 'awaiting_approval');
      expect(ready.municipalities.map((m) => m.state)).toEqual(Array(27).fill('accepted'));
      expect(ready.municipalities.find((m) => m.code === 'vyazma')?.versions).toBe(2);
      // The coordinator sees what changed between vyazma's rejected file and its accepted one.
      const diff = await stack.cli(['quarter', 'diff', '2023-Q2', 'vyazma']);
      expect(diff.code, diff.stderr).toBe(0);
      expect(diff.stdout).toContain('версия 1 (отклонена) → версия 2 (принята)');
      expect(diff.stdout).toContain('добавлено: 4');
      const human = await stack.cli(['quarter', 'status', '2023-Q2']);
      expect(human.stdout).toContain('Вяземский район');
      expect(human.stdout).toContain('принято');

      // Sign-off writes the final report.
      const finalFile = path.join(stack.dir, 'final.docx');
      const approve = await stack.cli([
        'report',
        'approve',
        '2023-Q2',
        '--signer',
        'И. И. Иванов',
        '--position',
        'Начальник департамента',
        '--out',
        finalFile,
      ]);
      expect(approve.code, approve.stderr).toBe(0);
      expect(approve.stdout).toMatch(/SHA-256: [0-9a-f]{64}/);

      // The final report, read back cell by cell, is the reference: sections in region order, 65 rows.
      expectOfficialReport(readFileSync(finalFile));

      // The quarter is locked: a late answer is told so and changes nothing.
      const final = await pollStatus(stack, (s) => s.phase === 'approved');
      expect(final.finalSha256).toMatch(/^[0-9a-f]{64}$/);
      const late = await stack.cli(['submit', '2023-Q2', 'velizh', '--nil']);
      expect(late.code).toBe(1);
      expect(late.stderr).toMatch(/закрыт/);

      // The signed file verifies from the files alone: the manifest written beside it (signed with
      // the installation's Ed25519 key, naming the file's SHA-256); an altered copy does not.
      const verify = await stack.cli(['report', 'verify', finalFile]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(verify.stdout).toContain('ПОДЛИННЫЙ');
      const manifestFile = path.join(stack.dir, 'final.manifest.json');
      expect(JSON.parse(readFileSync(manifestFile, 'utf8'))).toMatchObject({
        quarter: '2023-Q2',
        docx: { sha256: final.finalSha256 },
        signature: { algorithm: 'Ed25519' },
      });
      const altered = path.join(stack.dir, 'altered.docx');
      writeFileSync(altered, Buffer.concat([readFileSync(finalFile), Buffer.from([0])]));
      writeFileSync(path.join(stack.dir, 'altered.manifest.json'), readFileSync(manifestFile));
      const verifyAltered = await stack.cli(['report', 'verify', altered]);
      expect(verifyAltered.code).toBe(1);
      expect(verifyAltered.stdout).toContain('НЕ ПОДТВЕРЖДЕН');
      expect(verifyAltered.stdout).toContain('файл не тот, что подписан');
      // The audit log verifies, its chain keyed, and the manifest anchors it.
      const chain = await stack.cli(['audit', 'verify', '--anchor', manifestFile]);
      expect(chain.code, chain.stdout + chain.stderr).toBe(0);

      // The same report as an Excel table and as PDF, and the status table as CSV.
      const xlsxFile = path.join(stack.dir, 'итог.xlsx');
      const xlsx = await stack.cli(['report', 'xlsx', '2023-Q2', '--out', xlsxFile]);
      expect(xlsx.code, xlsx.stderr).toBe(0);
      expect(xlsx.stdout).toContain('Итоговый отчет за 2023-Q2 (мероприятий: 65)');
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(readFileSync(xlsxFile) as unknown as ArrayBuffer);
      const sheet = workbook.getWorksheet('Сводный отчет')!;
      expect(normalizeText(String(sheet.getCell('A1').value))).toBe(normalizeText(reference.title));
      const excelRows: string[][] = [];
      sheet.eachRow((row) => {
        const n = row.getCell(1).value;
        if (typeof n === 'number')
          excelRows.push(
            [`${n}.`, ...[2, 3, 4, 5, 6].map((c) => String(row.getCell(c).value ?? ''))].map(normalizeText),
          );
      });
      expect(excelRows).toEqual(officialRows());
      const pdfFile = path.join(stack.dir, 'итог.pdf');
      const pdf = await stack.cli(['report', 'pdf', '2023-Q2', '--out', pdfFile]);
      expect(pdf.code, pdf.stderr).toBe(0);
      const pdfText = normalizeText(execFileSync('pdftotext', [pdfFile, '-'], { encoding: 'utf8' }));
      expect(pdfText).toContain('в II квартале 2023 года');
      expect(pdfText).toContain('И. И. Иванов');
      const csvFile = path.join(stack.dir, 'состояние.csv');
      const csv = await stack.cli(['quarter', 'status', '2023-Q2', '--csv', csvFile]);
      expect(csv.code, csv.stderr).toBe(0);
      const csvLines = readFileSync(csvFile, 'utf8')
        .replace(/^\ufeff/, '')
        .trimEnd()
        .split('\r\n');
      expect(csvLines).toHaveLength(28);
      expect(csvLines.find((l) => l.startsWith('vyazma;'))).toMatch(/^vyazma;Вяземский район;принято;\d+;2;/);

      // Mail: one result per answer (28), the final report to the coordinator, nothing twice.
      await stack.mail.waitFor((all) => all.some((m) => m.subject.includes('подписан')));
      const results = stack.mail.messages.filter((m) => /^Сведения (приняты|не приняты)/.test(m.subject));
      expect(results).toHaveLength(28);
      const ids = stack.mail.messages.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(ids.length);
      const finalMail = stack.mail.messages.find((m) => m.subject.includes('подписан'))!;
      expect(finalMail.attachments[0]?.content.equals(readFileSync(finalFile))).toBe(true);

      // The rows are stored: 65 accepted events across the eight final versions.
      const stored = await stack.db.submissionRow.count({
        where: { submission: { quarter: '2023-Q2', status: 'accepted' } },
      });
      expect(stored).toBe(65);
    },
  );
}
