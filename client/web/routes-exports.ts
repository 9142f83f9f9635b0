// Downloads beside the DOCX: the consolidated table as XLSX (draft or final), the signed report as
// PDF, the quarter's status table as CSV and XLSX. Readable by anyone signed in to the portal (as
// the DOCX is); nothing here changes state.
import type { FastifyInstance } from 'fastify';
import { loadStoredReport } from '../../infrastructure/export/report-model';
import {
  convertDocxToPdf,
  PDF_TYPE,
  PdfUnavailableError,
  reportPdfFileName,
} from '../../infrastructure/export/report-pdf';
import { renderReportXlsx, reportXlsxFileName, XLSX_TYPE } from '../../infrastructure/export/report-xlsx';
import {
  statusCsv,
  statusFileName,
  statusRowsOf,
  statusXlsx,
} from '../../infrastructure/export/status-table';
import { readQuarterView, temporalSource } from '../../application/quarter-status';
import type { PortalContext } from './context';
import { notFound, PortalError } from './errors';
import { attachmentDisposition, STATE_LABELS } from './format';
import { quarterParam } from './routes-coordinator';
import { requireQuarterStatus, requireReportId } from './workflow';

type QParams = { Params: { quarter: string } };

/**
 * A PDF takes LibreOffice seconds of CPU: each signed report (by its SHA-256) is converted once per
 * process and kept, and a second request while it converts waits for the same conversion — so a
 * signed-in user cannot keep the machine busy by asking again.
 */
const pdfCache = new Map<string, Promise<Buffer>>();
const PDF_CACHE_SIZE = 8;

function cachedPdf(sha256: string, docx: Buffer): Promise<Buffer> {
  const hit = pdfCache.get(sha256);
  if (hit) return hit;
  const pending = convertDocxToPdf(docx);
  pending.catch(() => pdfCache.delete(sha256));
  pdfCache.set(sha256, pending);
  while (pdfCache.size > PDF_CACHE_SIZE) pdfCache.delete(pdfCache.keys().next().value!);
  return pending;
}

export function registerExportRoutes(app: FastifyInstance, ctx: PortalContext): void {
  app.get<QParams & { Querystring: { kind?: string } }>(
    '/quarters/:quarter/report.xlsx',
    async (request, reply) => {
      const viewer = await ctx.requireViewer(request, reply);
      if (!viewer) return reply;
      const quarter = quarterParam(request.params.quarter);
      const kind = request.query.kind === 'final' ? 'final' : 'draft';
      const reportId = await requireReportId(ctx.temporal, quarter, ctx.db, kind);
      const stored = await loadStoredReport(ctx.db, ctx.files, reportId);
      return reply
        .type(XLSX_TYPE)
        .header(
          'Content-Disposition',
          attachmentDisposition(reportXlsxFileName(quarter, kind), `svodka-${quarter}-${kind}.xlsx`),
        )
        .send(await renderReportXlsx(stored.model));
    },
  );

  app.get<QParams>('/quarters/:quarter/report.pdf', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply);
    if (!viewer) return reply;
    const quarter = quarterParam(request.params.quarter);
    const status = await requireQuarterStatus(ctx.temporal, quarter, ctx.db);
    if (!status.finalReportId) throw notFound('Итоговый отчет еще не подписан.');
    const stored = await loadStoredReport(ctx.db, ctx.files, status.finalReportId);
    let pdf: Buffer;
    try {
      pdf = await cachedPdf(status.finalSha256 ?? stored.id, stored.bytes);
    } catch (error) {
      if (error instanceof PdfUnavailableError) throw new PortalError(503, 'PDF недоступен', error.message);
      throw error;
    }
    return reply
      .type(PDF_TYPE)
      .header(
        'Content-Disposition',
        attachmentDisposition(reportPdfFileName(quarter), `svodka-${quarter}-final.pdf`),
      )
      .send(pdf);
  });

  for (const ext of ['csv', 'xlsx'] as const)
    app.get<QParams>(`/quarters/:quarter/status.${ext}`, async (request, reply) => {
      const viewer = await ctx.requireViewer(request, reply);
      if (!viewer) return reply;
      const quarter = quarterParam(request.params.quarter);
      const status = await requireQuarterStatus(ctx.temporal, quarter, ctx.db);
      // Every row, flat or tree, from the read model: no workflow is asked per row.
      const view = await readQuarterView(
        { db: ctx.db, source: temporalSource(ctx.temporal), clock: () => new Date() },
        status,
        { quarter, pageSize: 0 },
      );
      const rows = statusRowsOf(view, STATE_LABELS);
      reply.header(
        'Content-Disposition',
        attachmentDisposition(statusFileName(quarter, ext), `svodka-${quarter}-status.${ext}`),
      );
      if (ext === 'csv') return reply.type('text/csv; charset=utf-8').send(statusCsv(rows));
      return reply.type(XLSX_TYPE).send(await statusXlsx(quarter, rows));
    });
}
