// TEMPORAL_TLS_*: every Temporal connection Svodka makes takes its mTLS settings from here.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporalTls, TemporalTlsError } from '../../client/temporal-tls';

const dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-tls-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const cert = file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n');
const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nkey\n');
const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n');

describe('temporalTls', () => {
  it('is plaintext when nothing is set (the embedded dev server)', () => {
    expect(temporalTls({})).toBeUndefined();
    expect(temporalTls({ TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' })).toBeUndefined();
  });

  it('reads the client pair, the CA and the server name', () => {
    const tls = temporalTls({
      TEMPORAL_TLS_CERT: cert,
      TEMPORAL_TLS_KEY: key,
      TEMPORAL_TLS_CA: ca,
      TEMPORAL_TLS_SERVER_NAME: 'temporal',
    });
    expect(Buffer.from(tls!.clientCertPair!.crt).toString()).toContain('client');
    expect(Buffer.from(tls!.clientCertPair!.key).toString()).toContain('PRIVATE KEY');
    expect(Buffer.from(tls!.serverRootCACertificate!).toString()).toContain('ca');
    expect(tls!.serverNameOverride).toBe('temporal');
  });

  it('takes server-only TLS with a CA alone', () => {
    const tls = temporalTls({ TEMPORAL_TLS_CA: ca });
    expect(tls).toBeDefined();
    expect(tls!.clientCertPair).toBeUndefined();
  });

  it('refuses half a key pair instead of falling back to server-only TLS', () => {
    expect(() => temporalTls({ TEMPORAL_TLS_CERT: cert })).toThrow(TemporalTlsError);
    expect(() => temporalTls({ TEMPORAL_TLS_KEY: key })).toThrow(/TEMPORAL_TLS_CERT/);
  });

  it('names the variable and the file it cannot read, in Russian', () => {
    expect(() => temporalTls({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') })).toThrow(
      /TEMPORAL_TLS_CA: не удалось прочитать файл «.*missing\.pem» \(ENOENT\)/,
    );
  });
});
