// Recording one version of a municipality's answer: read the file (if any), validate the rows, and
// keep the version with its rows and findings. Keyed by (quarter, municipality, version), so a
// retried activity returns what it stored the first time instead of storing twice.
import { ApplicationFailure } from '@temporalio/common';
import { parseQuarter } from '../domain/quarter';
import { hasErrors, normalizeCell, validateRows } from '../domain/validate';
import { COLUMN_KEYS } from '../domain/types';
import type { EventRow, Finding } from '../domain/types';
import type { SubmissionPayload, SubmissionResult } from '../workflows/api';
import type { BlobStore } from '../infrastructure/blobs';
import type { Db } from '../infrastructure/db/client';
import { parseSubmissionOffThread } from '../infrastructure/docx/parse-pool';
import { isFormRowsUpload, readFormRows } from '../infrastructure/form-rows';
import { countAnswer } from '../infrastructure/metrics';
import { appendAudit } from '../infrastructure/audit';

export type RecordSubmissionInput = {
  quarter: string;
  municipality: string;
  version: number;
  payload: SubmissionPayload;
};

export function submissionId(quarter: string, municipality: string, version: number): string {
  return `${quarter}/${municipality}/v${version}`;
}

type Extracted = {
  rows: EventRow[];
  nil: boolean;
  findings: Finding[];
  uploadId: string | null;
  /** Rows typed into the portal's form, stored as an upload (infrastructure/form-rows.ts). */
  formRows?: boolean;
};

async function extract(db: Db, files: BlobStore, payload: SubmissionPayload): Promise<Extracted> {
  if (payload.kind === 'nil') return { rows: [], nil: true, findings: [], uploadId: null };
  if (payload.kind === 'rows') {
    const rows = payload.rows.map((row) => {
      const clean = {} as EventRow;
      for (const key of COLUMN_KEYS) clean[key] = normalizeCell(String(row[key] ?? ''));
      return clean;
    });
    return { rows, nil: false, findings: [], uploadId: null };
  }
  const upload = await db.upload.findUnique({ where: { id: payload.uploadId } });
  const bytes = upload ? await files.get(upload.blobSha256) : null;
  if (!upload || !bytes) {
    const message = 'Загруженный файл не найден. Загрузите его снова.';
    return {
      rows: [],
      nil: false,
      uploadId: payload.uploadId,
      findings: [fileError('missing-upload', message)],
    };
  }
  if (isFormRowsUpload(upload)) {
    const rows = readFormRows(bytes).map((row) => {
      const clean = {} as EventRow;
      for (const key of COLUMN_KEYS) clean[key] = normalizeCell(row[key]);
      return clean;
    });
    return { rows, nil: false, findings: [], uploadId: null, formRows: true };
  }
  // Off the main thread and within a time budget: a hostile file is refused, it never stalls the
  // worker's other activities and heartbeats.
  const parsed = await parseSubmissionOffThread(bytes);
  if (!parsed.ok)
    return { rows: [], nil: false, uploadId: upload.id, findings: [fileError(parsed.code, parsed.message)] };
  // What the parser noticed but could read (merged cells copied down, tracked changes…) reaches the
  // clerk and the coordinator as warnings.
  const notes: Finding[] = parsed.warnings.map((message) => ({
    severity: 'warning',
    code: 'file',
    row: null,
    column: null,
    message,
  }));
  return { rows: parsed.rows, nil: parsed.nil, findings: notes, uploadId: upload.id };
}

function fileError(code: string, message: string): Finding {
  return { severity: 'error', code, row: null, column: null, message };
}

export async function recordSubmission(
  db: Db,
  files: BlobStore,
  input: RecordSubmissionInput,
): Promise<SubmissionResult> {
  const id = submissionId(input.quarter, input.municipality, input.version);
  const existing = await db.submission.findUnique({ where: { id } });
  if (existing) {
    return {
      accepted: existing.status === 'accepted',
      version: existing.version,
      submissionId: id,
      nil: existing.kind === 'nil',
      rowCount: existing.rowCount,
      findings: JSON.parse(existing.findings) as Finding[],
    };
  }

  let quarter;
  try {
    quarter = parseQuarter(input.quarter);
  } catch (error) {
    // The same input fails the same way on every retry.
    throw ApplicationFailure.nonRetryable((error as Error).message, 'BadQuarter');
  }
  const extracted = await extract(db, files, input.payload);
  const unreadable = hasErrors(extracted.findings);
  const validation =
    unreadable || extracted.nil ? { findings: [], ranges: [] } : validateRows(extracted.rows, quarter);
  const findings = [...extracted.findings, ...validation.findings];
  const accepted = !hasErrors(findings);
  const nil = extracted.nil;

  await db.$transaction(async (tx) => {
    await tx.submission.create({
      data: {
        id,
        quarter: input.quarter,
        municipality: input.municipality,
        version: input.version,
        kind: nil ? 'nil' : extracted.formRows ? 'rows' : input.payload.kind,
        channel: input.payload.channel,
        uploadId: extracted.uploadId,
        status: accepted ? 'accepted' : 'rejected',
        findings: JSON.stringify(findings),
        rowCount: extracted.rows.length,
      },
    });
    if (extracted.rows.length > 0) {
      await tx.submissionRow.createMany({
        data: extracted.rows.map((row, position) => {
          const range = validation.ranges[position] ?? null;
          return {
            submissionId: id,
            position,
            ...row,
            startDate: range?.start ?? null,
            endDate: range?.end ?? null,
            precision: range?.precision ?? null,
          };
        }),
      });
    }
  });
  countAnswer(accepted, nil ? 'nil' : input.payload.kind, input.payload.channel);

  return {
    accepted,
    version: input.version,
    submissionId: id,
    nil,
    rowCount: extracted.rows.length,
    findings,
  };
}

/**
 * The answer's audit entry, written by the activity that stored the version and keyed by the action's
 * id: a crash after the Update can no longer lose it, and a retried request (the same Update id, or
 * this activity retried) finds it written and writes nothing. An answer sent without an action (an
 * old client, a test) leaves no entry, as it did before the surfaces wrote them.
 */
export async function auditSubmission(
  db: Db,
  input: RecordSubmissionInput,
  result: SubmissionResult,
): Promise<void> {
  const { action } = input.payload;
  if (!action) return;
  await appendAudit(db, {
    quarter: input.quarter,
    municipality: input.municipality,
    action: 'submission',
    actor: action.actor,
    origin: action.origin,
    detail: {
      version: result.version,
      accepted: result.accepted,
      channel: input.payload.channel,
      kind: input.payload.kind,
    },
    actionId: action.id,
  });
}
