// Sign-off evidence in the portal: the signed manifest and the installation's public key to
// download, the official's qualified signature (uploaded by the coordinator, verified before it is
// kept and again before it is shown), and what the quarter's pages say about it.
import { createPublicKey } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { publicKeyId } from '../../infrastructure/manifest';
import { describeSigner } from '../../infrastructure/official-signature';
import {
  finalReportOf,
  recordOfficialSignature,
  verifiedOfficialSignatures,
} from '../../infrastructure/report-signoff';
import { verifyKey } from '../../infrastructure/signing';
import type { Viewer } from './auth';
import type { PortalContext } from './context';
import { badRequest, notFound } from './errors';
import { moscowDateTime } from './format';
import { html } from './html';
import type { Html } from './html';
import { readUploadForm } from './multipart';
import { quarterParam } from './routes-coordinator';

type QParams = { Params: { quarter: string } };

/** The installation's public key (SPKI PEM) and its fingerprint, or null when it does not sign. */
export function publishedKey(): { pem: string; sha256: string } | null {
  const key = verifyKey();
  if (!key) return null;
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return { pem: pub.export({ type: 'spki', format: 'pem' }).toString(), sha256: publicKeyId(pub) };
}

/**
 * The sign-off card of a quarter whose report is approved: the official's signature(s) that verify
 * now, the manifest and key to download, and for a coordinator the form to upload the .sig.
 */
export async function signOffCard(ctx: PortalContext, viewer: Viewer, quarter: string): Promise<Html> {
  const report = await finalReportOf(ctx.db, quarter);
  if (!report) return html``;
  const signatures = await verifiedOfficialSignatures(ctx.db, ctx.files, quarter);
  const good = signatures.flatMap((s) => (s.check.ok ? [s.check] : []));
  const broken = signatures.length - good.length;
  const key = publishedKey();
  return html`<h2 id="official">Подпись должностного лица (КЭП)</h2>
    <div class="card">
      ${
        good.length > 0
          ? good.map(
              (c) => html`<div class="ok official-signature">
                <p class="big">Подписан квалифицированной электронной подписью.</p>
                <p>${describeSigner(c.signer)}</p>
                <p class="muted">
                  ${c.algorithmLabel}; подписано ${moscowDateTime(c.signingTime)} (МСК); сертификат № ${c.signer.serial},
                  выдан «${c.signer.issuer}», действует до ${moscowDateTime(c.signer.notAfter)}
                </p>
              </div>`,
            )
          : html`<div class="notice">
              <p class="big">Отчет утвержден в Svodka, но подписью должностного лица еще не подписан.</p>
              <p>
                Скачайте итоговый отчет, подпишите его своей КЭП (отделенная подпись CAdES, файл .sig) и загрузите
                подпись здесь.
              </p>
            </div>`
      }
      ${broken > 0 ? html`<p class="error-text">Подписей, которые больше не проходят проверку: ${broken}. Они не учитываются.</p>` : ''}
      <p>
        ${report.manifest ? html`<a class="button secondary" href="/quarters/${quarter}/manifest.json">Скачать манифест подписания (.json)</a>` : html`<span class="muted">Манифест подписания не создан: у установки нет ключа подписи (SVODKA_SIGNING_KEY).</span>`}
        ${key ? html` <a class="button secondary" href="/signing-key.pub.pem">Открытый ключ Svodka (.pem)</a>` : ''}
      </p>
      ${key ? html`<p class="muted">Отпечаток открытого ключа (SHA-256): <span class="sha">${key.sha256}</span></p>` : ''}
      ${
        viewer.user.role === 'coordinator'
          ? html`<form method="post" action="/quarters/${quarter}/official-signature" enctype="multipart/form-data">
              <input type="hidden" name="_csrf" value="${viewer.csrf}" />
              <label for="sig">Файл подписи (.sig, .p7s — DER или PEM)</label>
              <input type="file" id="sig" name="sig" required />
              <button type="submit">Загрузить подпись</button>
            </form>`
          : ''
      }
    </div>`;
}

export function registerSignOffRoutes(app: FastifyInstance, ctx: PortalContext): void {
  // The key is public by nature: whoever holds a report checks its manifest with it.
  app.get('/signing-key.pub.pem', async (_request, reply) => {
    const key = publishedKey();
    if (!key) throw notFound('Эта установка Svodka не подписывает отчеты: ключ не задан.');
    return reply
      .type('application/x-pem-file')
      .header('Content-Disposition', 'attachment; filename="svodka-signing-key.pub.pem"')
      .send(key.pem);
  });

  app.get<QParams>('/quarters/:quarter/manifest.json', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply);
    if (!viewer) return reply;
    const quarter = quarterParam(request.params.quarter);
    const report = await finalReportOf(ctx.db, quarter);
    if (!report?.manifest) throw notFound('Манифест подписания за этот квартал не создан.');
    return reply
      .type('application/json; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="svodka-${quarter}.manifest.json"`)
      .send(report.manifest);
  });

  app.post<QParams>('/quarters/:quarter/official-signature', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    const quarter = quarterParam(request.params.quarter);
    request.svodkaBack = `/quarters/${quarter}/report#official`;
    const form = await readUploadForm(request);
    ctx.checkCsrf(viewer.csrf, form.fields._csrf);
    if (!form.file) throw badRequest('Выберите файл подписи (.sig).');
    const check = await recordOfficialSignature(ctx.db, ctx.files, quarter, form.file.bytes, {
      actor: viewer.user.login,
      origin: ctx.origin(request),
    });
    if (!check.ok) throw badRequest(`Подпись не принята: ${check.problem}.`);
    return reply.redirect(`/quarters/${quarter}/report?done=official#official`, 303);
  });
}
