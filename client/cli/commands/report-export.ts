// `svodka report xlsx|pdf` and `svodka quarter status --xlsx|--csv`: the report and the status
// table in the formats coordinators pass on.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createDbBlobStore } from '../../../infrastructure/blobs';
import { loadStoredReport } from '../../../infrastructure/export/report-model';
import { convertDocxToPdf, PdfUnavailableError } from '../../../infrastructure/export/report-pdf';
import { renderReportXlsx } from '../../../infrastructure/export/report-xlsx';
import { statusCsv, statusRowsOf, statusXlsx } from '../../../infrastructure/export/status-table';
import type { QuarterView } from '../../../application/quarter-status';
import { getDb, quarterArg, UserError } from '../context';
import { STATE_LABELS } from '../../../domain/labels';
import { fetchStatus } from './quarter';

function writeOut(out: string, bytes: Buffer | string): void {
  try {
    writeFileSync(out, bytes);
  } catch (error) {
    throw new UserError(`Не удалось записать ${out}: ${(error as Error).message}`);
  }
}

export function registerReportExportCommands(report: Command): void {
  report
    .command('xlsx')
    .description('сводная таблица отчета в Excel (.xlsx): итоговая, а до подписания — проект')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .requiredOption('--out <file>', 'куда записать .xlsx')
    .option('--draft', 'проект, даже если отчет уже подписан')
    .action(async (quarterText: string, opts: { out: string; draft?: boolean }) => {
      const quarter = await quarterArg(quarterText);
      const status = await fetchStatus(quarter);
      const reportId = (!opts.draft && status.finalReportId) || status.draftReportId;
      if (!reportId) throw new UserError(`Проект отчета за ${quarter} еще не готов: ответили не все.`);
      const db = await getDb();
      const stored = await loadStoredReport(db, createDbBlobStore(db), reportId);
      writeOut(opts.out, await renderReportXlsx(stored.model));
      console.log(
        `${stored.kind === 'final' ? 'Итоговый' : 'Проект'} отчет за ${quarter} (мероприятий: ${stored.model.eventCount}) записан в ${opts.out}`,
      );
    });

  report
    .command('pdf')
    .description('подписанный отчет в PDF (нужен LibreOffice: пакет libreoffice-writer-nogui)')
    .argument('<quarter>', 'квартал, например 2023-Q2')
    .requiredOption('--out <file>', 'куда записать .pdf')
    .action(async (quarterText: string, opts: { out: string }) => {
      const quarter = await quarterArg(quarterText);
      const status = await fetchStatus(quarter);
      if (!status.finalReportId) throw new UserError(`Отчет за ${quarter} еще не подписан.`);
      const db = await getDb();
      const stored = await loadStoredReport(db, createDbBlobStore(db), status.finalReportId);
      let pdf: Buffer;
      try {
        pdf = await convertDocxToPdf(stored.bytes);
      } catch (error) {
        if (error instanceof PdfUnavailableError) throw new UserError(error.message);
        throw error;
      }
      writeOut(opts.out, pdf);
      console.log(`Итоговый отчет за ${quarter} в PDF записан в ${opts.out}`);
    });
}

/** `quarter status --xlsx FILE` / `--csv FILE`; true when it wrote something. */
export async function exportStatus(
  view: QuarterView,
  opts: { xlsx?: string; csv?: string },
): Promise<boolean> {
  if (!opts.xlsx && !opts.csv) return false;
  const { status } = view;
  const rows = statusRowsOf(view, STATE_LABELS);
  if (opts.csv) {
    writeOut(opts.csv, statusCsv(rows));
    console.log(`Состояние за ${status.quarter} (CSV, ${rows.length} МО) записано в ${opts.csv}`);
  }
  if (opts.xlsx) {
    writeOut(opts.xlsx, await statusXlsx(status.quarter, rows));
    console.log(`Состояние за ${status.quarter} (Excel, ${rows.length} МО) записано в ${opts.xlsx}`);
  }
  return true;
}
