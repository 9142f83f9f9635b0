// The dashboard for a region of any size: the quarter page's table (search, filters, pages) read
// through application/quarter-status.ts, a municipality's summary for its page, and /timeliness —
// who is chronically late across quarters — for coordinators.
import type { FastifyInstance } from 'fastify';
import { readLateness } from '../../application/lateness';
import type { LatenessView } from '../../application/lateness';
import { readMunicipalitySummary, readQuarterView, temporalSource } from '../../application/quarter-status';
import type { ReadDeps } from '../../application/quarter-status';
import { timelinessText } from '../../domain/timeliness';
import type { MunicipalitySummary, QuarterStatus } from '../../workflows/api';
import type { Viewer } from './auth';
import type { PortalContext } from './context';
import { quarterName } from './format';
import { html } from './html';
import type { Html } from './html';
import { dashboardQuery, quarterDashboard, timelinessBadge } from './views/quarter-dashboard';
import { shellUser } from './layout';

const readDeps = (ctx: PortalContext): ReadDeps => ({
  db: ctx.db,
  source: temporalSource(ctx.temporal),
  clock: () => new Date(),
});

/** The quarter page's counts, table and pages, for the address's search, filter and page. */
export async function quarterDashboardSection(
  ctx: PortalContext,
  viewer: Viewer,
  status: QuarterStatus,
  rawQuery: Record<string, unknown>,
): Promise<Html> {
  const query = dashboardQuery(rawQuery);
  const view = await readQuarterView(readDeps(ctx), status, {
    quarter: status.quarter,
    search: query.q,
    state: query.state,
    late: query.late,
    page: query.page ?? 1,
  });
  return quarterDashboard(view, query, {
    coordinator: viewer.user.role === 'coordinator',
    csrf: viewer.csrf,
  });
}

/** One municipality's summary in its quarter, flat or tree; null: it takes no part in the quarter. */
export function municipalitySummaryOf(
  ctx: PortalContext,
  status: QuarterStatus,
  code: string,
): Promise<MunicipalitySummary | null> {
  return readMunicipalitySummary(readDeps(ctx), status, code);
}

const percent = (share: number | null) => (share === null ? '—' : `${Math.round(share * 100)} %`);

function latenessPage(view: LatenessView, query: { q: string; late: boolean }): Html {
  const href = (page: number) => {
    const params = new URLSearchParams();
    if (query.q) params.set('q', query.q);
    if (query.late) params.set('late', '1');
    if (page > 1) params.set('page', String(page));
    const text = params.toString();
    return `/timeliness${text ? `?${text}` : ''}`;
  };
  if (view.quarters.length === 0)
    return html`<h1>Своевременность ответов</h1>
      <p>Ни один квартал еще не запускался.</p>`;
  return html`<h1>Своевременность ответов</h1>
    <p class="muted">
      Кто отвечает в срок и кто опаздывает, по последним кварталам. Опоздание — в рабочих днях по производственному
      календарю; срок, выпавший на выходной, переносится на следующий рабочий день. Сначала — кто опаздывал чаще.
    </p>
    <table class="shares">
      <thead>
        <tr>
          <th>Квартал</th>
          <th>Срок</th>
          <th>В срок</th>
          <th>С опозданием</th>
          <th>Нет ответа после срока</th>
          <th>Доля в срок</th>
        </tr>
      </thead>
      <tbody>
        ${view.quarters.map(
          (q) => html`<tr>
            <td><a href="/quarters/${q.quarter}">${quarterName(q.quarter)}</a></td>
            <td class="nowrap">${q.deadline.split('-').reverse().join('.')}</td>
            <td class="num">${q.share.onTime}</td>
            <td class="num">${q.share.late}</td>
            <td class="num">${q.share.missing}</td>
            <td class="num"><strong>${percent(q.share.share)}</strong></td>
          </tr>`,
        )}
      </tbody>
    </table>
    <form class="filters" method="get" action="/timeliness">
      <label for="q">Поиск по названию или коду</label>
      <input type="text" id="q" name="q" value="${query.q}" maxlength="200" />
      <label class="check"
        ><input type="checkbox" name="late" value="1"${query.late ? html` checked` : ''} /><span
          >только опаздывавшие</span
        ></label
      >
      <button type="submit">Найти</button>
    </form>
    <p class="muted">Найдено: ${view.matched}. Страница ${view.page} из ${view.pages}.</p>
    ${
      view.rows.length
        ? html`<table class="lateness">
          <thead>
            <tr>
              <th>Муниципальное образование</th>
              <th>Опозданий</th>
              <th>Без ответа</th>
              <th>Рабочих дней опоздания</th>
              ${view.quarters.map((q) => html`<th class="nowrap">${q.quarter}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${view.rows.map(
              (r) => html`<tr>
                <td>${r.name}</td>
                <td class="num">${r.late}</td>
                <td class="num">${r.missing}</td>
                <td class="num">${r.lateDays}</td>
                ${r.cells.map((c, i) =>
                  c
                    ? html`<td class="nowrap" title="${timelinessText(c)}">
                        <a href="/quarters/${view.quarters[i]!.quarter}/m/${r.code}">${timelinessBadge(c)}</a>
                      </td>`
                    : html`<td></td>`,
                )}
              </tr>`,
            )}
          </tbody>
        </table>`
        : ''
    }
    ${
      view.pages > 1
        ? html`<nav class="pager" aria-label="Страницы">
          ${view.page > 1 ? html`<a href="${href(view.page - 1)}">← Назад</a>` : ''}
          <span class="muted">Страница ${view.page} из ${view.pages}</span>
          ${view.page < view.pages ? html`<a href="${href(view.page + 1)}">Вперед →</a>` : ''}
        </nav>`
        : ''
    }`;
}

export function registerDashboardRoutes(app: FastifyInstance, ctx: PortalContext): void {
  app.get<{ Querystring: Record<string, unknown> }>('/timeliness', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    const query = dashboardQuery(request.query ?? {});
    const view = await readLateness(
      { db: ctx.db, clock: () => new Date() },
      {
        search: query.q,
        lateOnly: query.late ?? false,
        page: query.page ?? 1,
        regionId: viewer.user.regionId ?? null,
      },
    );
    return ctx.send(reply, 200, {
      title: 'Своевременность ответов',
      body: latenessPage(view, { q: query.q ?? '', late: query.late ?? false }),
      user: shellUser(viewer),
    });
  });
}
