// The municipality's page, reached by the token link of its emails: its own status and answers,
// the template, a file upload, rows typed into a form, or «мероприятия не проводились». A token
// opens one municipality of one quarter; everything here is read and written under that scope.
import { LRUCache } from 'lru-cache';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { queueAnswer } from '../../application/queue-answer';
import type { AnswerReceipt } from '../../application/queue-answer';
import type { SubmitAnswerInput } from '../../application/submit-answer';
import { findInboxEntry } from '../../infrastructure/answer-inbox';
import { createTemplateFactory } from '../../infrastructure/docx/template-cache';
import { buildTemplateXlsx } from '../../infrastructure/docx/template-xlsx';
import { XLSX_TYPE } from '../../infrastructure/export/report-xlsx';
import { resolveToken, tokenHash } from '../../infrastructure/tokens';
import type { TokenScope } from '../../infrastructure/tokens';
import { MAX_UPLOAD_BYTES } from '../../infrastructure/uploads';
import { parseQuarter, quarterPhrase } from '../../domain/quarter';
import { COLUMN_KEYS } from '../../domain/types';
import type { ColumnKey, EventRow, Finding } from '../../domain/types';
import { COLUMN_TITLES, formatFinding } from '../../domain/validate';
import type { SubmissionResult } from '../../workflows/api';
import { describeSubmission } from '../../domain/submission-text';
import { act, formRequestId, REQUEST_ID_FIELD, requestIdInput } from './actions';
import { badRequest, PortalError } from './errors';
import {
  attachmentDisposition,
  CHANNEL_LABELS,
  DOCX_TYPE,
  moscowDateTime,
  plural,
  quarterName,
  russianDate,
  SEVERITY_LABELS,
  stateBadge,
} from './format';
import { html } from './html';
import type { Html } from './html';
import { readUploadForm } from './multipart';
import { FORM_BODY_LIMIT, formField } from './context';
import type { PortalContext } from './context';
import { fetchQuarterStatus, municipalityStanding } from './workflow';
import type { Standing } from './workflow';

type MunicipalityRow = {
  code: string;
  name: string;
  sectionTitle: string;
  position: number;
  email: string;
  headEmail: string | null;
};

type TokenPage = {
  scope: TokenScope;
  municipality: MunicipalityRow;
  /** /m/<token> */
  base: string;
  csrf: string;
  quarterTitle: string;
};

/** Most rows the form shows and takes; a longer list is better sent as a file. */
const MAX_FORM_ROWS = 200;
const MAX_CELL = 20_000;

type TokenParams = { Params: { token: string } };

/**
 * How long the portal trusts a municipality's registry row (its name and addresses on the page)
 * and what it has stored this quarter (the quota) before it reads them again: one read each per
 * municipality every few seconds, not one per request (the upload path's budget is a few
 * milliseconds). The link itself is checked on every request, so a revocation counts at once.
 */
const MUNICIPALITY_TTL_MS = 5_000;

type PortalCaches = {
  municipalities: LRUCache<string, MunicipalityRow>;
  /** Bytes stored per quarter and municipality: read from the database, plus what this process added since. */
  stored: LRUCache<string, { bytes: number }>;
};

const portalCaches = new WeakMap<PortalContext, PortalCaches>();

function cachesOf(ctx: PortalContext): PortalCaches {
  let caches = portalCaches.get(ctx);
  if (caches) return caches;
  caches = {
    municipalities: new LRUCache<string, MunicipalityRow>({
      max: 50_000,
      ttl: MUNICIPALITY_TTL_MS,
      // A code not in the registry is not kept: it is asked again next time.
      fetchMethod: async (code) => (await ctx.db.municipality.findUnique({ where: { code } })) ?? undefined,
    }),
    stored: new LRUCache<string, { bytes: number }>({
      max: 50_000,
      ttl: MUNICIPALITY_TTL_MS,
      fetchMethod: async (key) => {
        const [quarter, municipality] = key.split('\u0000') as [string, string];
        const { _sum } = await ctx.db.upload.aggregate({
          where: { quarter, municipality },
          _sum: { size: true },
        });
        return { bytes: _sum.size ?? 0 };
      },
    }),
  };
  portalCaches.set(ctx, caches);
  return caches;
}

