// The official's own signature of the final report: a detached CMS/CAdES-BES signature (DER or
// PEM) made with their qualified certificate — GOST R 34.10-2012 (256 or 512) with Streebog, or
// RSA/ECDSA, labelled as such. Verified by OpenSSL with Debian's GOST engine against the exact
// bytes of the report: the chain up to a root in SVODKA_TRUSTED_CA (a folder of root and
// intermediate certificates), the certificate's validity at the signing time, and its key usage.
// OpenSSL runs as a child process with an argument array (no shell) and a timeout.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type SignerIdentity = {
  surname: string | null;
  givenName: string | null;
  title: string | null;
  organization: string | null;
  ogrn: string | null;
  snils: string | null;
  commonName: string | null;
  serial: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
};

export type OfficialCheck =
  | {
      ok: true;
      /** gost2012-256 | gost2012-512 | rsa | ecdsa | another OID */
      algorithm: string;
      /** In Russian, for people: «ГОСТ Р 34.10-2012 (256 бит), хеш Стрибог-256». */
      algorithmLabel: string;
      gost: boolean;
      signingTime: string;
      signer: SignerIdentity;
    }
  | { ok: false; problem: string };

const OPENSSL_CONF = `openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
gost = gost_section
[gost_section]
engine_id = gost
default_algorithms = ALL
`;

const TIMEOUT_MS = 15_000;

function openssl(args: string[], conf: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.env.SVODKA_OPENSSL || 'openssl',
      args,
      { env: { ...process.env, OPENSSL_CONF: conf }, timeout: TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const ALGORITHMS: Record<string, { id: string; label: string; gost: boolean }> = {
  '1.2.643.7.1.1.1.1': { id: 'gost2012-256', label: 'ГОСТ Р 34.10-2012 (256 бит)', gost: true },
  '1.2.643.7.1.1.1.2': { id: 'gost2012-512', label: 'ГОСТ Р 34.10-2012 (512 бит)', gost: true },
  '1.2.643.7.1.1.3.2': { id: 'gost2012-256', label: 'ГОСТ Р 34.10-2012 (256 бит)', gost: true },
  '1.2.643.7.1.1.3.3': { id: 'gost2012-512', label: 'ГОСТ Р 34.10-2012 (512 бит)', gost: true },
  '1.2.840.113549.1.1.1': { id: 'rsa', label: 'RSA (не ГОСТ)', gost: false },
  '1.2.840.113549.1.1.11': { id: 'rsa', label: 'RSA (не ГОСТ)', gost: false },
  '1.2.840.113549.1.1.13': { id: 'rsa', label: 'RSA (не ГОСТ)', gost: false },
  '1.2.840.10045.2.1': { id: 'ecdsa', label: 'ECDSA (не ГОСТ)', gost: false },
  '1.2.840.10045.4.3.2': { id: 'ecdsa', label: 'ECDSA (не ГОСТ)', gost: false },
  '1.2.840.10045.4.3.3': { id: 'ecdsa', label: 'ECDSA (не ГОСТ)', gost: false },
};

const DIGESTS: Record<string, string> = {
  '1.2.643.7.1.1.2.2': 'Стрибог-256',
  '1.2.643.7.1.1.2.3': 'Стрибог-512',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

/** A certificate folder as one PEM bundle: PEM files as they are, DER ones converted. */
async function caBundle(dir: string, conf: string): Promise<string> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    throw new Error(`каталог доверенных сертификатов не найден: ${dir}`);
  }
  const parts: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const bytes = await readFile(file).catch(() => null);
    if (!bytes) continue;
    const text = bytes.toString('latin1');
    if (text.includes('-----BEGIN CERTIFICATE-----')) parts.push(text);
    else if (/\.(cer|crt|der)$/i.test(name)) {
      const pem = await openssl(['x509', '-inform', 'DER', '-in', file], conf);
      if (pem.code === 0) parts.push(pem.stdout);
    }
  }
  if (parts.length === 0) throw new Error(`в каталоге ${dir} нет сертификатов (.pem, .crt, .cer)`);
  return parts.join('\n');
}

