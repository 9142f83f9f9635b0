// The official's qualified signature (КЭП) of the final report, checked by OpenSSL with the GOST
// engine: against the exact bytes, up to the trusted roots, at the signing time, for key usage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyOfficialSignature } from '../../infrastructure/official-signature';
import { createTestCa } from '../support/gost-ca';
import type { TestCa } from '../support/gost-ca';

const report = Buffer.from('PK\u0003\u0004 итоговый отчет за 2023-Q2');

let ca: TestCa;
let stranger: TestCa;
beforeAll(() => {
  ca = createTestCa();
  stranger = createTestCa('Чужой удостоверяющий центр');
});
afterAll(() => {
  ca?.remove();
  stranger?.remove();
});

const check = (signature: Buffer, content: Buffer = report, extra: { requireGost?: boolean } = {}) =>
  verifyOfficialSignature({ content, signature, caDir: ca.trustDir, ...extra });

describe('a good signature', () => {
  it('GOST R 34.10-2012 (256), Streebog-256: verifies, and the certificate names the official', async () => {
    const result = await check(ca.sign(ca.issue(), report));
    expect(result).toMatchObject({
      ok: true,
      algorithm: 'gost2012-256',
      gost: true,
      signer: {
        surname: 'Иванов',
        givenName: 'Иван Иванович',
        title: 'Начальник департамента',
        organization: 'Департамент внешних связей Смоленской области',
        ogrn: '1026701234567',
        snils: '12345678901',
      },
    });
    expect(result.ok && result.algorithmLabel).toBe('ГОСТ Р 34.10-2012 (256 бит), хеш Стрибог-256');
  });

  it('GOST R 34.10-2012 (512), Streebog-512, in PEM: verifies', async () => {
    const result = await check(ca.sign(ca.issue({ kind: 'gost512' }), report, { pem: true }));
    expect(result).toMatchObject({ ok: true, algorithm: 'gost2012-512', gost: true });
    expect(result.ok && result.algorithmLabel).toContain('Стрибог-512');
  });
});

describe('signatures that do not verify', () => {
  it('a signature of other bytes', async () => {
    const result = await check(ca.sign(ca.issue(), Buffer.from('другой документ')));
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('не соответствует файлу') });
  });

  it('the report changed by one byte after signing', async () => {
    const signature = ca.sign(ca.issue(), report);
    const result = await check(signature, Buffer.concat([report, Buffer.from([0])]));
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('не соответствует файлу') });
  });

  it('an expired certificate', async () => {
    const result = await check(ca.sign(ca.issue({ expired: true }), report));
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('не действовал') });
  });

  it('a certificate from an untrusted root', async () => {
    const result = await check(stranger.sign(stranger.issue(), report));
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('доверенному корневому') });
  });

  it('a certificate whose key is for encryption only', async () => {
    const result = await check(ca.sign(ca.issue({ usage: 'encipher' }), report));
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('назначение ключа') });
  });

  it('an attached signature (the document inside it) is refused, even of the same bytes', async () => {
    const result = await check(ca.sign(ca.issue(), report, { attached: true }));
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('не отделенная') });
  });

  it('a file that is no signature at all, and an empty one', async () => {
    expect(await check(Buffer.from('это не подпись'))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('не является подписью CMS'),
    });
    expect(await check(Buffer.alloc(0))).toMatchObject({ ok: false, problem: 'файл подписи пуст' });
  });

  it('no trusted folder configured', async () => {
    const result = await verifyOfficialSignature({ content: report, signature: ca.sign(ca.issue(), report), caDir: null });
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('SVODKA_TRUSTED_CA') });
  });

  it('a signature dated before the report was signed off', async () => {
    const result = await verifyOfficialSignature({
      content: report,
      signature: ca.sign(ca.issue(), report),
      caDir: ca.trustDir,
      notBefore: new Date(Date.now() + 3600_000),
    });
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('раньше утверждения') });
  });
});

describe('a signature that is not GOST', () => {
  it('RSA and ECDSA verify, labelled as not GOST', async () => {
    const rsa = await check(ca.sign(ca.issue({ kind: 'rsa' }), report));
    expect(rsa).toMatchObject({ ok: true, algorithm: 'rsa', gost: false });
    expect(rsa.ok && rsa.algorithmLabel).toBe('RSA (не ГОСТ), хеш SHA-256');
    const ecdsa = await check(ca.sign(ca.issue({ kind: 'ecdsa' }), report));
    expect(ecdsa).toMatchObject({ ok: true, algorithm: 'ecdsa', gost: false });
  });

  it('refused when the installation requires GOST (SVODKA_REQUIRE_GOST=1)', async () => {
    const result = await check(ca.sign(ca.issue({ kind: 'rsa' }), report), report, { requireGost: true });
    expect(result).toMatchObject({ ok: false, problem: expect.stringContaining('не по ГОСТ') });
  });
});
