// The quarter page's dashboard, the same for 27 municipalities or 20,000: counts by state (each a
// filter link), the share answered on time, a search form, the table of one page, and page links.
// Plain forms and links: no script, a GET that a slow office PC and a bookmark both handle.
import type { QuarterView } from '../../../application/quarter-status';
import { SUBMISSION_STATES } from '../../../application/quarter-status';
import { timelinessText } from '../../../domain/timeliness';
import type { Timeliness } from '../../../domain/timeliness';
import { SETTLED_STATES } from '../../../workflows/api';
import type { SubmissionState } from '../../../workflows/api';
import { moscowDateTime, STATE_LABELS, stateBadge } from '../format';
import { requestIdInput } from '../actions';
import { html } from '../html';
import type { Html } from '../html';

export type DashboardQuery = { q?: string; state?: SubmissionState; late?: boolean; page?: number };

/** The query string of a dashboard view: only what is set, so links stay short. */
export function dashboardHref(quarter: string, query: DashboardQuery): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.state) params.set('state', query.state);
  if (query.late) params.set('late', '1');
  if (query.page && query.page > 1) params.set('page', String(query.page));
  const text = params.toString();
  return `/quarters/${quarter}${text ? `?${text}` : ''}`;
}

/** What the page's address asks for, checked: an unknown state or a page of «abc» is ignored. */
export function dashboardQuery(raw: Record<string, unknown>): DashboardQuery {
  const str = (key: string) => {
    const v = raw[key];
    return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? (v[0] as string) : '';
  };
  const q = str('q').trim().slice(0, 200);
  const state = str('state');
  const page = Number.parseInt(str('page'), 10);
  return {
    q: q || undefined,
    state: (SUBMISSION_STATES as readonly string[]).includes(state) ? (state as SubmissionState) : undefined,
    late: str('late') === '1' || undefined,
    page: Number.isFinite(page) && page > 1 ? Math.min(page, 1_000_000) : undefined,
  };
}

export function timelinessBadge(t: Timeliness): Html {
  const cls =
    t.kind === 'on_time'
      ? 'accepted'
      : t.kind === 'late' || t.kind === 'overdue' || t.kind === 'missing'
        ? 'overdue'
        : 'requested';
  return html`<span class="st timeliness st-${cls}">${timelinessText(t)}</span>`;
}

const percent = (share: number | null) => (share === null ? '—' : `${Math.round(share * 100)} %`);

function summaryLine(view: QuarterView, query: DashboardQuery): Html {
  const q = view.status.quarter;
  const states = SUBMISSION_STATES.filter((s) => (view.counts[s] ?? 0) > 0);
  const link = (state: SubmissionState | undefined, label: string, n: number) =>
    query.state === state && !query.late
      ? html`<strong>${label} — ${n}</strong>`
      : html`<a href="${dashboardHref(q, { q: query.q, state })}">${label} — ${n}</a>`;
  return html`<div class="progress-line">
      <progress value="${view.settled}" max="${Math.max(view.total, 1)}">${view.settled} из ${view.total}</progress>
    </div>
    <p><strong>Готово ${view.settled} из ${view.total}</strong></p>
    <p class="counts">
      ${link(undefined, 'Все', view.total)}
      ${states.map((s) => html` · ${link(s, STATE_LABELS[s], view.counts[s]!)}`)}
      ·
      ${
        query.late
          ? html`<strong>Опоздали или не ответили</strong>`
          : html`<a href="${dashboardHref(q, { q: query.q, late: true })}">Опоздали или не ответили</a>`
      }
    </p>
    <p>
      Ответили в срок: <strong>${percent(view.timeliness.share)}</strong>
      <span class="muted"
        >(в срок — ${view.timeliness.onTime}, с опозданием — ${view.timeliness.late}, нет ответа после срока —
        ${view.timeliness.missing}; сроки — в рабочих днях по производственному календарю)</span
      >
    </p>`;
}

function searchForm(view: QuarterView, query: DashboardQuery): Html {
  const q = view.status.quarter;
  return html`<form class="filters" method="get" action="/quarters/${q}">
    <label for="q">Поиск по названию или коду</label>
    <input type="text" id="q" name="q" value="${query.q ?? ''}" maxlength="200" />
    <label for="state">Состояние</label>
    <select id="state" name="state">
      <option value="">все</option>
      ${SUBMISSION_STATES.map(
        (s) =>
          html`<option value="${s}"${query.state === s ? html` selected` : ''}>${STATE_LABELS[s]}</option>`,
      )}
    </select>
    <label class="check"
      ><input type="checkbox" name="late" value="1"${query.late ? html` checked` : ''} /><span
        >только опоздавшие и не ответившие</span
      ></label
    >
    <button type="submit">Найти</button>
    ${
      query.q || query.state || query.late
        ? html`<a class="button secondary" href="/quarters/${q}">Сбросить</a>`
        : ''
    }
  </form>`;
}

