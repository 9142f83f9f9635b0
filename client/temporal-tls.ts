// mTLS to Temporal from the environment, for every connection Svodka makes (the CLI, the portal,
// the workers, the email poller): TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (the client's certificate
// and key, PEM files), TEMPORAL_TLS_CA (the CA that signed the server's certificate) and
// TEMPORAL_TLS_SERVER_NAME (the name to expect in it, when the address does not carry it).
// None set: plaintext, as the embedded dev server speaks.
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

export class TemporalTlsError extends Error {}

function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TemporalTlsError(
      `${variable}: не удалось прочитать файл «${file}» (${(err as NodeJS.ErrnoException).code ?? String(err)}).`,
    );
  }
}

/** The `tls` option of Connection.connect / NativeConnection.connect; undefined: no TLS. */
export function temporalTls(env: NodeJS.ProcessEnv = process.env): TLSConfig | undefined {
  const cert = env.TEMPORAL_TLS_CERT || '';
  const key = env.TEMPORAL_TLS_KEY || '';
  const ca = env.TEMPORAL_TLS_CA || '';
  const serverName = env.TEMPORAL_TLS_SERVER_NAME || '';
  if (!cert && !key && !ca && !serverName) return undefined;
  // Half a key pair would silently fall back to server-only TLS, which an mTLS frontend refuses
  // with an obscure handshake error: say what is missing instead.
  if (Boolean(cert) !== Boolean(key))
    throw new TemporalTlsError(
      'Для mTLS с Temporal нужны оба файла: TEMPORAL_TLS_CERT (сертификат клиента) и TEMPORAL_TLS_KEY (его ключ).',
    );
  const tls: TLSConfig = {};
  if (cert)
    tls.clientCertPair = { crt: readPem('TEMPORAL_TLS_CERT', cert), key: readPem('TEMPORAL_TLS_KEY', key) };
  if (ca) tls.serverRootCACertificate = readPem('TEMPORAL_TLS_CA', ca);
  if (serverName) tls.serverNameOverride = serverName;
  return tls;
}
