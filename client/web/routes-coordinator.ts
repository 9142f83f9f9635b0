// The coordinator's pages: quarters, launching one, the status table of every municipality with
// the decisions on each (extend, excuse, remind, reopen), closing the collection, the draft report
// previewed and signed off. Auditors see the same pages without the controls; every change is
// coordinator-only (403 otherwise) and written to the audit log with the coordinator's login.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { quarterNames } from '../../infrastructure/registry/snapshot';
import { appendAudit } from '../../infrastructure/audit';
import { readReportDocx } from '../../infrastructure/docx/read';
import { reportBytes } from '../../activities/reports';
import {
  DEFAULT_LINK_GRACE_DAYS,
  issueToken,
  linkExpiry,
  listTokens,
  revokeMunicipalityTokens,
} from '../../infrastructure/tokens';
import { normalizeQuarterKey, parseQuarterKey } from '../../domain/quarter';
import type { Finding } from '../../domain/types';
import { formatFinding } from '../../domain/validate';
import { SETTLED_STATES } from '../../workflows/api';
import type { MunicipalitySummary, QuarterStatus, SubmissionState } from '../../workflows/api';
import { quarterCalendarWarning, workingDaysLeftText } from '../calendar';
import { approveReport } from '../../application/approve-report';
import { closeCollection } from '../../application/close-collection';
import { excuse } from '../../application/excuse';
import { extendDeadline } from '../../application/extend-deadline';
import { remind } from '../../application/remind';
import { reopen } from '../../application/reopen';
import { startQuarter } from '../../application/start-quarter';
import { act, formRequestId, REQUEST_ID_FIELD, requestIdInput } from './actions';
import { policyFields } from './routes-schedule';
import { DEFAULT_LOCKOUT, signInCheck } from './auth';
import type { Viewer } from './auth';
import { FORM_BODY_LIMIT, formField } from './context';
import type { PortalContext } from './context';
import { badRequest, notFound, PortalError } from './errors';
import {
  CHANNEL_LABELS,
  moscowDateTime,
  PHASE_LABELS,
  plural,
  quarterName,
  russianDate,
  SEVERITY_LABELS,
  stateBadge,
} from './format';
import { html, multiline } from './html';
import type { Html } from './html';
import { draftReview } from './routes-review';
import { regionOfQuarterRecord } from './region-access';
import { municipalitySummaryOf, quarterDashboardSection } from './routes-dashboard';
import { signOffCard } from './routes-signoff';
import { requireQuarterStatus, withDeadline } from './workflow';
import { shellUser } from './layout';

/** "2023-Q2" or "2023-Q2.kaluga" exactly (the canonical form), or a 404. */
export function quarterParam(value: string): string {
  try {
    const quarter = normalizeQuarterKey(value);
    if (quarter === value) return quarter;
  } catch {
    // fall through
  }
  throw notFound('Такого квартала нет. Квартал записывается как ГГГГ-QN, например 2023-Q2.');
}

/** Names by code: the quarter's as its snapshot holds them when a quarter is given, else the registry's. */
export async function municipalityNames(ctx: PortalContext, quarter?: string): Promise<Map<string, string>> {
  if (quarter) return quarterNames(ctx.db, quarter);
  const rows = await ctx.db.municipality.findMany({
    orderBy: { position: 'asc' },
    select: { code: true, name: true },
  });
  return new Map(rows.map((r) => [r.code, r.name]));
}

const isSettled = (state: SubmissionState) => SETTLED_STATES.includes(state);

/** The quarter a coordinator most likely launches next: the one that has just ended. */
function previousQuarter(now = new Date()): string {
  const month = now.getUTCMonth();
  const q = Math.floor(month / 3);
  return q === 0 ? `${now.getUTCFullYear() - 1}-Q4` : `${now.getUTCFullYear()}-Q${q}`;
}

type QuarterListing = {
  quarter: string;
  running: boolean | null;
  startedAt: Date | null;
  region?: { id: number; name: string } | null;
};

/** The quarters of every region, each with its region; an account of one region gets its own only. */
async function listQuarters(ctx: PortalContext, regionId: number | null = null): Promise<QuarterListing[]> {
  const all = await listAllQuarters(ctx);
  const regions = new Map<string, { id: number; name: string } | null>();
  for (const q of all) {
    const region = await regionOfQuarterRecord(ctx.db, q.quarter);
    regions.set(q.quarter, region ? { id: region.id, name: region.name } : null);
  }
  return all
    .map((q) => ({ ...q, region: regions.get(q.quarter) ?? null }))
    .filter((q) => regionId === null || q.region?.id === regionId);
}

