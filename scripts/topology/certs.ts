// Certificates for mTLS between Svodka and Temporal, made with openssl: a CA, the frontend's
// certificate (also its system workers' client certificate) and Svodka's client certificate.
// Three directories, so that each party is given only its own: ca/ (the CA's key: nobody's but the
// operator's), server/ (the Temporal server's key, with ca.pem) and client/ (the clients' key, with
// ca.pem). Kept: a second start reuses them.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type Certs = {
  dir: string;
  /** The CA certificate, in client/ (TEMPORAL_TLS_CA of the clients). */
  ca: string;
  /** The same, in server/ (TEMPORAL_TLS_CA of the server). */
  serverCa: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The name in the server's certificate, which clients expect (TEMPORAL_TLS_SERVER_NAME). */
  serverName: string;
};

export const TEMPORAL_SERVER_NAME = 'temporal';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, subject: string, ext: string[]): void {
  openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    ],
    dir,
  );
  writeFileSync(path.join(dir, `${name}.ext`), ext.join('\n') + '\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '825',
      '-sha256',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    ],
    dir,
  );
}

export function makeCerts(dir: string): Certs {
  const caDir = path.join(dir, 'ca');
  const serverDir = path.join(dir, 'server');
  const clientDir = path.join(dir, 'client');
  for (const d of [dir, caDir, serverDir, clientDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const certs: Certs = {
    dir,
    ca: path.join(clientDir, 'ca.pem'),
    serverCa: path.join(serverDir, 'ca.pem'),
    serverCert: path.join(serverDir, 'server.pem'),
    serverKey: path.join(serverDir, 'server.key'),
    clientCert: path.join(clientDir, 'client.pem'),
    clientKey: path.join(clientDir, 'client.key'),
    serverName: TEMPORAL_SERVER_NAME,
  };
  if ([certs.ca, certs.serverCa, certs.serverCert, certs.clientCert].every((f) => existsSync(f)))
    return certs;
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-subj',
      '/CN=Svodka Temporal CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    caDir,
  );
  issue(caDir, 'server', `/CN=${TEMPORAL_SERVER_NAME}`, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    // serverAuth for the frontend; clientAuth because the server's system workers call it too.
    'extendedKeyUsage=serverAuth,clientAuth',
    `subjectAltName=DNS:${TEMPORAL_SERVER_NAME},DNS:localhost,IP:127.0.0.1`,
  ]);
  issue(caDir, 'client', '/CN=svodka', [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ]);
  for (const [from, to] of [
    ['ca.pem', certs.serverCa],
    ['server.pem', certs.serverCert],
    ['server.key', certs.serverKey],
    ['ca.pem', certs.ca],
    ['client.pem', certs.clientCert],
    ['client.key', certs.clientKey],
  ] as const)
    copyFileSync(path.join(caDir, from), to);
  return certs;
}
