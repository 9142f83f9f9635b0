// `svodka report draft|approve|verify|sign-upload|keygen`.
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createDbBlobStore, sha256Hex } from '../../../infrastructure/blobs';
import { describeSigner } from '../../../infrastructure/official-signature';
import { recordOfficialSignature, requireGost, trustedCaDir } from '../../../infrastructure/report-signoff';
import { verifyReportFiles } from '../../../infrastructure/report-verify';
import { reportBytes } from '../../../activities/reports';
import { generateSigningKeys, verifyKey } from '../../../infrastructure/signing';
import { approveReport } from '../../../application/approve-report';
import {
  actor,
  getDb,
  origin,
  printJson,
  quarterArg,
  REQUEST_ID_HELP,
  requestIdOption,
  run,
  UserError,
} from '../context';
import { fetchStatus } from './quarter';
import { registerReportExportCommands } from './report-export';
import { registerRequestChangesCommand } from './report-review';

async function writeReport(reportId: string, out: string): Promise<void> {
  const db = await getDb();
  writeFileSync(out, await reportBytes(db, createDbBlobStore(db), reportId));
  // The signed sign-off manifest, when the installation signs: what `report verify` checks offline.
  const manifest = (await db.report.findUnique({ where: { id: reportId } }))?.manifest;
  if (manifest) writeFileSync(manifestPath(out), manifest);
}

/** Where the manifest goes beside a report file, and where `report verify` looks for it. */
export function manifestPath(docx: string): string {
  return `${docx.replace(/\.docx$/i, '')}.manifest.json`;
}

function readArg(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new UserError(`${what} не найден: ${file}`, 2);
  }
}

