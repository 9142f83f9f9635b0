// `svodka report draft|approve|verify`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createDbBlobStore, sha256Hex } from '../../../activities/blobs';
import { reportBytes } from '../../../activities/reports';
import { generateSigningKeys, verifyBytes, verifyKey } from '../../../activities/signing';
import { approveUpdate, quarterWorkflowId } from '../../../workflows/api';
import type { ApproveResult } from '../../../workflows/api';
import {
  actor,
  audit,
  explainTemporalError,
  getClient,
  getDb,
  printJson,
  quarterArg,
  UserError,
} from '../context';
import { fetchStatus } from './quarter';
import { registerReportExportCommands } from './report-export';

async function writeReport(reportId: string, out: string): Promise<void> {
  const db = await getDb();
  writeFileSync(out, await reportBytes(db, createDbBlobStore(db), reportId));
  // The Ed25519 signature, when the region signs its reports, goes beside the file.
  const signature = (await db.report.findUnique({ where: { id: reportId } }))?.signature;
  if (signature) writeFileSync(`${out}.sig`, `${signature}\n`);
}

export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('сводный отчет: проект, подписание, проверка файла');

  report
    .command('draft')
    .description('скачать проект сводного отчета (готов, когда ответили все)')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .requiredOption('--out <file>', 'куда записать .docx')
    .action(async (quarterText: string, opts: { out: string }) => {
      const quarter = quarterArg(quarterText);
      const status = await fetchStatus(quarter);
      const reportId = status.finalReportId ?? status.draftReportId;
      if (!reportId) {
        const waiting = status.municipalities.filter(
          (m) => !['accepted', 'excused', 'not_submitted'].includes(m.state),
        );
        throw new UserError(
          `Проект отчета за ${quarter} еще не готов: ждем ответа от ${waiting.length} муниципальных образований ` +
            `(${waiting
              .slice(0, 5)
              .map((m) => m.code)
              .join(', ')}${waiting.length > 5 ? ', …' : ''}).`,
        );
      }
      await writeReport(reportId, opts.out);
      console.log(
        `${status.finalReportId ? 'Итоговый' : 'Проект'} отчет за ${quarter} записан в ${opts.out}`,
      );
    });

  report
    .command('approve')
    .description('подписать сводный отчет: итоговый файл, его SHA-256, рассылка, квартал закрывается')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .requiredOption('--signer <name>', 'кто подписывает, например «И. И. Иванов»')
    .option('--position <text>', 'должность подписывающего')
    .option('--out <file>', 'записать итоговый отчет в файл')
    .option('--json', 'вывод в JSON')
    .action(
      async (
        quarterText: string,
        opts: { signer: string; position?: string; out?: string; json?: boolean },
      ) => {
        const quarter = quarterArg(quarterText);
        const client = await getClient();
        let result: ApproveResult;
        try {
          result = await client.workflow
            .getHandle(quarterWorkflowId(quarter))
            .executeUpdate(approveUpdate, {
              args: [{ signer: opts.signer, position: opts.position ?? null, actor: actor() }],
            });
        } catch (err) {
          throw await explainTemporalError(err, quarter);
        }
        await audit({
          quarter,
          municipality: null,
          action: 'report.approve',
          detail: { ...result, signer: opts.signer, position: opts.position ?? null },
        });
        if (opts.out) await writeReport(result.reportId, opts.out);
        if (opts.json) return printJson({ ...result, out: opts.out ?? null });
        console.log(`Отчет за ${quarter} подписан: ${opts.signer}. Мероприятий: ${result.eventCount}.`);
        console.log(`SHA-256: ${result.sha256}`);
        if (opts.out) console.log(`Итоговый отчет записан в ${opts.out}`);
      },
    );

  report
    .command('verify')
    .description('проверить, что файл — подписанный итоговый отчет (сравнивается SHA-256)')
    .argument('<file>', 'файл .docx')
    .option('--json', 'вывод в JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        throw new UserError(`Файл не найден: ${file}`, 2);
      }
      const sha256 = sha256Hex(bytes);
      const db = await getDb();
      const match = await db.report.findFirst({ where: { blobSha256: sha256, kind: 'final' } });
      // The signature: the one recorded at sign-off, and the .sig file beside the report if any.
      const key = verifyKey();
      const sigFile = existsSync(`${file}.sig`) ? readFileSync(`${file}.sig`, 'utf8') : null;
      const signatures = [match?.signature ?? null, sigFile].filter((s): s is string => Boolean(s));
      const signature: 'valid' | 'invalid' | 'no-key' | 'unsigned' =
        signatures.length === 0
          ? 'unsigned'
          : !key
            ? 'no-key'
            : signatures.every((s) => verifyBytes(bytes, s, key))
              ? 'valid'
              : 'invalid';
      const verified = Boolean(match) && signature !== 'invalid';
      if (opts.json)
        printJson({
          file,
          sha256,
          verified,
          signature,
          quarter: match?.quarter ?? null,
          signer: match?.signer ?? null,
          signedAt: match?.signedAt ?? null,
        });
      else {
        if (match)
          console.log(
            `Совпадает: подписанный отчет за ${match.quarter}; подписал ${match.signer}${match.position ? `, ${match.position}` : ''}, ${match.signedAt?.toISOString().slice(0, 10)}. SHA-256 ${sha256}`,
          );
        else
          console.log(
            `НЕ совпадает: файл не является подписанным отчетом (SHA-256 ${sha256}). Возможно, он изменен после подписания.`,
          );
        if (signature === 'valid') console.log('Подпись Ed25519 верна.');
        if (signature === 'invalid') console.log('Подпись Ed25519 НЕ верна: файл или подпись изменены.');
        if (signature === 'no-key')
          console.log('Подпись есть, но ключ для проверки не задан (SVODKA_VERIFY_KEY).');
      }
      process.exitCode = verified ? 0 : 1;
    });

  registerReportExportCommands(report);

  report
    .command('keygen')
    .description('создать пару ключей Ed25519 для подписи итоговых отчетов')
    .requiredOption(
      '--out <prefix>',
      'путь без расширения: будут созданы PREFIX.pem (закрытый) и PREFIX.pub.pem',
    )
    .action((opts: { out: string }) => {
      const { privatePem, publicPem } = generateSigningKeys();
      writeFileSync(`${opts.out}.pem`, privatePem, { mode: 0o600 });
      writeFileSync(`${opts.out}.pub.pem`, publicPem);
      console.log(`Закрытый ключ: ${opts.out}.pem (укажите его в SVODKA_SIGNING_KEY для worker)`);
      console.log(`Открытый ключ: ${opts.out}.pub.pem (SVODKA_VERIFY_KEY для проверки)`);
    });
}
