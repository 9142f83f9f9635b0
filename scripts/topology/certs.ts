// Certificates for mTLS between Svodka and Temporal, made with openssl: a CA, the frontend's
// certificate (also its system workers' client certificate) and Svodka's client certificate.
// Kept in the state directory: a second start reuses them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type Certs = {
  dir: string;
  ca: string;
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
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certs: Certs = {
    dir,
    ca: path.join(dir, 'ca.pem'),
    serverCert: path.join(dir, 'server.pem'),
    serverKey: path.join(dir, 'server.key'),
    clientCert: path.join(dir, 'client.pem'),
    clientKey: path.join(dir, 'client.key'),
    serverName: TEMPORAL_SERVER_NAME,
  };
  if ([certs.ca, certs.serverCert, certs.clientCert].every((f) => existsSync(f))) return certs;
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
    dir,
  );
  issue(dir, 'server', `/CN=${TEMPORAL_SERVER_NAME}`, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    // serverAuth for the frontend; clientAuth because the server's system workers call it too.
    'extendedKeyUsage=serverAuth,clientAuth',
    `subjectAltName=DNS:${TEMPORAL_SERVER_NAME},DNS:localhost,IP:127.0.0.1`,
  ]);
  issue(dir, 'client', '/CN=svodka', [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ]);
  return certs;
}