async function openToken(ctx: PortalContext, request: FastifyRequest<TokenParams>): Promise<TokenPage> {
  const token = request.params.token;
  const known = request.svodkaToken;
  const scope = known?.token === token ? known.scope : await resolveToken(ctx.db, token);
  if (!scope) {
    throw new PortalError(
      404,
      'Ссылка недействительна',
      'Ссылка недействительна или больше не действует. Откройте ссылку из последнего письма о сборе сведений ' +
        'или обратитесь к координатору.',
    );
  }
  const municipality = (await cachesOf(ctx).municipalities.fetch(scope.municipality)) ?? null;
  if (!municipality)
    throw new PortalError(
      404,
      'Ссылка недействительна',
      'Муниципальное образование этой ссылки не найдено в реестре.',
    );
  const base = `/m/${token}`;
  request.svodkaBack = base;
  return {
    scope,
    municipality,
    base,
    csrf: ctx.csrf.forToken(tokenHash(token)),
    quarterTitle: quarterName(scope.quarter),
  };
}

async function standingOf(ctx: PortalContext, tp: TokenPage): Promise<Standing> {
  const standing = await municipalityStanding(ctx.temporal, ctx.db, tp.scope.quarter, tp.scope.municipality);
  if (!standing) {
    throw new PortalError(
      404,
      'Сбор сведений не найден',
      `Сбор сведений за ${tp.quarterTitle} еще не начат. Дождитесь письма с запросом.`,
    );
  }
  return standing;
}

function closedError(tp: TokenPage): PortalError {
  return new PortalError(
    409,
    'Сбор сведений закрыт',
    `Сбор сведений за ${tp.quarterTitle} закрыт. Сведения больше не принимаются.`,
  );
}

/** The standing, refusing with «closed» or «excused» when no answer can be taken. */
async function openForAnswers(ctx: PortalContext, tp: TokenPage): Promise<Standing> {
  const standing = await standingOf(ctx, tp);
  if (standing.closed) throw closedError(tp);
  if (standing.summary.state === 'excused') {
    throw new PortalError(
      409,
      'Сведения не требуются',
      'Координатор освободил вас от представления сведений за этот квартал.',
    );
  }
  return standing;
}

function shell(
  ctx: PortalContext,
  reply: FastifyReply,
  tp: TokenPage,
  status: number,
  title: string,
  body: Html,
) {
  return ctx.send(reply, status, {
    title: `${title} — ${tp.municipality.name}`,
    subtitle: `${tp.municipality.name} · сведения о мероприятиях в международной сфере за ${tp.quarterTitle}`,
    body,
    narrow: true,
  });
}

/** What one municipality may store for one quarter, all versions together. */
export const DEFAULT_STORAGE_QUOTA_BYTES = 200 * 1024 * 1024;

const storedKey = (tp: TokenPage) => `${tp.scope.quarter}\u0000${tp.scope.municipality}`;

/**
 * Refuses an answer that would take the municipality's stored bytes for the quarter past the quota.
 * What other portal processes stored in the last few seconds may not be counted yet: the quota
 * bounds abuse over a quarter, and the upload rate limit bounds what a few seconds can add.
 */
async function withinStorageQuota(ctx: PortalContext, tp: TokenPage, adding: number): Promise<void> {
  const quota = ctx.config.storageQuotaBytes ?? DEFAULT_STORAGE_QUOTA_BYTES;
  const stored = await cachesOf(ctx).stored.fetch(storedKey(tp));
  if ((stored?.bytes ?? 0) + adding <= quota) return;
  throw new PortalError(
    413,
    'Превышен объем',
    `За ${tp.quarterTitle} от вашего муниципального образования уже получено слишком много файлов ` +
      `(допускается ${Math.round(quota / 1024 / 1024)} МБ на квартал). Обратитесь к координатору.`,
  );
}

/** Counts an answer this process stored towards the municipality's quota at once. */
function countStored(ctx: PortalContext, tp: TokenPage, bytes: number): void {
  const stored = cachesOf(ctx).stored.get(storedKey(tp));
  if (stored) stored.bytes += bytes;
}

/**
 * Queues the answer as the municipality the token opens (its request id came with the form) and
 * sends the clerk to its receipt at once; the inbox delivers it to the workflow behind. Whether the
 * quarter still takes answers is the workflow's word (its validator): a refusal reaches the receipt.
 */
async function submit(
  ctx: PortalContext,
  request: FastifyRequest,
  reply: FastifyReply,
  tp: TokenPage,
  requestId: unknown,
  answer: SubmitAnswerInput['answer'],
) {
  const { quarter, municipality } = tp.scope;
  // What the answer adds to the municipality's stored bytes: checked against the quota before it is
  // queued, counted at once after.
  const adding =
    answer.kind === 'file'
      ? answer.bytes.length
      : answer.kind === 'form'
        ? Buffer.byteLength(JSON.stringify(answer.rows))
        : 0;
  if (adding > 0) await withinStorageQuota(ctx, tp, adding);
  const receipt: AnswerReceipt = await act(ctx, request, municipality, queueAnswer, {
    quarter,
    municipality,
    requestId: formRequestId(requestId),
    answer,
  });
  if (adding > 0) countStored(ctx, tp, adding);
  return reply.redirect(receiptPath(tp, receipt.requestId), 303);
}

