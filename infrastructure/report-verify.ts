// Is this file the signed-off report? Checked from the files alone, as an auditor on a machine of
// their own does it (`svodka report verify`, the portal's verify form): the manifest's Ed25519
// signature with the published key, the DOCX against the manifest's SHA-256, and, when given, the
// official's own signature against the DOCX and the trusted certificates.
import type { KeyObject } from 'node:crypto';
import { sha256Hex } from './blobs';
import { checkManifest } from './manifest';
import type { SignOffManifest } from './manifest';
import { describeSigner, verifyOfficialSignature } from './official-signature';
import type { OfficialCheck } from './official-signature';

export type VerifyLine = { ok: boolean; text: string };

export type ReportVerification = {
  ok: boolean;
  sha256: string;
  manifest: SignOffManifest | null;
  official: OfficialCheck | null;
  lines: VerifyLine[];
};

export type VerifyInput = {
  docx: Uint8Array;
  manifest: string | null;
  signature: Uint8Array | null;
  key: KeyObject | null;
  caDir: string | null;
  requireGost?: boolean;
};

export async function verifyReportFiles(input: VerifyInput): Promise<ReportVerification> {
  const sha256 = sha256Hex(input.docx);
  const lines: VerifyLine[] = [];
  let manifest: SignOffManifest | null = null;
  if (!input.key)
    lines.push({
      ok: false,
      text: 'Не задан открытый ключ Svodka для проверки манифеста (--key PUB.pem или SVODKA_VERIFY_KEY).',
    });
  else if (!input.manifest)
    lines.push({
      ok: false,
      text: 'Нет манифеста подписания (--manifest FILE.json): без него файл не считается подписанным отчетом.',
    });
  else {
    const check = checkManifest(input.manifest, input.key, input.docx);
    manifest = check.manifest;
    if (check.ok) {
      const m = check.manifest;
      lines.push({
        ok: true,
        text:
          `Манифест подписан ключом Svodka и описывает этот файл: отчет за ${m.quarter} (${m.region}), ` +
          `утвердил ${m.signer.name}${m.signer.position ? `, ${m.signer.position}` : ''}` +
          `${m.signer.account ? ` (учетная запись ${m.signer.account})` : ''}, ${m.signedAt.replace('T', ' ').slice(0, 16)} МСК.`,
      });
      lines.push({
        ok: true,
        text: `Вершина журнала аудита при подписании: запись № ${m.auditHead.id}, ${m.auditHead.hash}.`,
      });
    } else lines.push({ ok: false, text: `Манифест: ${check.problem}.` });
  }
  let official: OfficialCheck | null = null;
  if (input.signature) {
    official = await verifyOfficialSignature({
      content: input.docx,
      signature: input.signature,
      caDir: input.caDir,
      notBefore: manifest ? new Date(manifest.signedAt) : null,
      requireGost: input.requireGost,
    });
    lines.push(
      official.ok
        ? {
            ok: true,
            text: `Подпись должностного лица верна (${official.algorithmLabel}): ${describeSigner(official.signer)}; подписано ${official.signingTime.replace('T', ' ').slice(0, 16)} UTC.`,
          }
        : { ok: false, text: `Подпись должностного лица НЕ принята: ${official.problem}.` },
    );
  } else lines.push({ ok: true, text: 'Подпись должностного лица не проверялась (укажите --sig FILE.sig).' });
  return { ok: lines.every((l) => l.ok), sha256, manifest, official, lines };
}
