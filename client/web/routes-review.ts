// The coordinator's review tools: two versions of an answer compared, «Запросить исправления» on
// chosen rows of the draft with the duplicate check beside it, and the queue of email replies that
// could not be matched or were held. Each action runs its use case from application/.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { compareVersions } from '../../application/compare-versions';
import type { VersionComparison } from '../../application/compare-versions';
import { RefusedError } from '../../application/refusal';
import { requestChanges } from '../../application/request-changes';
import { execute, InvalidInputError } from '../../application/use-case';
import { draftDuplicates, sectionCodes } from '../../domain/draft-review';
import type { DraftSection } from '../../domain/draft-review';
import { parseQuarter } from '../../domain/quarter';
import type { QuarterStatus } from '../../workflows/api';
import { portalUseCaseContext, runForPage } from './actions';
import type { Viewer } from './auth';
import { FORM_BODY_LIMIT, formField } from './context';
import type { PortalContext } from './context';
import { badRequest, notFound } from './errors';
import { quarterName } from './format';
import { html } from './html';
import type { Html } from './html';
import { registerMailQueueRoutes } from './routes-mail-queue';
import { quarterParam } from './routes-coordinator';
import { diffView, duplicatesView, REVIEW_CSS, reviewStylesheet, versionLabel } from './review-views';
import { shellUser } from './layout';

/** Every value of a repeated form field (checkboxes), at most `max`. */
export function formValues(body: unknown, name: string, max = 5_000): string[] {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list
    .filter((v): v is string => typeof v === 'string')
    .slice(0, max)
    .map((v) => v.slice(0, 200));
}

export type DraftReview = {
  /** The duplicate check's findings, above the draft. */
  findings: Html;
  /** Whether the rows get checkboxes (a coordinator, a draft not yet signed). */
  picking: boolean;
  /** The header cell over the checkboxes. */
  head: Html;
  /** The checkbox cell of one row of a section. */
  pick(sectionIndex: number, number: string): Html;
  /** The comment and the button, after the draft. */
  form: Html;
};

const FORM_ID = 'request-changes';

/** What the draft page adds for review, given the draft as read from its DOCX. */
export async function draftReview(
  ctx: PortalContext,
  viewer: Viewer,
  status: QuarterStatus,
  sections: DraftSection[],
): Promise<DraftReview> {
  const registry = await ctx.db.municipality.findMany({
    orderBy: { position: 'asc' },
    select: { code: true, name: true, sectionTitle: true },
  });
  const names = new Map(registry.map((m) => [m.code, m.name]));
  const codes = sectionCodes(sections, registry);
  const findings = html`${reviewStylesheet()}
    ${duplicatesView(draftDuplicates(sections, registry, parseQuarter(status.quarter)), names)}`;
  const picking = viewer.user.role === 'coordinator' && !status.finalReportId && status.phase !== 'approved';
  if (!picking) return { findings, picking, head: html``, pick: () => html``, form: html`` };
  const q = status.quarter;
  return {
    findings,
    picking,
    head: html`<th class="pick" title="Отметить для исправления">✓</th>`,
    pick(sectionIndex, number) {
      const code = codes[sectionIndex];
      const n = Number.parseInt(number, 10);
      if (!code || !Number.isFinite(n)) return html`<td class="pick"></td>`;
      return html`<td class="pick">
        <input
          type="checkbox"
          name="row"
          value="${code}:${n}"
          form="${FORM_ID}"
          aria-label="Строка ${n}: запросить исправления (${names.get(code) ?? code})"
        />
      </td>`;
    },
    form: html`<h2 id="request-changes-title">Запросить исправления</h2>
      <div class="card">
        <form id="${FORM_ID}" method="post" action="/quarters/${q}/request-changes">
          <input type="hidden" name="_csrf" value="${viewer.csrf}" />
          <input type="hidden" name="requestId" value="${randomUUID()}" />
          <p>
            Отметьте в проекте строки, которые нужно исправить. Муниципальные образования, из сведений которых
            они взяты, получат сведения обратно на доработку и письмо с вашим комментарием.
          </p>
          <label for="request-changes-comment">Что нужно исправить</label>
          <textarea id="request-changes-comment" name="comment" required maxlength="2000"></textarea>
          <div><button type="submit">Запросить исправления</button></div>
        </form>
      </div>`,
  };
}

type MParams = { Params: { quarter: string; code: string }; Querystring: { from?: string; to?: string } };