export function registerReportCommands(program: Command): void {
  const report = program.command('report').description('сводный отчет: проект, подписание, проверка файла');

  report
    .command('draft')
    .description('скачать проект сводного отчета (готов, когда ответили все)')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .requiredOption('--out <file>', 'куда записать .docx')
    .action(async (quarterText: string, opts: { out: string }) => {
      const quarter = await quarterArg(quarterText);
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
    .option(
      '--out <file>',
      'записать итоговый отчет в файл (и манифест подписания рядом: FILE.manifest.json)',
    )
    .option('--request-id <id>', REQUEST_ID_HELP)
    .option('--json', 'вывод в JSON')
    .action(
      async (
        quarterText: string,
        opts: { signer: string; position?: string; out?: string; json?: boolean; requestId?: string },
      ) => {
        const quarter = await quarterArg(quarterText);
        const result = await run(
          approveReport,
          {
            quarter,
            requestId: requestIdOption(opts.requestId),
            signer: opts.signer,
            position: opts.position ?? null,
          },
          quarter,
        );
        if (opts.out) await writeReport(result.reportId, opts.out);
        if (opts.json) return printJson({ ...result, out: opts.out ?? null });
        console.log(`Отчет за ${quarter} подписан: ${opts.signer}. Мероприятий: ${result.eventCount}.`);
        console.log(`SHA-256: ${result.sha256}`);
        if (opts.out) {
          console.log(`Итоговый отчет записан в ${opts.out}`);
          if (existsSync(manifestPath(opts.out)))
            console.log(
              `Манифест подписания: ${manifestPath(opts.out)} (проверка: npx svodka report verify ${opts.out})`,
            );
          console.log(
            `Подпишите файл своей КЭП (отделенная подпись) и загрузите: npx svodka report sign-upload ${quarter} ФАЙЛ.sig`,
          );
        }
      },
    );

  report
    .command('verify')
    .description(
      'проверить, что файл — подписанный итоговый отчет: манифест (подпись Svodka), SHA-256 файла и подпись должностного лица; без базы данных и Temporal',
    )
    .argument('<file>', 'файл .docx')
    .option('--manifest <file>', 'манифест подписания (по умолчанию FILE.manifest.json рядом с отчетом)')
    .option('--sig <file>', 'отделенная подпись должностного лица (CMS/CAdES, DER или PEM)')
    .option('--key <pub.pem>', 'открытый ключ Svodka (по умолчанию SVODKA_VERIFY_KEY)')
    .option(
      '--ca <dir>',
      'каталог доверенных корневых и промежуточных сертификатов (по умолчанию SVODKA_TRUSTED_CA)',
    )
    .option('--json', 'вывод в JSON')
    .action(
      async (
        file: string,
        opts: { manifest?: string; sig?: string; key?: string; ca?: string; json?: boolean },
      ) => {
        const bytes = readArg(file, 'Файл');
        let key: KeyObject | null;
        try {
          key = opts.key ? createPublicKey(readFileSync(opts.key)) : verifyKey();
        } catch {
          throw new UserError(`Открытый ключ не читается: ${opts.key ?? process.env.SVODKA_VERIFY_KEY}`, 2);
        }
        const besideManifest = manifestPath(file);
        const manifestFile = opts.manifest ?? (existsSync(besideManifest) ? besideManifest : null);
        if (!key && !manifestFile && !opts.sig) return legacyVerify(file, bytes, opts.json);
        const result = await verifyReportFiles({
          docx: bytes,
          manifest: manifestFile ? readArg(manifestFile, 'Манифест').toString('utf8') : null,
          signature: opts.sig ? readArg(opts.sig, 'Файл подписи') : null,
          key,
          caDir: opts.ca ?? trustedCaDir(),
          requireGost: requireGost(),
        });
        if (opts.json) printJson({ file, ...result, verified: result.ok });
        else {
          console.log(result.ok ? `ПОДЛИННЫЙ: ${file}` : `НЕ ПОДТВЕРЖДЕН: ${file}`);
          for (const line of result.lines) console.log(`  ${line.ok ? '✓' : '✗'} ${line.text}`);
          console.log(`  SHA-256 файла: ${result.sha256}`);
        }
        process.exitCode = result.ok ? 0 : 1;
      },
    );

  report
    .command('sign-upload')
    .description(
      'принять подпись должностного лица (КЭП): отделенная подпись CMS/CAdES итогового отчета, проверяется по SVODKA_TRUSTED_CA',
    )
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .argument('<sig>', 'файл подписи .sig (DER или PEM)')
    .option('--json', 'вывод в JSON')
    .action(async (quarterText: string, sigFile: string, opts: { json?: boolean }) => {
      const quarter = await quarterArg(quarterText);
      const signature = readArg(sigFile, 'Файл подписи');
      const db = await getDb();
      const check = await recordOfficialSignature(db, createDbBlobStore(db), quarter, signature, {
        actor: actor(),
        origin: origin(),
      });
      if (opts.json) printJson(check);
      else if (check.ok) {
        console.log(`Подпись принята: отчет за ${quarter} подписан должностным лицом.`);
        console.log(`  ${describeSigner(check.signer)}`);
        console.log(`  ${check.algorithmLabel}; время подписи ${check.signingTime}`);
      } else console.log(`Подпись НЕ принята: ${check.problem}.`);
      process.exitCode = check.ok ? 0 : 1;
    });

  registerReportExportCommands(report);
  registerRequestChangesCommand(report);

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

/**
 * No key and no manifest: the installation does not sign its reports, and only its own database
 * can say whether the file is the signed-off one (what `report verify` did before manifests).
 */
async function legacyVerify(file: string, bytes: Buffer, json?: boolean): Promise<void> {
  const sha256 = sha256Hex(bytes);
  const db = await getDb();
  const match = await db.report.findFirst({ where: { blobSha256: sha256, kind: 'final' } });
  const sigFile = existsSync(`${file}.sig`) ? readFileSync(`${file}.sig`, 'utf8') : null;
  const unsignedCopy = Boolean(sigFile || match?.signature);
  if (json)
    printJson({
      file,
      sha256,
      verified: Boolean(match) && !unsignedCopy,
      signature: unsignedCopy ? 'no-key' : 'unsigned',
      quarter: match?.quarter ?? null,
      signer: match?.signer ?? null,
      signedAt: match?.signedAt ?? null,
    });
  else if (match)
    console.log(
      `Совпадает с подписанным отчетом за ${match.quarter} в базе Svodka; подписал ${match.signer}${match.position ? `, ${match.position}` : ''}, ${match.signedAt?.toISOString().slice(0, 10)}. SHA-256 ${sha256}\n` +
        'Проверено только по базе данных: ключ Svodka не задан (SVODKA_VERIFY_KEY), манифеста нет.',
    );
  else
    console.log(
      `НЕ совпадает: файл не является подписанным отчетом (SHA-256 ${sha256}). Возможно, он изменен после подписания.`,
    );
  if (unsignedCopy) console.log('Подпись есть, но ключ для проверки не задан (SVODKA_VERIFY_KEY).');
  process.exitCode = match && !unsignedCopy ? 0 : 1;
}
