// The portal's side of sign-off: the official's .sig uploaded by the coordinator (refused when it
// does not verify, and the quarter is then not shown as signed), the manifest and the public key to
// download, and the auditor's verify form doing the checks of `svodka report verify`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { compileReport, loadRegistry } from '../../activities/reports';
import { generateSigningKeys } from '../../infrastructure/signing';
import {
  createTestDb,
  fakeTemporal,
  hiddenValue,
  multipartBody,
  quarterStatus,
  testPortal,
  signInAs,
} from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';
import { createTestCa } from '../support/gost-ca';
import type { TestCa } from '../support/gost-ca';

const Q = '2023-Q2';
const keyDir = mkdtempSync(path.join(os.tmpdir(), 'svodka-web-key-'));
const keyFile = path.join(keyDir, 'signing.pem');
writeFileSync(keyFile, generateSigningKeys().privatePem);
process.env.SVODKA_SIGNING_KEY = keyFile;
process.env.SVODKA_AUDIT_KEY = randomBytes(32).toString('hex');

let t: TestDb;
let app: FastifyInstance;
let ca: TestCa;
let cookie: string;
let docx: Buffer;
let manifest: string;

beforeAll(async () => {
  t = await createTestDb();
  ca = createTestCa();
  process.env.SVODKA_TRUSTED_CA = ca.trustDir;
  const files = createDbBlobStore(t.db);
  const registry = await loadRegistry(t.db);
  const result = await compileReport(t.db, files, {
    quarter: Q,
    kind: 'final',
    entries: registry.map((m) => ({ code: m.code, state: 'not_submitted', submissionId: null, nil: false })),
    signOff: { signer: 'И. И. Иванов', position: 'Начальник департамента', date: '2023-07-20' },
  });
  docx = (await files.get(result.sha256))!;
  manifest = (await t.db.report.findUniqueOrThrow({ where: { id: result.reportId } })).manifest!;
  const temporal = fakeTemporal(t.db);
  temporal.statuses.set(
    Q,
    quarterStatus(Q, { phase: 'approved', finalReportId: result.reportId, finalSha256: result.sha256 }),
  );
  app = await testPortal(t.db, temporal.client);
  const session = await signInAs(app, t.db, {
    login: 'coord',
    name: 'Координатор',
    role: 'coordinator',
    password: 'Zvezda-Dnepr-7311',
  });
  cookie = `svodka_session=${session.svodka_session}`;
});
afterAll(async () => {
  await app?.close();
  await t?.close();
  ca?.remove();
  rmSync(keyDir, { recursive: true, force: true });
  delete process.env.SVODKA_TRUSTED_CA;
});

const get = (url: string) => app.inject({ method: 'GET', url, headers: { cookie } });

async function upload(url: string, fields: Record<string, string>, file: { name: string; bytes: Buffer }) {
  const page = await get(`/quarters/${Q}/report`);
  const body = multipartBody(
    { _csrf: hiddenValue(page.body, '_csrf'), ...fields },
    { name: file.name, fileName: `${file.name}.bin`, bytes: file.bytes },
  );
  return app.inject({ method: 'POST', url, headers: { cookie, ...body.headers }, payload: body.payload });
}