function receiptPath(tp: TokenPage, requestId: string): string {
  return `${tp.base}/received/${encodeURIComponent(requestId)}`;
}

/**
 * When the receipt page looks again, in seconds, by how many times it has (no script, a plain
 * refresh): soon while a check usually ends, then seldom — a clerk waiting a minute makes ten
 * requests, not thirty, and two clerks behind one office address stay under its per-address limit.
 */
const RECEIPT_REFRESH_S = [2, 2, 3, 3, 5, 5, 10];

function receiptRefresh(path: string, looked: number): { seconds: number; url: string } {
  const seconds = RECEIPT_REFRESH_S[Math.min(looked, RECEIPT_REFRESH_S.length - 1)]!;
  return { seconds, url: `${path}?n=${Math.min(looked + 1, 999)}` };
}

function findingList(findings: Finding[]): Html {
  if (findings.length === 0) return html``;
  const order = { error: 0, warning: 1, info: 2 } as const;
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  return html`<ul class="findings">
    ${sorted.map(
      (f) =>
        html`<li>
          <strong class="${f.severity === 'error' ? 'error-text' : ''}"
            >${SEVERITY_LABELS[f.severity] ?? f.severity}:</strong
          >
          ${formatFinding(f)}
        </li>`,
    )}
  </ul>`;
}

function stateMessage(standing: Standing, tp: TokenPage): Html {
  const s = standing.summary;
  if (standing.closed) {
    return html`<div class="bad">
      <p class="big">Сбор сведений за ${tp.quarterTitle} закрыт.</p>
      <p>
        ${standing.status.phase === 'approved' || standing.status.finalReportId ? 'Сводный отчет подписан; ' : ''}сведения
        больше не принимаются. Если нужно что-то исправить, обратитесь к координатору.
      </p>
    </div>`;
  }
  switch (s.state) {
    case 'accepted':
      return html`<div class="ok">
        <p class="big">Ваши сведения приняты.</p>
        <p>
          ${s.nil ? 'Принято сообщение «мероприятия не проводились».' : `Мероприятий: ${s.rowCount}.`} Если
          нужно что-то исправить, отправьте сведения снова — новая версия заменит принятую.
        </p>
      </div>`;
    case 'rejected':
      return html`<div class="bad">
        <p class="big">Последняя версия сведений не принята.</p>
        <p>Исправьте ошибки, перечисленные ниже в разделе «Ваши ответы», и отправьте сведения снова.</p>
      </div>`;
    case 'reopened':
      return html`<div class="warn">
        <p class="big">Координатор вернул сведения на доработку.</p>
        <p>
          Комментарий координатора — в письме. Направьте исправленные сведения до ${russianDate(s.deadline)}.
        </p>
      </div>`;
    case 'excused':
      return html`<div class="notice">
        <p class="big">Сведения за этот квартал не требуются.</p>
        <p>
          Координатор освободил вас от представления
          сведений${s.excuseReason ? html`. Причина: ${s.excuseReason}` : ''}.
        </p>
      </div>`;
    case 'overdue':
      return html`<div class="warn">
        <p class="big">Срок представления сведений истек ${russianDate(s.deadline)}.</p>
        <p>Просим направить сведения как можно скорее.</p>
      </div>`;
    case 'submitted':
      return html`<div class="notice">
        <p class="big">Сведения проверяются.</p>
        <p>Обновите страницу через несколько секунд.</p>
      </div>`;
    default:
      return html`<div class="notice">
        <p class="big">Ждем ваши сведения до ${russianDate(s.deadline)} включительно.</p>
        <p>
          Выберите удобный способ ниже. Отправить можно несколько раз: учитывается последняя принятая версия.
        </p>
      </div>`;
  }
}