function parseTime(printed: string): Date | null {
  const m = /signingTime[\s\S]*?(?:UTCTIME|GENERALIZEDTIME):([^\n]+)/.exec(printed);
  if (!m) return null;
  const at = new Date(m[1]!.trim());
  return Number.isNaN(at.getTime()) ? null : at;
}

function oidAfter(printed: string, field: string): string | null {
  const m = new RegExp(`${field}:\\s*\\n\\s*algorithm:[^\\n]*\\(([\\d.]+)\\)`).exec(printed);
  return m ? m[1]! : null;
}

/** A certificate's subject or issuer, printed one attribute a line (sep_multiline). */
function nameFields(printed: string, which: 'subject' | 'issuer'): Map<string, string> {
  const block = new RegExp(`^${which}=\\n((?:\\s+.+\\n?)*)`, 'm').exec(printed)?.[1] ?? '';
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    const m = /^\s+([^=]+?)=(.*)$/.exec(line);
    if (m) fields.set(m[1]!.trim(), m[2]!.trim());
  }
  return fields;
}

function problemOf(stderr: string): string {
  if (/certificate has expired|certificate is not yet valid/i.test(stderr))
    return 'сертификат подписанта не действовал в момент подписи (истек срок действия или еще не начался)';
  if (/unable to get local issuer|self[- ]signed certificate|unable to get issuer|unable to verify the first/i.test(stderr))
    return 'сертификат подписанта не ведет к доверенному корневому сертификату (SVODKA_TRUSTED_CA)';
  if (/certificate revoked/i.test(stderr)) return 'сертификат подписанта отозван';
  if (/content verify error|digest failure|verification failure|signature failure/i.test(stderr))
    return 'подпись не соответствует файлу отчета: подписан другой документ или файл изменен после подписи';
  if (/unsupported|unknown (digest|algorithm)/i.test(stderr))
    return 'алгоритм подписи не поддерживается (нужен ГОСТ Р 34.10-2012, RSA или ECDSA)';
  const line = stderr.split('\n').find((l) => l.trim()) ?? '';
  return `подпись не проверена: ${line.slice(0, 200)}`;
}

export type OfficialCheckInput = {
  /** The exact bytes that were signed: the final report. */
  content: Uint8Array;
  /** The .sig file: CMS SignedData, DER or PEM. */
  signature: Uint8Array;
  /** SVODKA_TRUSTED_CA: the folder of root and intermediate certificates. */
  caDir: string | null;
  /** When the report was signed off: a signature made before then is not of this report. */
  notBefore?: Date | null;
  now?: Date;
  /** SVODKA_REQUIRE_GOST=1: refuse RSA and ECDSA. */
  requireGost?: boolean;
};