async function listAllQuarters(ctx: PortalContext): Promise<QuarterListing[]> {
  const found = new Map<string, QuarterListing>();
  // Temporal's visibility is the record of what runs; it may lag a second behind a start, so the
  // audit log's «quarter.start» entries fill in.
  try {
    await withDeadline(ctx.temporal, 5_000, async () => {
      let n = 0;
      for await (const wf of ctx.temporal.workflow.list({ query: 'WorkflowType="quarterlyReport"' })) {
        const match = /^quarter\/(\d{4}-Q[1-4](?:\.[a-z0-9-]+)?)$/.exec(wf.workflowId);
        if (match && !found.has(match[1]!)) {
          found.set(match[1]!, {
            quarter: match[1]!,
            running: wf.status.name === 'RUNNING',
            startedAt: wf.startTime,
          });
        }
        if (++n >= 500) break;
      }
    });
  } catch {
    // Visibility unavailable: the audit log alone.
  }
  const starts = await ctx.db.auditEntry.findMany({
    where: { action: 'quarter.start' },
    orderBy: { id: 'asc' },
    select: { quarter: true, at: true },
  });
  for (const s of starts) {
    if (s.quarter && !found.has(s.quarter))
      found.set(s.quarter, { quarter: s.quarter, running: null, startedAt: s.at });
  }
  return [...found.values()].sort((a, b) => b.quarter.localeCompare(a.quarter));
}

/** « — Калужская область» after a quarter's name, for a region other than the home one (its key says so). */
function otherRegion(request: FastifyRequest, quarter: string): string {
  return parseQuarterKey(quarter).region && request.svodkaRegion ? ` — ${request.svodkaRegion.name}` : '';
}

async function viewerRegionCode(ctx: PortalContext, regionId: number | null): Promise<string | null> {
  if (regionId === null) return null;
  return (await ctx.db.region.findUnique({ where: { id: regionId } }))?.code ?? null;
}

function quarterNav(quarter: string, current: 'status' | 'report' | 'audit' | 'final'): Html {
  const link = (key: typeof current, href: string, label: string) =>
    key === current ? html`<strong>${label}</strong>` : html`<a href="${href}">${label}</a>`;
  return html`<p class="muted">
    ${link('status', `/quarters/${quarter}`, 'Состояние')} ·
    ${link('report', `/quarters/${quarter}/report`, 'Отчет')} ·
    ${link('audit', `/quarters/${quarter}/audit`, 'Хронология')} ·
    ${link('final', `/quarters/${quarter}/final`, 'Проверка итогового отчета')}
  </p>`;
}

function phaseBanner(status: QuarterStatus, daysLeft: string | null = null): Html {
  const q = status.quarter;
  if (status.phase === 'approved' || status.finalReportId) {
    return html`<div class="ok">
      <p class="big">Отчет подписан.</p>
      <p>
        <a href="/quarters/${q}/report">Итоговый отчет</a> · SHA-256
        <span class="sha">${status.finalSha256 ?? ''}</span>
      </p>
    </div>`;
  }
  if (status.phase === 'awaiting_approval') {
    return html`<div class="ok">
      <p class="big">Все ответили: проект отчета готов и ждет подписания.</p>
      <p><a class="button" href="/quarters/${q}/report">Просмотреть проект и подписать</a></p>
    </div>`;
  }
  if (status.phase === 'rendering')
    return html`<div class="notice"><p class="big">Формируется отчет…</p></div>`;
  return html`<div class="notice">
    <p class="big">
      ${PHASE_LABELS[status.phase][0]!.toUpperCase()}${PHASE_LABELS[status.phase].slice(1)}${status.closed ? ' (прием закрыт координатором)' : ''}.
    </p>
    <p>
      Срок: до ${russianDate(status.deadline)}
      включительно${status.timeScale !== 1 ? `; ускорение времени ×${status.timeScale}` : ''}${daysLeft ? html`. ${daysLeft}` : ''}.
    </p>
  </div>`;
}

function findingsList(findings: Finding[]): Html {
  return html`<ul class="findings">
    ${findings.map((f) => html`<li><strong>${SEVERITY_LABELS[f.severity] ?? f.severity}:</strong> ${formatFinding(f)}</li>`)}
  </ul>`;
}