export function registerReviewRoutes(app: FastifyInstance, ctx: PortalContext): void {
  app.get('/static/review.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=86400').send(REVIEW_CSS),
  );

  app.get<MParams>('/quarters/:quarter/m/:code/diff', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply);
    if (!viewer) return reply;
    const quarter = quarterParam(request.params.quarter);
    const back = `/quarters/${quarter}/m/${encodeURIComponent(request.params.code)}`;
    request.svodkaBack = back;
    const number = (v: string | undefined) => (v && /^\d{1,6}$/.test(v) ? Number(v) : undefined);
    let comparison: VersionComparison | null = null;
    let refusal: string | null = null;
    try {
      comparison = await execute(compareVersions, portalUseCaseContext(ctx, request, viewer.user.login), {
        quarter,
        municipality: request.params.code,
        from: number(request.query.from),
        to: number(request.query.to),
      });
    } catch (err) {
      if (err instanceof InvalidInputError) throw notFound(err.message);
      if (!(err instanceof RefusedError)) throw err;
      if (
        err.kind === 'not-found' &&
        !(await ctx.db.municipality.findUnique({ where: { code: request.params.code } }))
      )
        throw notFound(err.message);
      refusal = err.message;
    }
    const m = comparison?.municipality ?? { code: request.params.code, name: request.params.code };
    const versions =
      comparison?.versions ??
      (
        await ctx.db.submission.findMany({
          where: { quarter, municipality: m.code },
          orderBy: { version: 'asc' },
        })
      ).map((v) => ({
        ...v,
        status: v.status === 'accepted' ? ('accepted' as const) : ('rejected' as const),
      }));
    const name = comparison
      ? m.name
      : ((await ctx.db.municipality.findUnique({ where: { code: m.code } }))?.name ?? m.code);
    const select = (field: 'from' | 'to', label: string, chosen: number | undefined) => html`<div>
      <label for="${field}">${label}</label>
      <select id="${field}" name="${field}">
        ${versions.map(
          (v) =>
            html`<option value="${v.version}" ${v.version === chosen ? html`selected` : ''}>${versionLabel(v)}</option>`,
        )}
      </select>
    </div>`;
    const body = html`${reviewStylesheet()}
      <h1>${name}: сравнение версий</h1>
      <p>
        <a href="${back}">← ${name}, ${quarterName(quarter)}</a>
      </p>
      ${
        versions.length >= 2
          ? html`<div class="card">
              <form method="get" action="/quarters/${quarter}/m/${m.code}/diff">
                ${select('from', 'Было (версия)', comparison?.from.version ?? number(request.query.from))}
                ${select('to', 'Стало (версия)', comparison?.to.version ?? number(request.query.to))}
                <div><button type="submit">Сравнить</button></div>
              </form>
            </div>`
          : ''
      }
      ${refusal ? html`<div class="notice">${refusal}</div>` : ''} ${comparison ? diffView(comparison) : ''}`;
    return ctx.send(reply, 200, { title: `${name} — сравнение версий`, body, user: shellUser(viewer) });
  });

  app.post<{ Params: { quarter: string } }>(
    '/quarters/:quarter/request-changes',
    { bodyLimit: FORM_BODY_LIMIT },
    async (request, reply) => {
      const viewer = await ctx.requireViewer(request, reply, 'coordinator');
      if (!viewer) return reply;
      ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
      const quarter = quarterParam(request.params.quarter);
      request.svodkaBack = `/quarters/${quarter}/report`;
      const rows = formValues(request.body, 'row').map((value) => {
        const m = /^([a-z0-9][a-z0-9-]{0,63}):(\d{1,6})$/.exec(value);
        if (!m) throw badRequest('Отметка строки повреждена. Обновите страницу и отметьте строки снова.');
        return { municipality: m[1]!, number: Number(m[2]) };
      });
      if (rows.length === 0)
        throw badRequest('Отметьте в проекте отчета хотя бы одну строку, которую нужно исправить.');
      await runForPage(ctx, request, viewer.user.login, requestChanges, {
        quarter,
        municipalities: rows.map((r) => r.municipality),
        comment: formField(request.body, 'comment', 4000),
        requestId: formField(request.body, 'requestId', 100),
        rows,
      });
      return reply.redirect(`/quarters/${quarter}?done=changes-requested`, 303);
    },
  );

  registerMailQueueRoutes(app, ctx);
}
