// A stored report back as its ReportModel, for the other formats. The DOCX in the database is the
// record (its SHA-256 is what was signed), so the XLSX is made from what that file holds rather
// than from a second compilation that a later registry change or a re-render could make differ.

import { COLUMN_KEYS } from '../../domain/types';
import type { EventRow, ReportModel } from '../../domain/types';
import type { BlobStore } from '../blobs';
import type { Db } from '../db/client';
import { readReportDocx } from '../docx/read';
import { NIL_REPORTS_HEADING, NOT_SUBMITTED_HEADING } from '../docx/render';
import { reportBytes } from '../../activities/reports';

export type StoredReport = { id: string; kind: 'draft' | 'final'; bytes: Buffer; model: ReportModel };

type SignOffFacts = { signer: string | null; position: string | null; signedAt: Date | null };

/** «14.07.2023» → «2023-07-14». */
function isoFromRussian(text: string): string | null {
  const m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(text.trim());
  return m ? `${m[3]}-${m[2]}-${m[1]}` : null;
}

export function modelFromReportDocx(bytes: Uint8Array, quarter: string, signOff: SignOffFacts): ReportModel {
  const read = readReportDocx(bytes);
  let eventCount = 0;
  const sections = read.sections
    .filter((s) => s.title !== '' || s.rows.length > 0)
    .map((s) => ({
      municipality: '',
      title: s.title,
      events: s.rows.map((r) => {
        const parsed = /^(\d+)\.?$/.exec(r.number.trim());
        const number = parsed ? Number(parsed[1]) : eventCount + 1;
        eventCount = Math.max(eventCount + 1, number);
        const row = Object.fromEntries(COLUMN_KEYS.map((key, i) => [key, r.cells[i] ?? ''])) as EventRow;
        return { number, row };
      }),
    }));

  // The lines after the table: the two closing lists (each under its heading), then the sign-off.
  const nilReports: string[] = [];
  const notSubmitted: string[] = [];
  let list: string[] | null = null;
  let date: string | null = null;
  for (const line of read.trailing) {
    if (line === NIL_REPORTS_HEADING) list = nilReports;
    else if (line === NOT_SUBMITTED_HEADING) list = notSubmitted;
    else if (signOff.signer && (line.includes(signOff.signer) || line.startsWith('Подписано:'))) list = null;
    else if (isoFromRussian(line)) {
      date = isoFromRussian(line);
      list = null;
    } else if (signOff.position?.split('\n').includes(line)) list = null;
    else list?.push(line);
  }

  return {
    quarter,
    title: read.title,
    sections,
    eventCount: sections.reduce((n, s) => n + s.events.length, 0),
    nilReports,
    notSubmitted,
    signOff: signOff.signer
      ? {
          signer: signOff.signer,
          position: signOff.position,
          date: date ?? signOff.signedAt?.toISOString().slice(0, 10) ?? '',
        }
      : null,
  };
}

export async function loadStoredReport(db: Db, files: BlobStore, reportId: string): Promise<StoredReport> {
  const bytes = await reportBytes(db, files, reportId);
  const row = (await db.report.findUnique({ where: { id: reportId } }))!;
  const kind = row.kind === 'final' ? 'final' : 'draft';
  const model = modelFromReportDocx(bytes, row.quarter, {
    signer: kind === 'final' ? row.signer : null,
    position: row.position,
    signedAt: row.signedAt,
  });
  return { id: reportId, kind, bytes, model };
}
