// Compiling the consolidated report from the accepted submissions the workflow names, and
// distributing the signed-off one.
import { ApplicationFailure } from '@temporalio/common';
import type { Municipality } from '../domain/types';
import type { RenderRequest, RenderResult } from '../workflows/api';
import { sha256Hex } from '../infrastructure/blobs';
import type { BlobStore } from '../infrastructure/blobs';
import type { Db } from '../infrastructure/db/client';
import { renderRequestedReport } from '../infrastructure/docx/render-process';
import { appendAudit, chainHead } from '../infrastructure/audit';
import { moscowIso, signManifest } from '../infrastructure/manifest';
import type { SignedManifest } from '../infrastructure/manifest';
import { signBytes, signingKey } from '../infrastructure/signing';
import { quarterRegion } from '../infrastructure/registry/snapshot';

export async function loadRegistry(db: Db): Promise<Municipality[]> {
  const rows = await db.municipality.findMany({ orderBy: { position: 'asc' } });
  return rows.map(({ code, name, sectionTitle, position, email, headEmail }) => ({
    code,
    name,
    sectionTitle,
    position,
    email,
    headEmail,
  }));
}

export async function compileReport(db: Db, files: BlobStore, request: RenderRequest): Promise<RenderResult> {
  const { bytes, eventCount } = await renderRequestedReport(db, request);
  const sha256 = await files.put(bytes);
  // The id is the content's: a retried render finds its own row instead of adding another.
  const reportId = `${request.quarter}/${request.kind}/${sha256.slice(0, 16)}`;
  await db.report.upsert({
    where: { id: reportId },
    create: {
      id: reportId,
      quarter: request.quarter,
      kind: request.kind,
      blobSha256: sha256,
      eventCount,
      signer: request.signOff?.signer ?? null,
      position: request.signOff?.position ?? null,
      signedAt: request.signOff ? new Date() : null,
      signature: request.kind === 'final' ? signBytes(bytes) : null,
    },
    update: {},
  });
  if (request.kind === 'final' && request.approval)
    await appendAudit(db, {
      quarter: request.quarter,
      municipality: null,
      action: 'report.approve',
      actor: request.approval.actor,
      origin: request.approval.origin,
      detail: {
        reportId,
        sha256,
        eventCount,
        signer: request.signOff?.signer ?? null,
        position: request.signOff?.position ?? null,
      },
      actionId: request.approval.id,
    });
  if (request.kind === 'final') await writeManifest(db, reportId, bytes, request);
  return { reportId, sha256, eventCount };
}

/**
 * The sign-off manifest, signed with the installation's key, kept with the final report; and an
 * audit entry that names it. The manifest carries the chain's head as it stood just before (the
 * approval's own entry included, written above), so every copy of it is an anchor. A retried activity finds both already there and writes neither.
 */
async function writeManifest(db: Db, reportId: string, bytes: Buffer, request: RenderRequest): Promise<void> {
  const key = signingKey();
  const report = await db.report.findUniqueOrThrow({ where: { id: reportId } });
  if (!key || report.manifest) return;
  // The signed-in account that approved (ApproveRequest.actor, forwarded by the workflow).
  const account = request.signOff?.actor;
  const head = await chainHead(db);
  const manifest: SignedManifest = signManifest(
    {
      format: 'svodka-signoff/1',
      quarter: request.quarter,
      region: (await quarterRegion(db, request.quarter)).name,
      reportId,
      signer: {
        name: request.signOff?.signer ?? '',
        position: request.signOff?.position ?? null,
        account: typeof account === 'string' ? account : null,
      },
      signedAt: moscowIso(report.signedAt ?? report.createdAt),
      docx: {
        fileName: reportFileName(request.quarter, 'final'),
        sha256: report.blobSha256,
        size: bytes.length,
      },
      eventCount: report.eventCount,
      auditHead: { id: head.id, hash: head.hash },
    },
    key,
  );
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const claimed = await db.report.updateMany({
    where: { id: reportId, manifest: null },
    data: { manifest: text },
  });
  if (claimed.count === 0) return;
  await appendAudit(db, {
    quarter: request.quarter,
    municipality: null,
    action: 'report.manifest',
    actor: manifest.signer.account ?? 'svodka',
    origin: 'worker',
    detail: {
      reportId,
      sha256: report.blobSha256,
      manifestSha256: sha256Hex(Buffer.from(text)),
      auditHead: head.hash,
    },
  });
}

/** The signed manifest of a final report, or null (no signing key when it was signed off). */
export async function reportManifest(db: Db, reportId: string): Promise<string | null> {
  return (await db.report.findUnique({ where: { id: reportId } }))?.manifest ?? null;
}

export async function reportBytes(db: Db, files: BlobStore, reportId: string): Promise<Buffer> {
  const report = await db.report.findUnique({ where: { id: reportId } });
  const bytes = report ? await files.get(report.blobSha256) : null;
  // Neither heals by waiting: a retry would fail the same way for ever.
  if (!report || !bytes)
    throw ApplicationFailure.nonRetryable(`Отчет ${reportId} не найден в базе данных`, 'ReportMissing');
  if (sha256Hex(bytes) !== report.blobSha256)
    throw ApplicationFailure.nonRetryable(
      `Файл отчета ${reportId} поврежден: хеш не совпадает`,
      'ReportCorrupt',
    );
  return bytes;
}

export function reportFileName(quarter: string, kind: 'draft' | 'final'): string {
  return `svodka-${quarter}-${kind === 'final' ? 'итоговый' : 'проект'}.docx`;
}
