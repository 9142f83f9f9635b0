// The official's signature of a quarter's final report, uploaded after sign-off (the portal,
// `svodka report sign-upload`): kept only when it verifies, and written to the audit log either way.
import { createHash } from 'node:crypto';
import { appendAudit } from './audit';
import type { BlobStore } from './blobs';
import type { Db } from './db/client';
import { describeSigner, verifyOfficialSignature } from './official-signature';
import type { OfficialCheck, SignerIdentity } from './official-signature';
import { reportBytes } from '../activities/reports';

export function trustedCaDir(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.SVODKA_TRUSTED_CA?.trim() || null;
}

export function requireGost(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SVODKA_REQUIRE_GOST === '1';
}

export async function finalReportOf(db: Db, quarter: string) {
  return db.report.findFirst({ where: { quarter, kind: 'final' }, orderBy: { createdAt: 'desc' } });
}

export type Who = { actor: string; origin: string };

export async function recordOfficialSignature(
  db: Db,
  files: BlobStore,
  quarter: string,
  signature: Uint8Array,
  who: Who,
): Promise<OfficialCheck> {
  const report = await finalReportOf(db, quarter);
  if (!report) return { ok: false, problem: `итоговый отчет за ${quarter} еще не подписан в Svodka` };
  const check = await verifyOfficialSignature({
    content: await reportBytes(db, files, report.id),
    signature,
    caDir: trustedCaDir(),
    notBefore: report.signedAt ?? report.createdAt,
    requireGost: requireGost(),
  });
  const sigSha256 = createHash('sha256').update(signature).digest('hex');
  if (!check.ok) {
    await appendAudit(db, {
      quarter,
      municipality: null,
      action: 'report.official-signature.rejected',
      ...who,
      detail: { reportId: report.id, sigSha256, problem: check.problem },
    });
    return check;
  }
  await db.officialSignature.upsert({
    where: { id: sigSha256 },
    create: {
      id: sigSha256,
      reportId: report.id,
      quarter,
      bytes: Buffer.from(signature),
      algorithm: check.algorithm,
      signer: JSON.stringify(check.signer),
      signingTime: new Date(check.signingTime),
      uploadedBy: who.actor,
    },
    update: {},
  });
  await appendAudit(db, {
    quarter,
    municipality: null,
    action: 'report.official-signature',
    ...who,
    detail: {
      reportId: report.id,
      sha256: report.blobSha256,
      sigSha256,
      algorithm: check.algorithmLabel,
      signer: describeSigner(check.signer),
      signingTime: check.signingTime,
    },
  });
  return check;
}

export type StoredOfficialSignature = {
  id: string;
  algorithm: string;
  signer: SignerIdentity;
  signingTime: Date;
  uploadedBy: string;
  bytes: Buffer;
};

/**
 * The quarter's official signatures, each checked again against today's report bytes and trust
 * folder before it is shown: a signature that no longer verifies is never shown as signed.
 */
export async function verifiedOfficialSignatures(
  db: Db,
  files: BlobStore,
  quarter: string,
): Promise<{ stored: StoredOfficialSignature; check: OfficialCheck }[]> {
  const report = await finalReportOf(db, quarter);
  if (!report) return [];
  const rows = await db.officialSignature.findMany({ where: { reportId: report.id }, orderBy: { createdAt: 'asc' } });
  if (rows.length === 0) return [];
  const content = await reportBytes(db, files, report.id);
  const out: { stored: StoredOfficialSignature; check: OfficialCheck }[] = [];
  for (const row of rows) {
    const check = await verifyOfficialSignature({
      content,
      signature: row.bytes,
      caDir: trustedCaDir(),
      notBefore: report.signedAt ?? report.createdAt,
      requireGost: requireGost(),
    });
    out.push({
      stored: {
        id: row.id,
        algorithm: row.algorithm,
        signer: JSON.parse(row.signer) as SignerIdentity,
        signingTime: row.signingTime,
        uploadedBy: row.uploadedBy,
        bytes: Buffer.from(row.bytes),
      },
      check,
    });
  }
  return out;
}
