// A certification authority of the test's own, made with the same OpenSSL + GOST engine tooling an
// installation uses: roots, officials' certificates (GOST R 34.10-2012 256/512, RSA, ECDSA; valid,
// expired, or without the signing key usage) and detached CMS signatures, all in a temp folder.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CONF = `openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
gost = gost_section
[gost_section]
engine_id = gost
default_algorithms = ALL
[req]
distinguished_name = dn
string_mask = utf8only
[dn]
[ca]
default_ca = test_ca
[test_ca]
dir = .
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir/issued
policy = anything
unique_subject = no
preserve = yes
email_in_dn = no
copy_extensions = none
utf8 = yes
[anything]
surname = optional
givenName = optional
title = optional
organizationName = optional
OGRN = optional
SNILS = optional
commonName = optional
[ca_ext]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[encipher_ext]
basicConstraints = CA:false
keyUsage = critical,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

export type KeyKind = 'gost256' | 'gost512' | 'rsa' | 'ecdsa';

const GENKEY: Record<KeyKind, string[]> = {
  gost256: ['-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A'],
  gost512: ['-algorithm', 'gost2012_512', '-pkeyopt', 'paramset:A'],
  rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ecdsa: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
};

const DIGEST: Record<KeyKind, string> = {
  gost256: 'md_gost12_256',
  gost512: 'md_gost12_512',
  rsa: 'sha256',
  ecdsa: 'sha256',
};

export const OFFICIAL_SUBJECT =
  '/SN=Иванов/GN=Иван Иванович/title=Начальник департамента/O=Департамент внешних связей Смоленской области' +
  '/1.2.643.100.1=1026701234567/1.2.643.100.3=12345678901/CN=Иванов Иван Иванович';

export type Official = { cert: string; key: string; kind: KeyKind };

export type TestCa = {
  dir: string;
  /** A folder holding only this CA's root: what SVODKA_TRUSTED_CA points at. */
  trustDir: string;
  issue(options?: { kind?: KeyKind; subject?: string; expired?: boolean; usage?: 'sign' | 'encipher' }): Official;
  sign(official: Official, content: Uint8Array, options?: { pem?: boolean; attached?: boolean }): Buffer;
  remove(): void;
};

export function createTestCa(name = 'Тестовый удостоверяющий центр', kind: KeyKind = 'gost256'): TestCa {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-ca-'));
  const conf = path.join(dir, 'openssl.cnf');
  writeFileSync(conf, CONF);
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '1000\n');
  mkdirSync(path.join(dir, 'issued'));
  const run = (args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, env: { ...process.env, OPENSSL_CONF: conf }, timeout: 30_000 });
  run(['genpkey', ...GENKEY[kind], '-out', 'ca.key']);
  run([
    'req', '-x509', '-new', '-key', 'ca.key', `-${DIGEST[kind] === 'sha256' ? 'sha256' : DIGEST[kind]}`, '-days', '3650',
    '-utf8', '-subj', `/CN=${name}/O=Тест`, '-extensions', 'ca_ext', '-config', conf, '-out', 'ca.pem',
  ]);
  const trustDir = path.join(dir, 'trusted');
  mkdirSync(trustDir);
  run(['x509', '-in', 'ca.pem', '-out', path.join(trustDir, 'root.pem')]);
  let n = 0;
  return {
    dir,
    trustDir,
    issue({ kind: leaf = 'gost256', subject = OFFICIAL_SUBJECT, expired = false, usage = 'sign' } = {}) {
      const id = `official-${++n}`;
      run(['genpkey', ...GENKEY[leaf], '-out', `${id}.key`]);
      run(['req', '-new', '-key', `${id}.key`, '-utf8', '-subj', subject, '-config', conf, '-out', `${id}.csr`]);
      const dates = expired
        ? ['-startdate', '20200101000000Z', '-enddate', '20210101000000Z']
        : ['-days', '365'];
      run([
        'ca', '-batch', '-config', conf, '-utf8', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-md',
        DIGEST[kind] === 'sha256' ? 'sha256' : DIGEST[kind], ...dates, '-extensions',
        usage === 'sign' ? 'leaf_ext' : 'encipher_ext', '-in', `${id}.csr`, '-out', `${id}.pem`, '-notext',
      ]);
      return { cert: path.join(dir, `${id}.pem`), key: path.join(dir, `${id}.key`), kind: leaf };
    },
    sign(official, content, { pem = false, attached = false } = {}) {
      const file = path.join(dir, `content-${++n}.bin`);
      writeFileSync(file, content);
      return run([
        'cms', '-sign', '-binary', ...(attached ? ['-nodetach'] : []), '-in', file, '-signer', official.cert,
        '-inkey', official.key, '-md', DIGEST[official.kind], '-outform', pem ? 'PEM' : 'DER',
      ]);
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