async function versionsTable(ctx: PortalContext, tp: TokenPage): Promise<Html> {
  const versions = await ctx.db.submission.findMany({
    where: { quarter: tp.scope.quarter, municipality: tp.scope.municipality },
    orderBy: { version: 'desc' },
  });
  if (versions.length === 0) return html`<p class="muted">Вы еще не отправляли сведения за этот квартал.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th>Версия</th>
        <th>Когда</th>
        <th>Как</th>
        <th>Результат</th>
        <th>Замечания</th>
      </tr>
    </thead>
    <tbody>
      ${versions.map((v) => {
        const findings = JSON.parse(v.findings) as Finding[];
        const errors = findings.filter((f) => f.severity === 'error').length;
        const rest = findings.length - errors;
        return html`<tr>
          <td class="num"><a href="${tp.base}/versions/${v.version}">${v.version}</a></td>
          <td class="nowrap">${moscowDateTime(v.createdAt)}</td>
          <td>
            ${v.kind === 'nil' ? 'мероприятия не проводились' : (CHANNEL_LABELS[v.channel] ?? v.channel)}
          </td>
          <td>
            ${v.status === 'accepted' ? html`<span class="st st-accepted">принята</span>` : html`<span class="st st-rejected">не принята</span>`}${v.kind !== 'nil' && v.status === 'accepted' ? html` <span class="muted">(${v.rowCount} ${plural(v.rowCount, 'мероприятие', 'мероприятия', 'мероприятий')})</span>` : ''}
          </td>
          <td>
            ${errors ? html`<a href="${tp.base}/versions/${v.version}">${errors} ${plural(errors, 'ошибка', 'ошибки', 'ошибок')}</a>` : ''}${errors && rest ? ', ' : ''}${rest ? `${rest} ${plural(rest, 'замечание', 'замечания', 'замечаний')}` : ''}${findings.length === 0 ? '—' : ''}
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

function answerForms(tp: TokenPage): Html {
  return html`<h2>Как представить сведения</h2>
    <div class="card">
      <h3>1. Загрузить заполненный шаблон Word</h3>
      <p>
        <a class="button secondary" href="${tp.base}/template.docx">Скачать шаблон (.docx)</a>
        <a class="button secondary" href="${tp.base}/template.xlsx">Шаблон в Excel (.xlsx)</a>
      </p>
      <p class="muted">
        Заполните таблицу шаблона: одна строка — одно мероприятие; заголовки столбцов не меняйте. Сохраните
        как «Документ Word (.docx)» (или ту же таблицу как «Книга Excel (.xlsx)»), не больше
        ${MAX_UPLOAD_BYTES / 1024 / 1024} МБ.
      </p>
      <form method="post" action="${tp.base}/upload" enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value="${tp.csrf}" />${requestIdInput()}
        <label for="file">Файл с заполненной таблицей</label>
        <input
          type="file"
          id="file"
          name="file"
          accept=".docx,.xlsx,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          required
        />
        <div><button type="submit">Отправить файл</button></div>
      </form>
    </div>
    <div class="card">
      <h3>2. Заполнить таблицу на этой странице</h3>
      <p>
        Если мероприятий немного, внесите их в форму: по пять полей на каждое мероприятие. Черновик можно
        сохранить и вернуться к нему позже.
      </p>
      <p><a class="button secondary" href="${tp.base}/form">Открыть форму</a></p>
    </div>
    <div class="card">
      <h3>3. Мероприятия не проводились</h3>
      <form method="post" action="${tp.base}/nil">
        <input type="hidden" name="_csrf" value="${tp.csrf}" />${requestIdInput()}
        <label class="check"
          ><input type="checkbox" name="confirm" value="yes" required />
          <span
            >Подтверждаю: ${quarterPhrase(parseQuarter(tp.scope.quarter), { vo: true })} органы местного
            самоуправления муниципального образования мероприятий в международной сфере не проводили.</span
          ></label
        >
        <button type="submit">Сообщить: мероприятия не проводились</button>
      </form>
    </div>`;
}

// --- the form: rows typed into the page -----------------------------------------------------

const EMPTY_ROW: EventRow = { title: '', place: '', dates: '', purpose: '', participants: '' };
const PLACEHOLDERS: Record<ColumnKey, string> = {
  title: 'Например: Визит делегации города-побратима',
  place: 'Например: г. Вязьма, администрация района',
  dates: 'Например: 3–5 апреля 2023 года',
  purpose: 'Цель, содержание, результат; подписанные документы',
  participants: 'Сколько участников, кто, из каких стран',
};

function isBlankRow(row: EventRow): boolean {
  return COLUMN_KEYS.every((k) => row[k].trim() === '');
}

function rowsFromBody(body: unknown): EventRow[] {
  const count = Math.min(MAX_FORM_ROWS, Math.max(0, Number.parseInt(formField(body, 'count'), 10) || 0));
  const rows: EventRow[] = [];
  for (let i = 0; i < count; i++) {
    const row = {} as EventRow;
    for (const key of COLUMN_KEYS)
      row[key] = formField(body, `r${i}_${key}`, MAX_CELL).replace(/\r\n?/g, '\n');
    rows.push(row);
  }
  return rows;
}

function parseDraft(json: string): EventRow[] {
  try {
    const value = JSON.parse(json) as unknown;
    if (!Array.isArray(value)) return [];
    return value.slice(0, MAX_FORM_ROWS).map((r) => {
      const row = {} as EventRow;
      for (const key of COLUMN_KEYS)
        row[key] =
          typeof (r as Record<string, unknown>)?.[key] === 'string'
            ? String((r as Record<string, string>)[key])
            : '';
      return row;
    });
  } catch {
    return [];
  }
}

async function formRows(
  ctx: PortalContext,
  tp: TokenPage,
): Promise<{ rows: EventRow[]; from: 'draft' | 'submission' | 'new' }> {
  const { quarter, municipality } = tp.scope;
  const draft = await ctx.db.formDraft.findUnique({
    where: { quarter_municipality: { quarter, municipality } },
  });
  if (draft) {
    const rows = parseDraft(draft.rows);
    if (rows.length > 0) return { rows, from: 'draft' };
  }
  // No draft: start from the rows of the latest answer that had any, so a correction starts there.
  const latest = await ctx.db.submission.findFirst({
    where: { quarter, municipality, rowCount: { gt: 0 } },
    orderBy: { version: 'desc' },
    include: { rows: { orderBy: { position: 'asc' } } },
  });
  if (latest && latest.rows.length > 0) {
    return {
      rows: latest.rows.slice(0, MAX_FORM_ROWS).map((r) => ({
        title: r.title,
        place: r.place,
        dates: r.dates,
        purpose: r.purpose,
        participants: r.participants,
      })),
      from: 'submission',
    };
  }
  return { rows: [{ ...EMPTY_ROW }], from: 'new' };
}

async function saveDraft(ctx: PortalContext, tp: TokenPage, rows: EventRow[]): Promise<void> {
  const { quarter, municipality } = tp.scope;
  const json = JSON.stringify(rows);
  await ctx.db.formDraft.upsert({
    where: { quarter_municipality: { quarter, municipality } },
    create: { quarter, municipality, rows: json },
    update: { rows: json },
  });
}

function formPage(tp: TokenPage, rows: EventRow[], message: Html | null): Html {
  return html`<h1>Сведения о мероприятиях: заполнение на странице</h1>
    <p><a href="${tp.base}">← К странице муниципального образования</a></p>
    ${message ?? ''}
    <p class="muted">
      Одно мероприятие — один блок из пяти полей. Сроки пишите словами, с годом: «3 апреля 2023 года», «3–5
      апреля 2023 года»; если известен только месяц — «Апрель 2023 года». Пустые блоки при отправке не
      учитываются.
    </p>
    <form method="post" action="${tp.base}/form">
      <input type="hidden" name="_csrf" value="${tp.csrf}" />${requestIdInput()}
      <input type="hidden" name="count" value="${rows.length}" />
      ${rows.map(
        (row, i) =>
          html`<fieldset id="row-${i + 1}">
            <legend>Мероприятие ${i + 1}</legend>
            ${COLUMN_KEYS.map(
              (key) =>
                html`<label for="r${i}_${key}">${COLUMN_TITLES[key]}</label>
                  <textarea
                    id="r${i}_${key}"
                    name="r${i}_${key}"
                    rows="${key === 'purpose' || key === 'participants' ? 3 : 2}"
                    placeholder="${PLACEHOLDERS[key]}"
                  >
${row[key]}</textarea>`,
            )}
            ${rows.length > 1 ? html`<div><button type="submit" class="secondary small" name="action" value="remove-${i}">Удалить мероприятие ${i + 1}</button></div>` : ''}
          </fieldset>`,
      )}
      <div class="actions">
        ${rows.length < MAX_FORM_ROWS ? html`<button type="submit" class="secondary" name="action" value="add">Добавить мероприятие</button>` : ''}
        <button type="submit" class="secondary" name="action" value="save">Сохранить черновик</button>
        <button type="submit" name="action" value="submit">Отправить сведения</button>
      </div>
    </form>`;
}

// --- routes -------------------------------------------------------------------------------------

/** How long the portal trusts what the quarter said about itself before it asks again. */
const QUARTER_STANDING_TTL_MS = 5_000;

export function registerMunicipalityRoutes(app: FastifyInstance, ctx: PortalContext): void {
  const buildTemplate = createTemplateFactory();
  // Before an answer is stored: the quarter must be running and not signed off. One query per
  // quarter every few seconds, not one per upload — the workflow's own validator refuses the rest
  // (closed, excused) and the receipt page says so. fetch() shares one lookup among the uploads
  // that arrive while it runs.
  const quarterStanding = new LRUCache<string, { signedOff: boolean; found: boolean }>({
    max: 1000,
    ttl: QUARTER_STANDING_TTL_MS,
    fetchMethod: async (quarter) => {
      const status = await fetchQuarterStatus(ctx.temporal, quarter, ctx.db);
      return {
        found: status !== null,
        signedOff: status !== null && (status.phase === 'approved' || status.finalReportId !== null),
      };
    },
  });
  const quarterTakesAnswers = async (tp: TokenPage): Promise<void> => {
    const known = await quarterStanding.fetch(tp.scope.quarter);
    if (!known) throw new Error(`quarter standing of ${tp.scope.quarter} not fetched`);
    if (!known.found)
      throw new PortalError(
        404,
        'Сбор сведений не найден',
        `Сбор сведений за ${tp.quarterTitle} не запущен.`,
      );
    if (known.signedOff) throw closedError(tp);
  };
  app.get<TokenParams>('/m/:token', ctx.limits.token, async (request, reply) => {
    const tp = await openToken(ctx, request);
    const standing = await standingOf(ctx, tp);
    const s = standing.summary;
    const canAnswer = !standing.closed && s.state !== 'excused';
    const body = html`<h1>${tp.municipality.name}</h1>
      <p class="muted">
        Сведения о мероприятиях в международной сфере, проведенных органами местного самоуправления, за
        ${tp.quarterTitle}
      </p>
      ${stateMessage(standing, tp)}
      ${
        standing.closed && !s.deadline
          ? ''
          : html`<div class="card">
              <dl class="facts">
                <div>
                  <dt>Состояние</dt>
                  <dd>${stateBadge(s.state)}</dd>
                </div>
                ${
                  s.deadline
                    ? html`<div>
                        <dt>Срок</dt>
                        <dd>до ${russianDate(s.deadline)} включительно</dd>
                      </div>`
                    : ''
                }
                <div>
                  <dt>Напоминаний отправлено</dt>
                  <dd>${s.reminders + s.escalations}</dd>
                </div>
                <div>
                  <dt>Версий отправлено</dt>
                  <dd>${s.versions}</dd>
                </div>
              </dl>
            </div>`
      }
      ${canAnswer ? answerForms(tp) : ''}
      <h2>Ваши ответы</h2>
      ${await versionsTable(ctx, tp)}`;
    return shell(ctx, reply, tp, 200, 'Сведения', body);
  });

  // The blank template: a Word file, or the same table as an Excel workbook for clerks who keep it
  // in Excel. Both are built per request (CPU), so both count against the link's address limit.
  const templates = {
    docx: { type: DOCX_TYPE, build: buildTemplate },
    xlsx: { type: XLSX_TYPE, build: buildTemplateXlsx },
  } as const;
  for (const [ext, template] of Object.entries(templates))
    app.get<TokenParams>(`/m/:token/template.${ext}`, ctx.limits.token, async (request, reply) => {
      const tp = await openToken(ctx, request);
      await openForAnswers(ctx, tp);
      const bytes = await template.build({
        municipality: tp.municipality,
        quarter: parseQuarter(tp.scope.quarter),
      });
      const name = `${tp.scope.quarter}-${tp.municipality.code}.${ext}`;
      return reply
        .type(template.type)
        .header('Content-Disposition', attachmentDisposition(`шаблон-${name}`, `template-${name}`))
        .send(bytes);
    });

  app.post<TokenParams>('/m/:token/upload', ctx.limits.upload, async (request, reply) => {
    const tp = await openToken(ctx, request);
    const form = await readUploadForm(request);
    ctx.checkCsrf(tp.csrf, form.fields._csrf);
    if (!form.file)
      throw badRequest(
        'Файл не выбран или пуст. Нажмите «Выберите файл», укажите заполненный шаблон (.docx) и отправьте снова.',
      );
    await quarterTakesAnswers(tp);
    return submit(ctx, request, reply, tp, form.fields[REQUEST_ID_FIELD], {
      kind: 'file',
      fileName: form.file.fileName,
      bytes: form.file.bytes,
    });
  });

  app.post<TokenParams>('/m/:token/nil', ctx.limits.upload, async (request, reply) => {
    const tp = await openToken(ctx, request);
    ctx.checkCsrf(tp.csrf, formField(request.body, '_csrf'));
    if (formField(request.body, 'confirm') !== 'yes') {
      throw badRequest(
        'Отметьте, что мероприятия в международной сфере не проводились, и нажмите кнопку снова.',
      );
    }
    await quarterTakesAnswers(tp);
    return submit(ctx, request, reply, tp, formField(request.body, REQUEST_ID_FIELD), { kind: 'nil' });
  });

  app.get<TokenParams & { Querystring: { saved?: string } }>(
    '/m/:token/form',
    ctx.limits.token,
    async (request, reply) => {
      const tp = await openToken(ctx, request);
      await openForAnswers(ctx, tp);
      const { rows, from } = await formRows(ctx, tp);
      const message =
        request.query.saved === '1'
          ? html`<div class="ok">Черновик сохранен. Можно вернуться к нему позже по той же ссылке.</div>`
          : from === 'draft'
            ? html`<div class="notice">Открыт сохраненный черновик.</div>`
            : from === 'submission'
              ? html`<div class="notice">
                В форму подставлены строки из вашей последней отправки — исправьте их и отправьте снова.
              </div>`
              : null;
      return shell(ctx, reply, tp, 200, 'Форма', formPage(tp, rows, message));
    },
  );

  app.post<TokenParams>(
    '/m/:token/form',
    { ...ctx.limits.token, bodyLimit: FORM_BODY_LIMIT },
    async (request, reply) => {
      const tp = await openToken(ctx, request);
      ctx.checkCsrf(tp.csrf, formField(request.body, '_csrf'));
      await openForAnswers(ctx, tp);
      let rows = rowsFromBody(request.body);
      const action = formField(request.body, 'action');
      const removing = /^remove-(\d+)$/.exec(action);
      if (action === 'add') {
        if (rows.length < MAX_FORM_ROWS) rows.push({ ...EMPTY_ROW });
        await saveDraft(ctx, tp, rows);
        return reply.redirect(`${tp.base}/form#row-${rows.length}`, 303);
      }
      if (removing) {
        const index = Number(removing[1]);
        rows = rows.filter((_, i) => i !== index);
        if (rows.length === 0) rows.push({ ...EMPTY_ROW });
        await saveDraft(ctx, tp, rows);
        return reply.redirect(`${tp.base}/form`, 303);
      }
      if (action !== 'submit') {
        await saveDraft(ctx, tp, rows.length > 0 ? rows : [{ ...EMPTY_ROW }]);
        return reply.redirect(`${tp.base}/form?saved=1`, 303);
      }
      const filled = rows.filter((row) => !isBlankRow(row));
      if (filled.length === 0) {
        const message = html`<div class="bad">
        Заполните хотя бы одно мероприятие. Если мероприятий не было, вернитесь на страницу муниципального
        образования и выберите «Мероприятия не проводились».
      </div>`;
        return shell(
          ctx,
          reply,
          tp,
          422,
          'Форма',
          formPage(tp, rows.length > 0 ? rows : [{ ...EMPTY_ROW }], message),
        );
      }
      await saveDraft(ctx, tp, filled);
      // The draft stays until the answer is accepted (the inbox's dispatcher removes it then).
      return submit(ctx, request, reply, tp, formField(request.body, REQUEST_ID_FIELD), {
        kind: 'form',
        rows: filled,
      });
    },
  );

  // The receipt of a queued answer: «received, being checked», looking again every few seconds until
  // the version is recorded (then its page) or the workflow refused it (then why, in Russian).
  app.get<{ Params: { token: string; requestId: string }; Querystring: { n?: string } }>(
    '/m/:token/received/:requestId',
    ctx.limits.token,
    async (request, reply) => {
      const tp = await openToken(ctx, request);
      const entry = await findInboxEntry(ctx.db, request.params.requestId.slice(0, 200));
      if (!entry || entry.quarter !== tp.scope.quarter || entry.municipality !== tp.scope.municipality)
        throw new PortalError(404, 'Отправка не найдена', 'Такой отправки нет среди ваших ответов.');
      if (entry.state === 'delivered' && entry.result)
        return reply.redirect(`${tp.base}/versions/${entry.result.version}`, 303);
      const [what, received, checked] =
        entry.kind === 'nil'
          ? ['Сообщение «мероприятия не проводились»', 'получено', 'проверяется']
          : entry.channel === 'form'
            ? ['Сведения из формы', 'получены', 'проверяются']
            : ['Файл', 'получен', 'проверяется'];
      if (entry.state === 'refused') {
        const body = html`<h1>Ответ не принят к проверке</h1>
          <div class="bad">
            <p class="big">${what} ${received}, но принять ответ к проверке нельзя.</p>
            <p>${entry.refusal ?? 'Сбор сведений ответы не принимает.'}</p>
          </div>
          <p><a href="${tp.base}">← К странице муниципального образования</a></p>`;
        return shell(ctx, reply, tp, 409, 'Не принято', body);
      }
      const late = entry.attempts > 2 || entry.lastError !== null;
      const body = html`<h1>${what} ${received} и ${checked}</h1>
        <div class="notice">
          <p class="big">${what} ${received} ${moscowDateTime(entry.createdAt, true)} и ${checked}.</p>
          <p>
            Страница обновится сама через несколько секунд и покажет результат проверки. Результат придет и
            письмом.
          </p>
          ${late ? html`<p>Проверка задерживается. Ответ сохранен — отправлять его снова не нужно.</p>` : ''}
        </div>
        <p><a href="${tp.base}">← К странице муниципального образования</a></p>`;
      return ctx.send(reply, 200, {
        title: `Проверка — ${tp.municipality.name}`,
        subtitle: `${tp.municipality.name} · сведения о мероприятиях в международной сфере за ${tp.quarterTitle}`,
        body,
        narrow: true,
        refresh: receiptRefresh(
          receiptPath(tp, entry.requestId),
          /^\d{1,3}$/.test(request.query.n ?? '') ? Number(request.query.n) : 0,
        ),
      });
    },
  );

  app.get<{ Params: { token: string; version: string } }>(
    '/m/:token/versions/:version',
    ctx.limits.token,
    async (request, reply) => {
      const tp = await openToken(ctx, request);
      const version = Number(request.params.version);
      if (!Number.isInteger(version) || version < 1 || version > 100_000)
        throw new PortalError(404, 'Версия не найдена', 'Такой версии нет.');
      const row = await ctx.db.submission.findUnique({
        where: {
          quarter_municipality_version: {
            quarter: tp.scope.quarter,
            municipality: tp.scope.municipality,
            version,
          },
        },
      });
      if (!row) throw new PortalError(404, 'Версия не найдена', `Версии ${version} нет среди ваших ответов.`);
      const findings = JSON.parse(row.findings) as Finding[];
      const result: SubmissionResult = {
        accepted: row.status === 'accepted',
        version: row.version,
        submissionId: row.id,
        nil: row.kind === 'nil',
        rowCount: row.rowCount,
        findings,
      };
      const [headline] = describeSubmission(tp.municipality.name, result);
      const upload = row.uploadId ? await ctx.db.upload.findUnique({ where: { id: row.uploadId } }) : null;
      const warnings = findings.filter((f) => f.severity !== 'error');
      const body = html`<h1>
          Версия ${row.version}: ${result.accepted ? 'сведения приняты' : 'сведения не приняты'}
        </h1>
        ${
          result.accepted
            ? html`<div class="ok">
                <p class="big">
                  ${result.nil ? 'Принято: мероприятия не проводились.' : `Сведения приняты: ${result.rowCount} ${plural(result.rowCount, 'мероприятие', 'мероприятия', 'мероприятий')}.`}
                </p>
                <p>${headline}</p>
                ${
                  warnings.length
                    ? html`<p>Обратите внимание (сведения приняты, но координатор увидит эти замечания):</p>
                        ${findingList(warnings)}`
                    : ''
                }
              </div>`
            : html`<div class="bad">
                <p class="big">Сведения не приняты. Исправьте и отправьте снова.</p>
                <p>${headline}</p>
                ${findingList(findings)}
              </div>`
        }
        <div class="card">
          <dl class="facts">
            <div>
              <dt>Отправлено</dt>
              <dd>${moscowDateTime(row.createdAt, true)}</dd>
            </div>
            <div>
              <dt>Способ</dt>
              <dd>
                ${row.kind === 'nil' ? 'сообщение «мероприятия не проводились»' : (CHANNEL_LABELS[row.channel] ?? row.channel)}
              </dd>
            </div>
            ${
              upload
                ? html`<div>
                    <dt>Файл</dt>
                    <dd>${upload.fileName} (${Math.max(1, Math.round(upload.size / 1024))} КБ)</dd>
                  </div>`
                : ''
            }
          </dl>
        </div>
        ${!result.accepted && row.kind === 'rows' ? html`<p><a class="button" href="${tp.base}/form">Исправить в форме</a></p>` : ''}
        <p><a href="${tp.base}">← К странице муниципального образования</a></p>`;
      return shell(ctx, reply, tp, 200, `Версия ${row.version}`, body);
    },
  );
}