const DONE_MESSAGES: Record<string, string> = {
  extend: 'Срок продлен; письмо муниципальному образованию отправлено.',
  excuse: 'Муниципальное образование освобождено от представления сведений.',
  remind: 'Напоминание отправлено.',
  reopen: 'Сведения возвращены на доработку; письмо отправлено.',
  'changes-requested':
    'Исправления запрошены: сведения отмеченных муниципальных образований возвращены на доработку, им отправлены письма с комментарием.',
  close: 'Прием сведений закрыт. Кто не ответил, отмечен как «не представлено»; проект отчета формируется.',
  started: 'Сбор сведений запущен: запросы уходят по почте.',
  already: 'Сбор сведений за этот квартал уже был запущен — второй не начат.',
  approved: 'Отчет подписан. Итоговый отчет разослан получателям.',
  'revoke-links':
    'Все ссылки муниципального образования отозваны. Выдайте новую, чтобы оно могло ответить через портал.',
  official: 'Подпись должностного лица проверена и принята.',
};

function doneMessage(key: string | undefined): Html {
  return key && DONE_MESSAGES[key] ? html`<div class="ok">${DONE_MESSAGES[key]}</div>` : html``;
}

type QParams = { Params: { quarter: string } };
type MParams = { Params: { quarter: string; code: string } };

