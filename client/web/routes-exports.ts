// Downloads beside the DOCX: the consolidated table as XLSX (draft or final), the signed report as
// PDF, the quarter's status table as CSV and XLSX. Readable by anyone signed in to the portal (as
// the DOCX is); nothing here changes state.
import type { FastifyInstance } from 'fastify';
import { LRUCache } from 'lru-cache';
import { reportBytes, reportFileName } from '../../activities/reports';
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
import { attachmentDisposition, DOCX_TYPE, STATE_LABELS } from './format';
import { quarterParam } from './routes-coordinator';
import { requireQuarterStatus, requireReportId } from './workflow';

type QParams = { Params: { quarter: string } };

/**
 * A PDF takes LibreOffice seconds of CPU: each signed report (by its SHA-256) is converted once per
 * process and kept, and a second request while it converts waits for the same conversion — so a
 * signed-in user cannot keep the machine busy by asking again.
 */
const pdfCache = new LRUCache<string, Buffer, Buffer>({
  max: 8,
  fetchMethod: (_sha256, _stale, { context }) => convertDocxToPdf(context),
});

async function cachedPdf(sha256: string, docx: Buffer): Promise<Buffer> {
  const pdf = await pdfCache.fetch(sha256, { context: docx });
  if (!pdf) throw new Error(`PDF of ${sha256} not made`);
  return pdf;
}

export function registerExportRoutes(app: FastifyInstance, ctx: PortalContext): void {
  // The consolidated report, draft or final: the Word file as stored, or its table as a workbook.
  const reportFormats = {
    docx: {
      type: DOCX_TYPE,
      fileName: reportFileName,
      body: (reportId: string) => reportBytes(ctx.db, ctx.files, reportId),
    },
    xlsx: {
      type: XLSX_TYPE,
      fileName: reportXlsxFileName,
      body: async (reportId: string) =>
        renderReportXlsx((await loadStoredReport(ctx.db, ctx.files, reportId)).model),
    },
  } as const;
  for (const [ext, format] of Object.entries(reportFormats))
    app.get<QParams & { Querystring: { kind?: string } }>(
      `/quarters/:quarter/report.${ext}`,
      async (request, reply) => {
        const viewer = await ctx.requireViewer(request, reply);
        if (!viewer) return reply;
        const quarter = quarterParam(request.params.quarter);
        const kind = request.query.kind === 'final' ? 'final' : 'draft';
        const reportId = await requireReportId(ctx.temporal, quarter, ctx.db, kind);
        return reply
          .type(format.type)
          .header(
            'Content-Disposition',
            attachmentDisposition(format.fileName(quarter, kind), `svodka-${quarter}-${kind}.${ext}`),
          )
          .send(await format.body(reportId));
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
