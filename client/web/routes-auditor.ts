// The auditor's pages (coordinators see them too): the timeline of a quarter or of one
// municipality — the workflow histories joined with the audit log, exactly as `svodka audit` —
// with links to the workflows in the Temporal Web UI; and the signed-off report with its SHA-256
// and a form that tells whether a file is that report.
import type { FastifyInstance } from 'fastify';
import { verifyAuditChain } from '../../infrastructure/audit';
import { sha256Hex } from '../../infrastructure/blobs';
import { requireGost, trustedCaDir } from '../../infrastructure/report-signoff';
import { verifyReportFiles } from '../../infrastructure/report-verify';
import { verifyKey } from '../../infrastructure/signing';
import { quarterWorkflowId, submissionWorkflowId } from '../../workflows/api';
import { buildTimeline } from '../audit-timeline';
import type { TimelineEntry } from '../audit-timeline';
import type { Viewer } from './auth';
import type { PortalContext } from './context';
import { badRequest, notFound } from './errors';
import { moscowDateTime, plural, quarterName } from './format';
import { html } from './html';
import type { Html } from './html';
import { readUploadForm } from './multipart';
import { municipalityNames, quarterParam } from './routes-coordinator';
import { signOffCard } from './routes-signoff';
import { fetchQuarterStatus } from './workflow';
import { shellUser } from './layout';

const SOURCE_LABELS: Record<TimelineEntry['source'], string> = {
  history: 'история',
  'audit-log': 'журнал',
  outbox: 'почта',
};

type QParams = { Params: { quarter: string } };

function nav(quarter: string, current: 'audit' | 'final'): Html {
  return html`<p class="muted">
    <a href="/quarters/${quarter}">Состояние</a> · <a href="/quarters/${quarter}/report">Отчет</a> ·
    ${current === 'audit' ? html`<strong>Хронология</strong>` : html`<a href="/quarters/${quarter}/audit">Хронология</a>`}
    ·
    ${current === 'final' ? html`<strong>Проверка итогового отчета</strong>` : html`<a href="/quarters/${quarter}/final">Проверка итогового отчета</a>`}
  </p>`;
}