export function registerCoordinatorRoutes(app: FastifyInstance, ctx: PortalContext): void {
  const municipality = async (code: string) => {
    const m = await ctx.db.municipality.findUnique({ where: { code } });
    if (!m) throw notFound('Нет муниципального образования с таким кодом.');
    return m;
  };
  const audit = (
    request: FastifyRequest,
    viewer: Viewer,
    entry: { quarter: string; municipality: string | null; action: string; detail?: Record<string, unknown> },
  ) => appendAudit(ctx.db, { ...entry, actor: viewer.user.login, origin: ctx.origin(request) });

  app.get<{ Querystring: { done?: string } }>('/quarters', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply);
    if (!viewer) return reply;
    const quarters = await listQuarters(ctx, viewer.user.regionId ?? null);
    const body = html`<h1>Кварталы</h1>
      ${doneMessage(request.query.done)}
      ${
        quarters.length === 0
          ? html`<p class="muted">Сбор сведений еще не запускался.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th>Квартал</th>
                  <th>Регион</th>
                  <th>Состояние</th>
                  <th>Запущен</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${quarters.map(
                  (q) =>
                    html`<tr>
                      <td>
                        <a href="/quarters/${q.quarter}">${quarterName(q.quarter)}</a>
                        <span class="muted">${q.quarter}</span>
                      </td>
                      <td>${q.region?.name ?? '—'}</td>
                      <td>${q.running === null ? '—' : q.running ? 'идет сбор сведений' : 'завершен'}</td>
                      <td class="nowrap">${moscowDateTime(q.startedAt)}</td>
                      <td>
                        <a href="/quarters/${q.quarter}">Состояние</a> ·
                        <a href="/quarters/${q.quarter}/report">Отчет</a> ·
                        <a href="/quarters/${q.quarter}/audit">Хронология</a>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      ${
        viewer.user.role === 'coordinator'
          ? html`<h2>Запустить сбор сведений</h2>
              <div class="card">
                <form method="post" action="/quarters">
                  <input type="hidden" name="_csrf" value="${viewer.csrf}" />${requestIdInput()}
                  <label for="quarter">Квартал (ГГГГ-QN)</label>
                  <input
                    type="text"
                    id="quarter"
                    name="quarter"
                    value="${previousQuarter()}"
                    required
                    pattern="[0-9]{4}-[Qq][1-4](\\.[a-z0-9\\-]+)?"
                  />
                  <label for="deadline"
                    >Срок представления сведений (по умолчанию — 10-е число месяца после квартала)</label
                  >
                  <input type="date" id="deadline" name="deadline" />
                  <label for="timeScale"
                    >Ускорение времени (1 — обычный календарь; для демонстраций 86400: сутки за
                    секунду)</label
                  >
                  <input type="number" id="timeScale" name="timeScale" value="1" min="1" step="1" />
                  ${policyFields({})}
                  <div><button type="submit">Запустить</button></div>
                  <p class="muted">
                    Каждое муниципальное образование получит письмо с запросом и шаблоном. Повторный запуск
                    того же квартала ничего не дублирует. Открывать кварталы сами по себе:
                    <a href="/schedule">расписание</a>.
                  </p>
                </form>
              </div>`
          : ''
      }`;
    return ctx.send(reply, 200, { title: 'Кварталы', body, user: shellUser(viewer) });
  });

  app.post('/quarters', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    const timeScaleText = formField(request.body, 'timeScale').trim();
    const quarterText = formField(request.body, 'quarter', 20);
    let result;
    try {
      result = await act(ctx, request, viewer.user.login, startQuarter, {
        quarter: quarterText,
        // An account of one region starts its region's quarter: "2024-Q2" is "2024-Q2.<its code>".
        region: await viewerRegionCode(ctx, viewer.user.regionId ?? null),
        deadline: formField(request.body, 'deadline', 20).trim() || null,
        timeScale: timeScaleText ? Number(timeScaleText) : 1,
        policy: {
          remindBefore: formField(request.body, 'remindBefore', 40),
          overdueEvery: formField(request.body, 'overdueEvery', 10),
          escalateAfter: formField(request.body, 'escalateAfter', 10),
        },
        requestId: formRequestId(formField(request.body, REQUEST_ID_FIELD, 200)),
      });
    } catch (err) {
      if (err instanceof PortalError && err.status !== 503) throw err;
      throw new PortalError(
        503,
        'Сервис временно недоступен',
        'Не удалось запустить сбор сведений: нет связи с сервером Temporal. Попробуйте позже.',
      );
    }
    return reply.redirect(`/quarters/${result.quarter}?done=${result.started ? 'started' : 'already'}`, 303);
  });

  app.get<QParams & { Querystring: { done?: string } & Record<string, unknown> }>(
    '/quarters/:quarter',
    async (request, reply) => {
      const viewer = await ctx.requireViewer(request, reply);
      if (!viewer) return reply;
      const quarter = quarterParam(request.params.quarter);
      const status = await requireQuarterStatus(ctx.temporal, quarter, ctx.db);
      const coordinator = viewer.user.role === 'coordinator';
      const canClose =
        coordinator && !status.closed && status.phase === 'collecting' && !status.finalReportId;
      const live = status.phase !== 'approved' && !status.finalReportId;
      const daysLeft =
        status.phase === 'collecting' && !status.closed ? await workingDaysLeftText(ctx.db, status) : null;
      // A large region's page is searched and paged: refreshed less often, so typing is not cut short.
      const refresh = status.municipalities.length > 0 ? 10 : 60;
      // Said where the coordinator lands right after starting the quarter, as `quarter start` says it.
      const calendarWarning =
        request.query.done === 'started' ? await quarterCalendarWarning(ctx.db, status.deadline) : null;
      const body = html`<h1>${quarterName(quarter)}${otherRegion(request, quarter)}</h1>
      ${quarterNav(quarter, 'status')} ${doneMessage(request.query.done)}
      ${calendarWarning ? html`<div class="notice"><p>${calendarWarning}</p></div>` : ''} ${phaseBanner(status, daysLeft)}
      ${live ? html`<p class="muted">Страница обновляется сама каждые ${refresh} секунд. Время — московское.</p>` : ''}
      ${await quarterDashboardSection(ctx, viewer, status, request.query)}
      <p class="muted">
        Таблица состояния: <a href="/quarters/${quarter}/status.xlsx">Excel (.xlsx)</a>,
        <a href="/quarters/${quarter}/status.csv">CSV</a>
      </p>
      ${
        canClose
          ? html`<h2>Закрыть прием сведений</h2>
              <div class="card">
                <form method="post" action="/quarters/${quarter}/close">
                  <input type="hidden" name="_csrf" value="${viewer.csrf}" />${requestIdInput()}
                  <p>
                    Ожидание прекратится: кто не ответил, будет отмечен как «не представлено», и сформируется
                    проект отчета.
                  </p>
                  <label class="check"
                    ><input type="checkbox" name="confirm" value="yes" required /><span
                      >Да, закрыть прием сведений за ${quarterName(quarter)}</span
                    ></label
                  >
                  <button type="submit" class="danger">Закрыть прием</button>
                </form>
              </div>`
          : ''
      }`;
      return ctx.send(reply, 200, {
        title: `${quarterName(quarter)}${otherRegion(request, quarter)}`,
        body,
        user: shellUser(viewer),
        refresh: live ? refresh : undefined,
      });
    },
  );

  app.get<MParams & { Querystring: { done?: string } }>(
    '/quarters/:quarter/m/:code',
    async (request, reply) => {
      const viewer = await ctx.requireViewer(request, reply);
      if (!viewer) return reply;
      const quarter = quarterParam(request.params.quarter);
      const m = await municipality(request.params.code);
      const status = await requireQuarterStatus(ctx.temporal, quarter, ctx.db);
      const s = await municipalitySummaryOf(ctx, status, m.code);
      if (!s) throw notFound('Это муниципальное образование не участвует в сборе сведений за этот квартал.');
      const versions = await ctx.db.submission.findMany({
        where: { quarter, municipality: m.code },
        orderBy: { version: 'desc' },
      });
      const coordinator = viewer.user.role === 'coordinator';
      const links = coordinator ? await listTokens(ctx.db, quarter, m.code) : [];
      const open = status.phase !== 'approved' && !status.finalReportId;
      const owes = !isSettled(s.state) && s.state !== 'excused';
      const csrf = html`<input type="hidden" name="_csrf" value="${viewer.csrf}" />${requestIdInput()}`;
      const base = `/quarters/${quarter}/m/${m.code}`;
      const body = html`<h1>${m.name}</h1>
        <p>
          <a href="/quarters/${quarter}">← ${quarterName(quarter)}: все муниципальные образования</a> ·
          <a href="/quarters/${quarter}/audit?m=${m.code}">Хронология</a>
        </p>
        ${doneMessage(request.query.done)}
        <div class="card">
          <dl class="facts">
            <div>
              <dt>Состояние</dt>
              <dd>${stateBadge(s.state)}</dd>
            </div>
            <div>
              <dt>Срок</dt>
              <dd>${s.deadline ? russianDate(s.deadline) : '—'}</dd>
            </div>
            <div>
              <dt>Напоминаний</dt>
              <dd>${s.reminders}${s.escalations ? `, эскалаций: ${s.escalations}` : ''}</dd>
            </div>
            <div>
              <dt>Версий</dt>
              <dd>${s.versions}</dd>
            </div>
            <div>
              <dt>Последний ответ</dt>
              <dd>${moscowDateTime(s.lastAnswerAt) || '—'}</dd>
            </div>
            ${
              s.excuseReason
                ? html`<div>
                    <dt>Причина освобождения</dt>
                    <dd>${s.excuseReason}</dd>
                  </div>`
                : ''
            }
            <div>
              <dt>Адрес</dt>
              <dd>${m.email}</dd>
            </div>
          </dl>
        </div>
        ${
          coordinator && open
            ? html`<h2>Решения координатора</h2>
                <div class="card">
                  <form method="post" action="${base}/extend">
                    ${csrf}
                    <label for="until">Продлить срок до</label>
                    <input type="date" id="until" name="until" required />
                    <div><button type="submit">Продлить срок</button></div>
                  </form>
                </div>
                ${
                  owes && !status.closed
                    ? html`<div class="card">
                        <form method="post" action="${base}/remind">
                          ${csrf}
                          <p>Отправить напоминание сейчас, не дожидаясь расписания.</p>
                          <button type="submit">Напомнить</button>
                        </form>
                      </div>`
                    : ''
                }
                ${
                  s.state !== 'accepted' && s.state !== 'excused'
                    ? html`<div class="card">
                        <form method="post" action="${base}/excuse">
                          ${csrf}
                          <label for="reason">Освободить от представления сведений — причина</label>
                          <input type="text" id="reason" name="reason" required maxlength="500" />
                          <div><button type="submit">Освободить</button></div>
                        </form>
                      </div>`
                    : ''
                }
                ${
                  s.state === 'accepted'
                    ? html`<div class="card">
                        <form method="post" action="${base}/reopen">
                          ${csrf}
                          <label for="comment">Вернуть принятые сведения на доработку — что исправить</label>
                          <textarea id="comment" name="comment" required maxlength="2000"></textarea>
                          <div><button type="submit">Вернуть на доработку</button></div>
                        </form>
                      </div>`
                    : ''
                }
                <div class="card">
                  <form method="post" action="${base}/link">
                    ${csrf}
                    <p>
                      Новая ссылка на страницу муниципального образования (например, если письмо потерялось).
                      Прежние ссылки (и адреса для ответа из прежних писем) перестанут действовать, если не отметить
                      «Сохранить прежние ссылки».
                    </p>
                    <label><input type="checkbox" name="keep" value="yes" /> Сохранить прежние ссылки</label>
                    <button type="submit" class="secondary">Выдать ссылку</button>
                  </form>
                </div>
                <div class="card">
                  <form method="post" action="${base}/revoke-links">
                    ${csrf}
                    <p>
                      Действующих ссылок: ${links.filter((l) => l.state === 'active').length}. Если ссылка попала к
                      постороннему, отзовите все ссылки и выдайте новую.
                    </p>
                    <button type="submit" class="secondary">Отозвать все ссылки</button>
                  </form>
                </div>`
            : ''
        }
        <h2>Версии ответа</h2>
        ${versions.length >= 2 ? html`<p><a href="${base}/diff">Сравнить версии</a></p>` : ''}
        ${
          versions.length === 0
            ? html`<p class="muted">Ответов пока нет.</p>`
            : html`<table>
                <thead>
                  <tr>
                    <th>Версия</th>
                    <th>Когда</th>
                    <th>Как</th>
                    <th>Результат</th>
                    <th>Ошибки и замечания</th>
                  </tr>
                </thead>
                <tbody>
                  ${versions.map((v) => {
                    const findings = JSON.parse(v.findings) as Finding[];
                    return html`<tr>
                      <td class="num">${v.version}</td>
                      <td class="nowrap">${moscowDateTime(v.createdAt)}</td>
                      <td>
                        ${v.kind === 'nil' ? 'мероприятия не проводились' : (CHANNEL_LABELS[v.channel] ?? v.channel)}
                      </td>
                      <td>
                        ${v.status === 'accepted' ? html`<span class="st st-accepted">принята</span>` : html`<span class="st st-rejected">не принята</span>`}
                        ${v.kind !== 'nil' ? html`<span class="muted">${v.rowCount} ${plural(v.rowCount, 'строка', 'строки', 'строк')}</span>` : ''}
                      </td>
                      <td>${findings.length ? findingsList(findings) : '—'}</td>
                    </tr>`;
                  })}
                </tbody>
              </table>`
        }`;
      return ctx.send(reply, 200, {
        title: `${m.name} — ${quarterName(quarter)}`,
        body,
        user: shellUser(viewer),
      });
    },
  );

  // --- decisions on one municipality: each a use case of application/; the workflow writes the audit entry ---
  const decision = (
    name: 'extend' | 'excuse' | 'remind' | 'reopen',
    run: (request: FastifyRequest, viewer: Viewer, target: DecisionTarget) => Promise<MunicipalitySummary>,
  ) =>
    app.post<MParams>(
      `/quarters/:quarter/m/:code/${name}`,
      { bodyLimit: FORM_BODY_LIMIT },
      async (request, reply) => {
        const viewer = await ctx.requireViewer(request, reply, 'coordinator');
        if (!viewer) return reply;
        ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
        const quarter = quarterParam(request.params.quarter);
        const m = await municipality(request.params.code);
        request.svodkaBack = `/quarters/${quarter}/m/${m.code}`;
        const requestId = formRequestId(formField(request.body, REQUEST_ID_FIELD, 200));
        await run(request, viewer, { quarter, municipality: m.code, requestId });
        const back =
          formField(request.body, 'back') === 'table'
            ? `/quarters/${quarter}?done=${name}`
            : `/quarters/${quarter}/m/${m.code}?done=${name}`;
        return reply.redirect(back, 303);
      },
    );

  decision('extend', (request, viewer, target) =>
    act(ctx, request, viewer.user.login, extendDeadline, {
      ...target,
      until: formField(request.body, 'until', 20),
    }),
  );
  decision('excuse', (request, viewer, target) =>
    act(ctx, request, viewer.user.login, excuse, {
      ...target,
      reason: formField(request.body, 'reason', 500),
    }),
  );
  decision('remind', (request, viewer, target) => act(ctx, request, viewer.user.login, remind, target));
  decision('reopen', (request, viewer, target) =>
    act(ctx, request, viewer.user.login, reopen, {
      ...target,
      comment: formField(request.body, 'comment', 2000),
    }),
  );

  app.post<MParams>('/quarters/:quarter/m/:code/link', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    const quarter = quarterParam(request.params.quarter);
    const m = await municipality(request.params.code);
    const status = await requireQuarterStatus(ctx.temporal, quarter, ctx.db);
    const deadline = status.municipalities.find((x) => x.code === m.code)?.deadline ?? status.deadline;
    const keep = formField(request.body, 'keep') === 'yes';
    const expiresAt = linkExpiry(deadline, ctx.config.linkGraceDays ?? DEFAULT_LINK_GRACE_DAYS);
    const token = await issueToken(ctx.db, {
      quarter,
      municipality: m.code,
      expiresAt,
      revokeOthers: !keep,
    });
    await audit(request, viewer, {
      quarter,
      municipality: m.code,
      action: 'token.issue',
      detail: { keptOthers: keep, expiresAt: expiresAt.toISOString() },
    });
    const url = `${ctx.config.publicUrl.replace(/\/+$/, '')}/m/${token}`;
    const body = html`<h1>Ссылка для «${m.name}»</h1>
      <div class="ok">
        <p>
          Передайте эту ссылку ответственному сотруднику муниципального образования. Она показана один раз: в
          базе хранится только ее хеш.
        </p>
        <p class="sha">${url}</p>
        <p>Ссылка действует до ${moscowDateTime(expiresAt)}.${keep ? '' : ' Прежние ссылки отозваны.'}</p>
      </div>
      <p><a href="/quarters/${quarter}/m/${m.code}">← Назад</a></p>`;
    return ctx.send(reply, 200, { title: 'Ссылка', body, user: shellUser(viewer), narrow: true });
  });

  app.post<MParams>('/quarters/:quarter/m/:code/revoke-links', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    const quarter = quarterParam(request.params.quarter);
    const m = await municipality(request.params.code);
    const revoked = await revokeMunicipalityTokens(ctx.db, quarter, m.code);
    await audit(request, viewer, {
      quarter,
      municipality: m.code,
      action: 'token.revoke',
      detail: { revoked },
    });
    return reply.redirect(`/quarters/${quarter}/m/${m.code}?done=revoke-links`, 303);
  });

  app.post<QParams>('/quarters/:quarter/close', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    const quarter = quarterParam(request.params.quarter);
    request.svodkaBack = `/quarters/${quarter}`;
    if (formField(request.body, 'confirm') !== 'yes')
      throw badRequest('Отметьте подтверждение, чтобы закрыть прием сведений.');
    await requireQuarterStatus(ctx.temporal, quarter, ctx.db);
    await act(ctx, request, viewer.user.login, closeCollection, {
      quarter,
      requestId: formRequestId(formField(request.body, REQUEST_ID_FIELD, 200)),
    });
    return reply.redirect(`/quarters/${quarter}?done=close`, 303);
  });

  // --- the report ---
  app.get<QParams & { Querystring: { done?: string } }>(
    '/quarters/:quarter/report',
    async (request, reply) => {
      const viewer = await ctx.requireViewer(request, reply);
      if (!viewer) return reply;
      const quarter = quarterParam(request.params.quarter);
      const status = await requireQuarterStatus(ctx.temporal, quarter, ctx.db);
      const reportId = status.finalReportId ?? status.draftReportId;
      const coordinator = viewer.user.role === 'coordinator';
      let preview: Html = html``;
      let meta: Html = html``;
      if (reportId) {
        const row = await ctx.db.report.findUnique({ where: { id: reportId } });
        const bytes = await reportBytes(ctx.db, ctx.files, reportId);
        const report = readReportDocx(bytes);
        const review = status.finalReportId ? null : await draftReview(ctx, viewer, status, report.sections);
        meta = html`<div class="card">
          <dl class="facts">
            <div>
              <dt>${status.finalReportId ? 'Итоговый отчет' : 'Проект отчета'}</dt>
              <dd>
                ${row?.eventCount ?? 0}
                ${plural(row?.eventCount ?? 0, 'мероприятие', 'мероприятия', 'мероприятий')}
              </dd>
            </div>
            <div>
              <dt>Сформирован</dt>
              <dd>${moscowDateTime(row?.createdAt)}</dd>
            </div>
            ${
              row?.signer
                ? html`<div>
                    <dt>Подписал</dt>
                    <dd>${row.signer}${row.position ? `, ${row.position}` : ''}</dd>
                  </div>`
                : ''
            }
            ${
              status.finalReportId
                ? html`<div>
                    <dt>SHA-256</dt>
                    <dd class="sha">${status.finalSha256}</dd>
                  </div>`
                : ''
            }
          </dl>
          <a
            class="button"
            href="/quarters/${quarter}/report.docx?kind=${status.finalReportId ? 'final' : 'draft'}"
            >Скачать ${status.finalReportId ? 'итоговый отчет' : 'проект'} (.docx)</a
          >
          <a class="button secondary" href="/quarters/${quarter}/report.xlsx?kind=${status.finalReportId ? 'final' : 'draft'}"
            >Таблица (.xlsx)</a
          >
          ${status.finalReportId ? html`<a class="button secondary" href="/quarters/${quarter}/report.pdf">PDF</a>` : ''}
        </div>`;
        preview = html`${review?.findings ?? ''}<h2>${status.finalReportId ? 'Итоговый отчет' : 'Проект отчета'}</h2>
          <div class="card">
            <p><strong>${multiline(report.title)}</strong></p>
            <table class="report">
              <thead>
                <tr>
                  ${review?.head ?? ''}${report.headers.map((h) => html`<th>${multiline(h)}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${report.sections.map(
                  (section, s) =>
                    html`${
                      section.title
                        ? html`<tr class="section">
                            <td colspan="${Math.max(report.headers.length, 1) + (review?.picking ? 1 : 0)}">${section.title}</td>
                          </tr>`
                        : ''
                    }${section.rows.map(
                      (r) =>
                        html`<tr>
                          ${review?.pick(s, r.number) ?? ''}<td class="nowrap">${r.number}</td>
                          ${r.cells.map((c) => html`<td>${multiline(c)}</td>`)}
                        </tr>`,
                    )}`,
                )}
              </tbody>
            </table>
            <div class="trailing">${report.trailing.map((p) => html`<p>${multiline(p)}</p>`)}</div>
          </div>
          ${review?.form ?? ''}`;
      }
      const waiting = status.municipalities.filter((m) => !isSettled(m.state));
      const stale = !status.finalReportId && status.draftReportId && status.phase !== 'awaiting_approval';
      const canApprove = coordinator && status.phase === 'awaiting_approval' && !status.finalReportId;
      const body = html`<h1>Отчет: ${quarterName(quarter)}${otherRegion(request, quarter)}</h1>
        ${quarterNav(quarter, 'report')} ${doneMessage(request.query.done)}
        ${
          !reportId
            ? html`<div class="notice">
                <p class="big">Проект отчета еще не готов.</p>
                <p>
                  Ждем ответа от ${waiting.length}
                  ${plural(waiting.length, 'муниципального образования', 'муниципальных образований', 'муниципальных образований')}.
                  Проект сформируется, когда ответят все (или когда координатор закроет прием).
                </p>
              </div>`
            : ''
        }
        ${stale ? html`<div class="warn">Проект ниже устарел: после него изменились ответы. Новый проект сформируется, когда ответят все.</div>` : ''}
        ${canApprove ? html`<div class="notice">Проверьте проект отчета ниже. <a href="#sign">Форма подписания — в конце страницы.</a></div>` : ''}
        ${meta} ${status.finalReportId ? await signOffCard(ctx, viewer, quarter) : ''} ${preview}
        ${
          canApprove
            ? html`<h2 id="sign">Подписание</h2>
                <div class="card">
                  <form method="post" action="/quarters/${quarter}/approve">
                    <input type="hidden" name="_csrf" value="${viewer.csrf}" />${requestIdInput()}
                    <label for="signer">Кто подписывает (фамилия и инициалы)</label>
                    <input
                      type="text"
                      id="signer"
                      name="signer"
                      required
                      maxlength="200"
                      placeholder="И. И. Иванов"
                    />
                    <label for="position">Должность</label>
                    <input
                      type="text"
                      id="position"
                      name="position"
                      required
                      maxlength="300"
                      placeholder="Начальник департамента"
                    />
                    <p class="muted">
                      После подписания формируется итоговый отчет с SHA-256, он рассылается получателям, и
                      прием сведений за квартал закрывается окончательно.
                    </p>
                    ${
                      viewer.via === 'session'
                        ? html`<label for="reauth">Ваш пароль (подтверждение подписи)</label>
                            <input
                              type="password"
                              id="reauth"
                              name="password"
                              required
                              autocomplete="current-password"
                            />`
                        : ''
                    }
                    <button type="submit">Подписать отчет</button>
                  </form>
                </div>`
            : ''
        }`;
      return ctx.send(reply, 200, {
        title: `Отчет — ${quarterName(quarter)}`,
        body,
        user: shellUser(viewer),
      });
    },
  );

  app.post<QParams>('/quarters/:quarter/approve', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    const quarter = quarterParam(request.params.quarter);
    request.svodkaBack = `/quarters/${quarter}/report`;
    const signer = formField(request.body, 'signer', 200).trim();
    const position = formField(request.body, 'position', 300).trim() || null;
    if (!signer) throw badRequest('Укажите, кто подписывает отчет.');
    // Sign-off is the one act that cannot be undone: a session left open on a desk is not enough.
    // (Behind an authenticating proxy the proxy vouches for the user; there is no password of ours.)
    if (viewer.via === 'session') {
      const check = await signInCheck(
        ctx.db,
        viewer.user.login,
        formField(request.body, 'password', 1000),
        ctx.config.lockout ?? DEFAULT_LOCKOUT,
      );
      if (!check.ok) {
        await audit(request, viewer, { quarter, municipality: null, action: 'report.approve.reauth-failed' });
        throw new PortalError(
          403,
          'Подпись не подтверждена',
          'Пароль не подошел. Введите пароль своей учетной записи еще раз, чтобы подписать отчет.',
        );
      }
    }
    await act(ctx, request, viewer.user.login, approveReport, {
      quarter,
      requestId: formRequestId(formField(request.body, REQUEST_ID_FIELD, 200)),
      signer,
      position,
    });
    return reply.redirect(`/quarters/${quarter}/report?done=approved`, 303);
  });
}

type DecisionTarget = { quarter: string; municipality: string; requestId: string };