export async function verifyOfficialSignature(input: OfficialCheckInput): Promise<OfficialCheck> {
  if (!input.caDir)
    return { ok: false, problem: 'не задан каталог доверенных сертификатов (SVODKA_TRUSTED_CA или --ca)' };
  if (input.signature.length === 0) return { ok: false, problem: 'файл подписи пуст' };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'svodka-cms-'));
  try {
    const conf = path.join(dir, 'openssl.cnf');
    const content = path.join(dir, 'content.bin');
    const sig = path.join(dir, 'signature');
    const bundle = path.join(dir, 'ca.pem');
    const signerPem = path.join(dir, 'signer.pem');
    await writeFile(conf, OPENSSL_CONF);
    await writeFile(content, input.content);
    await writeFile(sig, input.signature);
    const form = Buffer.from(input.signature.subarray(0, 64)).toString('latin1').includes('-----BEGIN')
      ? 'PEM'
      : 'DER';
    try {
      await writeFile(bundle, await caBundle(input.caDir, conf));
    } catch (err) {
      return { ok: false, problem: (err as Error).message };
    }

    const printed = await openssl(['cms', '-cmsout', '-print', '-inform', form, '-in', sig], conf);
    if (printed.code !== 0)
      return { ok: false, problem: 'файл не является подписью CMS/PKCS#7 (ожидается .sig в DER или PEM)' };
    // An attached signature carries its own copy of the document and would verify against that.
    if (!/eContent: <ABSENT>/.test(printed.stdout))
      return { ok: false, problem: 'подпись не отделенная: в ней содержится сам документ; нужна отделенная подпись' };
    const now = input.now ?? new Date();
    const signingTime = parseTime(printed.stdout) ?? now;
    if (signingTime.getTime() > now.getTime() + 5 * 60_000)
      return { ok: false, problem: `время подписи в будущем: ${signingTime.toISOString()}` };
    if (input.notBefore && signingTime.getTime() < input.notBefore.getTime() - 10 * 60_000)
      return {
        ok: false,
        problem: `время подписи (${signingTime.toISOString()}) раньше утверждения отчета: подписан не этот отчет`,
      };

    const verified = await openssl(
      [
        'cms', '-verify', '-binary', '-inform', form, '-in', sig, '-content', content,
        '-CAfile', bundle, '-purpose', 'any',
        '-attime', String(Math.floor(signingTime.getTime() / 1000)),
        '-signer', signerPem, '-out', path.join(dir, 'out.bin'),
      ],
      conf,
    );
    if (verified.code !== 0) return { ok: false, problem: problemOf(verified.stderr) };

    const names = await openssl(
      ['x509', '-in', signerPem, '-noout', '-subject', '-issuer', '-serial', '-dates', '-nameopt', 'utf8,sep_multiline,sname,-esc_msb'],
      conf,
    );
    const text = await openssl(['x509', '-in', signerPem, '-noout', '-text'], conf);
    if (names.code !== 0 || text.code !== 0) return { ok: false, problem: 'сертификат подписанта не читается' };
    const usage = /X509v3 Key Usage:[^\n]*\n\s*([^\n]+)/.exec(text.stdout)?.[1] ?? '';
    if (!/Digital Signature|Non Repudiation/.test(usage))
      return {
        ok: false,
        problem: 'назначение ключа в сертификате не допускает подпись документов (нужно digitalSignature или nonRepudiation)',
      };

    const sigOid = oidAfter(printed.stdout, 'signatureAlgorithm');
    const digestOid = oidAfter(printed.stdout, 'digestAlgorithm');
    const algorithm = (sigOid && ALGORITHMS[sigOid]) || null;
    if (input.requireGost && !algorithm?.gost)
      return { ok: false, problem: `подпись не по ГОСТ (${algorithm?.label ?? sigOid ?? 'алгоритм неизвестен'}), а установка требует ГОСТ` };
    const subject = nameFields(names.stdout, 'subject');
    const issuer = nameFields(names.stdout, 'issuer');
    const pick = (...keys: string[]) => keys.map((k) => subject.get(k)).find((v) => v !== undefined) ?? null;
    const date = (field: string) => {
      const raw = new RegExp(`^${field}=(.+)$`, 'm').exec(names.stdout)?.[1];
      return raw ? new Date(raw).toISOString() : '';
    };
    return {
      ok: true,
      algorithm: algorithm?.id ?? sigOid ?? 'unknown',
      algorithmLabel: `${algorithm?.label ?? sigOid ?? 'неизвестный алгоритм'}${digestOid && DIGESTS[digestOid] ? `, хеш ${DIGESTS[digestOid]}` : ''}`,
      gost: algorithm?.gost ?? false,
      signingTime: signingTime.toISOString(),
      signer: {
        surname: pick('SN', 'surname'),
        givenName: pick('GN', 'givenName'),
        title: pick('title'),
        organization: pick('O'),
        ogrn: pick('OGRN', '1.2.643.100.1', 'OGRNIP', '1.2.643.100.5'),
        snils: pick('SNILS', '1.2.643.100.3'),
        commonName: pick('CN'),
        serial: /^serial=(.+)$/m.exec(names.stdout)?.[1] ?? '',
        issuer: issuer.get('CN') ?? issuer.get('O') ?? '',
        notBefore: date('notBefore'),
        notAfter: date('notAfter'),
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** «Иванов Иван Иванович, Начальник департамента, Департамент …, ОГРН …, СНИЛС …» */
export function describeSigner(s: SignerIdentity): string {
  const name = [s.surname, s.givenName].filter(Boolean).join(' ') || s.commonName || '(имя не указано)';
  return [
    name,
    s.title,
    s.organization,
    s.ogrn ? `ОГРН ${s.ogrn}` : null,
    s.snils ? `СНИЛС ${s.snils}` : null,
  ]
    .filter(Boolean)
    .join(', ');
}