export function registerAuditorRoutes(app: FastifyInstance, ctx: PortalContext): void {
  const temporalLink = (workflowId: string, label: string): Html => {
    if (!ctx.config.temporalUiUrl) return html``;
    const namespace = ctx.temporal.options.namespace || 'default';
    const href = `${ctx.config.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
    return html`<a href="${href}" rel="noreferrer noopener" target="_blank">${label}</a>`;
  };

  app.get<QParams & { Querystring: { m?: string } }>('/quarters/:quarter/audit', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply);
    if (!viewer) return reply;
    const quarter = quarterParam(request.params.quarter);
    const names = await municipalityNames(ctx, quarter);
    const code = request.query.m && request.query.m !== '' ? request.query.m : undefined;
    if (code !== undefined && !names.has(code))
      throw notFound('Нет муниципального образования с таким кодом.');
    const [timeline, chain] = await Promise.all([
      buildTimeline(ctx.temporal, ctx.db, quarter, code),
      verifyAuditChain(ctx.db),
    ]);
    const workflowId = code ? submissionWorkflowId(quarter, code) : quarterWorkflowId(quarter);
    const body = html`<h1>Хронология: ${quarterName(quarter)}${code ? html` — ${names.get(code)}` : ''}</h1>
      ${nav(quarter, 'audit')}
      <div class="card">
        <form method="get" action="/quarters/${quarter}/audit">
          <label for="m">Показать</label>
          <select id="m" name="m">
            <option value="">весь квартал</option>
            ${[...names].map(([c, name]) => html`<option value="${c}" ${c === code ? html` selected` : ''}>${name}</option>`)}
          </select>
          <button type="submit" class="secondary">Показать</button>
        </form>
        ${ctx.config.temporalUiUrl ? html`<p>Рабочий процесс в Temporal Web UI: ${temporalLink(workflowId, workflowId)}</p>` : ''}
        <p class="${chain.ok ? 'muted' : 'error-text'}">
          ${
            chain.ok
              ? `Журнал аудита цел: ${chain.entries} ${plural(chain.entries, 'запись', 'записи', 'записей')}, цепочка хешей не нарушена.`
              : `Журнал аудита НАРУШЕН: ${chain.problems.join('; ')}`
          }
        </p>
      </div>
      ${
        timeline.length === 0
          ? html`<p class="muted">
              Событий нет${code ? '' : ': сбор сведений за этот квартал не запускался'}.
            </p>`
          : html`<p class="muted">
                ${timeline.length} ${plural(timeline.length, 'событие', 'события', 'событий')}; время —
                московское. «История» — записи рабочих процессов Temporal, «журнал» — журнал аудита: кто и
                откуда.
              </p>
              <table>
                <thead>
                  <tr>
                    <th>Время</th>
                    <th>Муниципальное образование</th>
                    <th>Событие</th>
                    <th>Кто сделал, откуда</th>
                    <th>Источник</th>
                  </tr>
                </thead>
                <tbody>
                  ${timeline.map(
                    (e) =>
                      html`<tr>
                        <td class="nowrap">${moscowDateTime(e.at, true)}</td>
                        <td>
                          ${e.municipality ? (code ? names.get(e.municipality) : html`<a href="/quarters/${quarter}/audit?m=${e.municipality}">${names.get(e.municipality) ?? e.municipality}</a>`) : 'квартал'}
                        </td>
                        <td>${e.text}</td>
                        <td>
                          ${e.actor ?? ''}${e.origin ? html` <span class="muted">(${e.origin})</span>` : ''}
                        </td>
                        <td>${SOURCE_LABELS[e.source]}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
      }`;
    return ctx.send(reply, 200, {
      title: `Хронология — ${quarterName(quarter)}`,
      body,
      user: shellUser(viewer),
    });
  });

  const finalOf = async (quarter: string) => {
    const status = await fetchQuarterStatus(ctx.temporal, quarter, ctx.db).catch(() => null);
    const row = status?.finalReportId
      ? await ctx.db.report.findUnique({ where: { id: status.finalReportId } })
      : await ctx.db.report.findFirst({ where: { quarter, kind: 'final' }, orderBy: { createdAt: 'desc' } });
    return row;
  };

  const finalPage = async (viewer: Viewer, quarter: string, verdict: Html | null): Promise<Html> => {
    const report = await finalOf(quarter);
    return html`<h1>Проверка итогового отчета: ${quarterName(quarter)}</h1>
      ${nav(quarter, 'final')} ${verdict ?? ''}
      ${
        report
          ? html`<div class="card">
                <dl class="facts">
                  <div>
                    <dt>Подписал</dt>
                    <dd>${report.signer ?? ''}${report.position ? `, ${report.position}` : ''}</dd>
                  </div>
                  <div>
                    <dt>Дата подписания</dt>
                    <dd>${moscowDateTime(report.signedAt ?? report.createdAt)}</dd>
                  </div>
                  <div>
                    <dt>Мероприятий</dt>
                    <dd>${report.eventCount}</dd>
                  </div>
                  <div>
                    <dt>SHA-256</dt>
                    <dd class="sha">${report.blobSha256}</dd>
                  </div>
                </dl>
                <a class="button secondary" href="/quarters/${quarter}/report.docx?kind=final"
                  >Скачать итоговый отчет (.docx)</a
                >
                <a class="button secondary" href="/quarters/${quarter}/report.pdf">PDF</a>
                <a class="button secondary" href="/quarters/${quarter}/report.xlsx?kind=final">Таблица (.xlsx)</a>
              </div>
              ${await signOffCard(ctx, viewer, quarter)}
              <h2>Проверить файл</h2>
              <div class="card">
                <form method="post" action="/quarters/${quarter}/verify" enctype="multipart/form-data">
                  <input type="hidden" name="_csrf" value="${viewer.csrf}" />
                  <label for="file">Файл отчета (.docx)</label>
                  <input type="file" id="file" name="file" required />
                  <p class="muted">
                    Проверяется то же, что и командой «svodka report verify»: подпись манифеста ключом Svodka,
                    SHA-256 файла по манифесту и подпись должностного лица. Совпадение означает, что в файле не
                    изменено ни одного байта.
                  </p>
                  <label for="manifestFile">Манифест подписания, файл .manifest.json (необязательно; по умолчанию — сохраненный)</label>
                  <input type="file" id="manifestFile" name="manifestFile" accept=".json,application/json" />
                  <label for="sig">Подпись должностного лица, файл .sig — DER или PEM (необязательно; по умолчанию — загруженная)</label>
                  <input type="file" id="sig" name="sig" accept=".sig,.p7s,.pem" />
                  <details>
                    <summary>Вставить манифест или подпись текстом</summary>
                    <label for="manifest">Манифест подписания</label>
                    <textarea id="manifest" name="manifest" rows="4" placeholder="содержимое файла .manifest.json"></textarea>
                    <label for="sigPem">Подпись должностного лица в PEM</label>
                    <textarea id="sigPem" name="sigPem" rows="4" placeholder="-----BEGIN CMS-----"></textarea>
                  </details>
                  <button type="submit">Проверить</button>
                </form>
              </div>`
          : html`<div class="notice">Итоговый отчет за ${quarterName(quarter)} еще не подписан.</div>`
      }`;
  };

  app.get<QParams>('/quarters/:quarter/final', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply);
    if (!viewer) return reply;
    const quarter = quarterParam(request.params.quarter);
    return ctx.send(reply, 200, {
      title: `Итоговый отчет — ${quarterName(quarter)}`,
      body: await finalPage(viewer, quarter, null),
      user: shellUser(viewer),
    });
  });

  app.post<QParams>('/quarters/:quarter/verify', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply);
    if (!viewer) return reply;
    const quarter = quarterParam(request.params.quarter);
    request.svodkaBack = `/quarters/${quarter}/final`;
    // The report, and optionally its manifest and the official's .sig.
    const form = await readUploadForm(request, { files: 3 });
    ctx.checkCsrf(viewer.csrf, form.fields._csrf);
    const docx = form.files.file ?? null;
    if (!docx) throw badRequest('Выберите файл для проверки.');
    const sha256 = sha256Hex(docx.bytes);
    const report = await finalOf(quarter);
    if (!report)
      throw notFound(`Итоговый отчет за ${quarterName(quarter)} еще не подписан: сравнивать не с чем.`);
    const key = verifyKey();
    if (key) {
      // The same checks as `svodka report verify`: the files given (the .sig in DER or PEM, as the
      // official's tool wrote it), what was pasted, or else what Svodka keeps.
      const pasted = form.fields.sigPem?.trim();
      const sigFile = form.files.sig?.bytes;
      const manifestFile = form.files.manifestFile?.bytes.toString('utf8').trim();
      const stored = await ctx.db.officialSignature.findFirst({
        where: { reportId: report.id },
        orderBy: { createdAt: 'desc' },
      });
      const result = await verifyReportFiles({
        docx: docx.bytes,
        manifest: manifestFile || form.fields.manifest?.trim() || report.manifest,
        signature: sigFile ?? (pasted ? Buffer.from(pasted) : stored ? Buffer.from(stored.bytes) : null),
        key,
        caDir: trustedCaDir(),
        requireGost: requireGost(),
      });
      const verdict = html`<div class="${result.ok ? 'ok' : 'bad'}">
        <p class="big">${result.ok ? 'Совпадает.' : 'НЕ совпадает.'}</p>
        <p>Файл «${docx.fileName}»${result.ok ? ` — подписанный итоговый отчет за ${quarterName(quarter)}.` : ' не подтвержден как подписанный итоговый отчет.'}</p>
        <ul>
          ${result.lines.map((l) => html`<li class="${l.ok ? '' : 'error-text'}">${l.ok ? '✓' : '✗'} ${l.text}</li>`)}
        </ul>
        <p class="sha">SHA-256 файла ${sha256}</p>
      </div>`;
      return ctx.send(reply, 200, {
        title: 'Проверка файла',
        body: await finalPage(viewer, quarter, verdict),
        user: shellUser(viewer),
      });
    }
    const other =
      sha256 === report.blobSha256
        ? null
        : await ctx.db.report.findFirst({ where: { blobSha256: sha256, kind: 'final' } });
    const verdict =
      sha256 === report.blobSha256
        ? html`<div class="ok">
            <p class="big">Совпадает.</p>
            <p>
              Файл «${docx.fileName}» — подписанный итоговый отчет за ${quarterName(quarter)}; подписал
              ${report.signer ?? ''}${report.position ? `, ${report.position}` : ''}.
            </p>
            <p class="sha">SHA-256 ${sha256}</p>
          </div>`
        : html`<div class="bad">
            <p class="big">НЕ совпадает.</p>
            <p>
              Файл «${docx.fileName}» не является подписанным итоговым отчетом за
              ${quarterName(quarter)}${other ? html` (это итоговый отчет за ${quarterName(other.quarter)})` : ': возможно, он изменен после подписания'}.
            </p>
            <p class="sha">SHA-256 файла ${sha256}</p>
          </div>`;
    return ctx.send(reply, 200, {
      title: 'Проверка файла',
      body: await finalPage(viewer, quarter, verdict),
      user: shellUser(viewer),
    });
  });
}