describe('the official signature in the portal', () => {
  it('before any upload the report is not shown as signed by the official; manifest and key download', async () => {
    const page = await get(`/quarters/${Q}/report`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('подписью должностного лица еще не подписан');
    expect((await get(`/quarters/${Q}/manifest.json`)).body).toBe(manifest);
    const key = await app.inject({ method: 'GET', url: '/signing-key.pub.pem' });
    expect(key.statusCode).toBe(200);
    expect(key.body).toContain('BEGIN PUBLIC KEY');
  });

  it('a signature of other bytes is refused with the reason, and nothing shows as signed', async () => {
    const bad = await upload(
      `/quarters/${Q}/official-signature`,
      {},
      {
        name: 'sig',
        bytes: ca.sign(ca.issue(), Buffer.from('другой документ')),
      },
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('не соответствует файлу отчета');
    expect((await get(`/quarters/${Q}/report`)).body).not.toContain('Подписан квалифицированной');
  });

  it('a good GOST signature: accepted, and the official is named on the quarter page', async () => {
    const good = await upload(
      `/quarters/${Q}/official-signature`,
      {},
      { name: 'sig', bytes: ca.sign(ca.issue(), docx) },
    );
    expect(good.statusCode).toBe(303);
    const page = (await get(`/quarters/${Q}/report`)).body;
    expect(page).toContain('Подписан квалифицированной электронной подписью');
    expect(page).toContain(
      'Иванов Иван Иванович, Начальник департамента, Департамент внешних связей Смоленской области',
    );
    expect(page).toContain('ОГРН 1026701234567');
    expect(page).toContain('ГОСТ Р 34.10-2012 (256 бит), хеш Стрибог-256');
  });

  it('once the trust folder no longer vouches for it, the signature is not shown as signed', async () => {
    const other = createTestCa('Другой УЦ');
    process.env.SVODKA_TRUSTED_CA = other.trustDir;
    try {
      const page = (await get(`/quarters/${Q}/report`)).body;
      expect(page).not.toContain('Подписан квалифицированной');
      expect(page).toContain('больше не проходят проверку: 1');
    } finally {
      process.env.SVODKA_TRUSTED_CA = ca.trustDir;
      other.remove();
    }
  });
});

describe("the auditor's verify form", () => {
  it('the genuine file: manifest, hash and the official signature all check', async () => {
    const r = await upload(`/quarters/${Q}/verify`, {}, { name: 'file', bytes: docx });
    expect(r.body).toContain('Совпадает.');
    expect(r.body).toContain('Манифест подписан ключом Svodka');
    expect(r.body).toContain('Подпись должностного лица верна');
  });

  it("takes the manifest and the official's .sig as files, DER as the signing tool writes it", async () => {
    const page = await get(`/quarters/${Q}/report`);
    const post = (sig: Buffer, manifestText: string) => {
      const body = multipartBody({ _csrf: hiddenValue(page.body, '_csrf') }, [
        { name: 'file', fileName: 'report.docx', bytes: docx },
        { name: 'manifestFile', fileName: 'report.manifest.json', bytes: Buffer.from(manifestText) },
        { name: 'sig', fileName: 'report.docx.sig', bytes: sig },
      ]);
      return app.inject({
        method: 'POST',
        url: `/quarters/${Q}/verify`,
        headers: { cookie, ...body.headers },
        payload: body.payload,
      });
    };
    const der = ca.sign(ca.issue(), docx);
    expect(der[0]).toBe(0x30); // a DER SEQUENCE, not PEM text
    const good = await post(der, manifest);
    expect(good.body).toContain('Совпадает.');
    expect(good.body).toContain('Подпись должностного лица верна');
    // The .sig given is the one checked, not the one Svodka keeps: other bytes' signature fails.
    const other = await post(ca.sign(ca.issue(), Buffer.from('другой документ')), manifest);
    expect(other.body).toContain('НЕ совпадает.');
    const forged = await post(der, manifest.replace('И. И. Иванов', 'П. П. Петров'));
    expect(forged.body).toContain('подпись манифеста неверна');
  });

  it('an altered file, and a forged manifest pasted in: НЕ совпадает', async () => {
    const altered = await upload(
      `/quarters/${Q}/verify`,
      {},
      { name: 'file', bytes: Buffer.concat([docx, Buffer.from([0])]) },
    );
    expect(altered.body).toContain('НЕ совпадает.');
    const forged = manifest.replace('И. И. Иванов', 'П. П. Петров');
    const r = await upload(`/quarters/${Q}/verify`, { manifest: forged }, { name: 'file', bytes: docx });
    expect(r.body).toContain('НЕ совпадает.');
    expect(r.body).toContain('подпись манифеста неверна');
  });
});