function pager(view: QuarterView, query: DashboardQuery): Html {
  if (view.pages <= 1) return html``;
  const q = view.status.quarter;
  const to = (page: number, label: string) =>
    page === view.page
      ? html`<strong>${label}</strong>`
      : html`<a href="${dashboardHref(q, { ...query, page })}">${label}</a>`;
  // First, last, and a few around the current page: enough to walk 400 pages without a list of 400.
  const around = new Set([
    1,
    view.pages,
    view.page - 2,
    view.page - 1,
    view.page,
    view.page + 1,
    view.page + 2,
  ]);
  const shown = [...around].filter((p) => p >= 1 && p <= view.pages).sort((a, b) => a - b);
  const parts: Html[] = [];
  shown.forEach((p, i) => {
    if (i > 0 && p - shown[i - 1]! > 1) parts.push(html`<span>…</span>`);
    parts.push(to(p, String(p)));
  });
  return html`<nav class="pager" aria-label="Страницы">
    ${view.page > 1 ? to(view.page - 1, '← Назад') : ''} ${parts}
    ${view.page < view.pages ? to(view.page + 1, 'Вперед →') : ''}
    <span class="muted">Страница ${view.page} из ${view.pages}</span>
  </nav>`;
}

export type TableViewer = { coordinator: boolean; csrf: string };

function table(view: QuarterView, viewer: TableViewer): Html {
  const q = view.status.quarter;
  const open = view.status.phase !== 'approved' && !view.status.finalReportId;
  return html`<table class="status">
    <thead>
      <tr>
        <th>№</th>
        <th>Муниципальное образование</th>
        <th>Состояние</th>
        <th>Срок</th>
        <th>Своевременность</th>
        <th>Напом.</th>
        <th>Версии</th>
        <th>Последний ответ</th>
        <th>Мероприятий</th>
        <th>Замеч.</th>
        <th>Действия</th>
      </tr>
    </thead>
    <tbody>
      ${view.rows.map(({ position, code, name, summary: m, timeliness }) => {
        const owes = !SETTLED_STATES.includes(m.state) && m.state !== 'excused';
        return html`<tr>
          <td class="num">${position}</td>
          <td><a href="/quarters/${q}/m/${code}">${name}</a></td>
          <td>
            ${stateBadge(m.state)}${m.excuseReason ? html`<div class="muted">${m.excuseReason}</div>` : ''}
          </td>
          <td class="nowrap">${m.deadline ? m.deadline.split('-').reverse().join('.') : ''}</td>
          <td class="nowrap">${timelinessBadge(timeliness)}</td>
          <td class="num">
            ${m.reminders}${m.escalations ? html` <span class="muted">+${m.escalations} эск.</span>` : ''}
          </td>
          <td class="num">${m.versions}</td>
          <td class="nowrap">${moscowDateTime(m.lastAnswerAt)}</td>
          <td class="num">${m.state === 'accepted' ? (m.nil ? 'нет' : m.rowCount) : ''}</td>
          <td class="num">${m.warnings || ''}</td>
          <td class="row-actions nowrap">
            ${
              viewer.coordinator && open
                ? html`${
                    owes && !view.status.closed
                      ? html`<form class="inline" method="post" action="/quarters/${q}/m/${code}/remind">
                          <input type="hidden" name="_csrf" value="${viewer.csrf}" />${requestIdInput()}<input
                            type="hidden"
                            name="back"
                            value="table"
                          /><button type="submit" class="small secondary">Напомнить</button>
                        </form> `
                      : ''
                  }<a href="/quarters/${q}/m/${code}">Решения…</a>`
                : html`<a href="/quarters/${q}/m/${code}">Подробнее</a>`
            }
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** Counts, the share on time, the search form, one page of the table and the page links. */
export function quarterDashboard(view: QuarterView, query: DashboardQuery, viewer: TableViewer): Html {
  const filtered = Boolean(query.q || query.state || query.late);
  const from = (view.page - 1) * (view.pageSize || view.matched) + 1;
  return html`${summaryLine(view, query)} ${searchForm(view, query)}
    <p class="muted found">
      ${
        view.matched === 0
          ? 'Ничего не найдено.'
          : html`${filtered ? html`Найдено: ${view.matched}. ` : ''}Показаны ${from}–${from + view.rows.length - 1}
          из ${view.matched}.`
      }
    </p>
    ${view.rows.length ? table(view, viewer) : ''} ${pager(view, query)}`;
}
