// The sign-off manifest: what was signed off, by whom and when, the SHA-256 of the final DOCX and
// the audit chain's head at that moment, signed with the installation's Ed25519 key. Anyone with
// the public key checks it offline (`svodka report verify`): no database, no Temporal.
import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { sha256Hex } from './blobs';
import { signBytes, verifyBytes } from './signing';

export const MANIFEST_FORMAT = 'svodka-signoff/1';

export type SignOffManifest = {
  format: typeof MANIFEST_FORMAT;
  quarter: string;
  region: string;
  reportId: string;
  signer: { name: string; position: string | null; account: string | null };
  /** ISO 8601 with the Moscow offset, e.g. 2026-12-05T15:04:05+03:00. */
  signedAt: string;
  docx: { fileName: string; sha256: string; size: number };
  eventCount: number;
  auditHead: { id: number; hash: string };
};

export type SignedManifest = SignOffManifest & {
  signature: { algorithm: 'Ed25519'; publicKeySha256: string; value: string };
};

/** JSON with its keys sorted at every level: the bytes that are signed, whatever the writer's order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The SHA-256 of the public key's DER: names the key a manifest was signed with. */
export function publicKeyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** Moscow has kept UTC+3 all year since 2014. */
export function moscowIso(at: Date): string {
  return `${new Date(at.getTime() + 3 * 3600_000).toISOString().slice(0, 19)}+03:00`;
}

export function signManifest(manifest: SignOffManifest, key: KeyObject): SignedManifest {
  const value = signBytes(Buffer.from(canonicalJson(manifest)), key)!;
  return { ...manifest, signature: { algorithm: 'Ed25519', publicKeySha256: publicKeyId(key), value } };
}

export type ManifestCheck =
  | { ok: true; manifest: SignOffManifest }
  | { ok: false; problem: string; manifest: SignOffManifest | null };

/** Checks the manifest's own signature with the published key, then that it describes these bytes. */
export function checkManifest(text: string, key: KeyObject, docx: Uint8Array): ManifestCheck {
  let parsed: Partial<SignedManifest>;
  try {
    parsed = JSON.parse(text) as Partial<SignedManifest>;
  } catch {
    return { ok: false, problem: 'манифест не читается (это не JSON)', manifest: null };
  }
  if (parsed.format !== MANIFEST_FORMAT || !parsed.docx || !parsed.signature)
    return { ok: false, problem: 'это не манифест подписания Svodka', manifest: null };
  const { signature, ...manifest } = parsed as SignedManifest;
  if (signature.publicKeySha256 !== publicKeyId(key))
    return {
      ok: false,
      problem: 'манифест подписан другим ключом, не тем, что опубликован для проверки',
      manifest,
    };
  if (typeof signature.value !== 'string' || !verifyBytes(Buffer.from(canonicalJson(manifest)), signature.value, key))
    return { ok: false, problem: 'подпись манифеста неверна: манифест изменен или подделан', manifest };
  if (manifest.docx.sha256 !== sha256Hex(docx))
    return {
      ok: false,
      problem: `файл не тот, что подписан: SHA-256 файла ${sha256Hex(docx)}, в манифесте ${manifest.docx.sha256}`,
      manifest,
    };
  return { ok: true, manifest };
}
