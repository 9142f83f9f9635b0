// The coordinator's registry page: the region's municipal formations in region order, each with
// its addresses and head; a form to change them (a new address is where the next email goes, in the
// running quarter too), to move one in the order, to merge it into another, to retire it; a form to
// add one; the registry as CSV, downloaded and uploaded whole. Every change goes through the
// registry's use cases (application/), which audit it. The region's name for every page's header and
// footer is read here, once per request.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { addMunicipality } from '../../application/add-municipality';
import { exportRegistry } from '../../application/export-registry';
import { importRegistry, RegistryRejectedError } from '../../application/import-registry';
import { mergeMunicipality } from '../../application/merge-municipality';
import { moveMunicipality } from '../../application/move-municipality';
import { retireMunicipality } from '../../application/retire-municipality';
import { setMunicipality } from '../../application/set-municipality';
import type { UseCase } from '../../application/use-case';
import { regionOrNull } from '../../infrastructure/registry/region';
import type { RegionRecord } from '../../infrastructure/registry/region';
import { act, formRequestId, REQUEST_ID_FIELD, requestIdInput } from './actions';
import { formField } from './context';
import type { PortalContext } from './context';
import { badRequest, notFound, PortalError } from './errors';
import { moscowDateTime } from './format';
import { html } from './html';
import type { Html } from './html';
import { readUploadForm } from './multipart';
import { shellUser } from './layout';

declare module 'fastify' {
  interface FastifyRequest {
    /** The installation's region, for the page's header and footer (null before `db setup`). */
    svodkaRegion?: RegionRecord | null;
  }
}

/** A rename shows in every page within this long; one query a few seconds, not one a request. */
const REGION_TTL_MS = 5_000;

/** A registry this large is not a drop-down: the code is typed (and checked) instead. */
const MAX_SELECT = 300;

/** A rejected file's lines shown at most; the rest are counted. */
const MAX_SHOWN_ERRORS = 200;

const DONE: Record<string, string> = {
  add: 'Муниципальное образование добавлено. Оно войдет в кварталы, открытые после.',
  set: 'Изменения сохранены. Новые адреса действуют для следующих писем, в том числе идущего квартала.',
  move: 'Порядок изменен. Он действует для кварталов, открытых после.',
  retire: 'Муниципальное образование выведено из реестра.',
  merge:
    'Муниципальное образование присоединено и выведено из реестра. В кварталы, открытые после, оно не войдет.',
};

type ImportCounts = { added?: string; updated?: string; unchanged?: string; retired?: string };

/** What an import did, from the numbers the redirect carries (only digits are believed). */
function importDone(q: ImportCounts): string {
  const n = (v: string | undefined) => (v && /^\d{1,6}$/.test(v) ? v : null);
  const counts = [n(q.added), n(q.updated), n(q.unchanged), n(q.retired)];
  if (counts.some((c) => c === null)) return 'Реестр загружен из файла.';
  const [added, updated, unchanged, retired] = counts;
  return `Реестр загружен из файла: добавлено ${added}, изменено ${updated}, без изменений ${unchanged}, выведено ${retired}. Изменения действуют для кварталов, открытых после; новые адреса — со следующего письма.`;
}

/** The file's lines that were wrong, each as the importer worded it. */
function rejected(errors: string[]): PortalError {
  const shown = errors.slice(0, MAX_SHOWN_ERRORS);
  const more = errors.length - shown.length;
  return new PortalError(
    400,
    'Реестр не загружен',
    'В файле есть ошибки, реестр не изменен. Исправьте эти строки и загрузите файл снова.',
    html`<ul class="errors">
        ${shown.map((e) => html`<li>${e}</li>`)}
      </ul>
      ${more > 0 ? html`<p>И еще ошибок: ${more}.</p>` : ''}`,
  );
}

/** The uploaded file as text: UTF-8 (the export's own encoding; a byte-order mark is dropped). */
function csvText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest(
      'Файл не в кодировке UTF-8. В Excel сохраните его как «CSV UTF-8 (разделитель — запятая)» и загрузите снова.',
    );
  }
}

export function registerRegistryRoutes(app: FastifyInstance, ctx: PortalContext): void {
  let cached: { at: number; region: RegionRecord | null } | null = null;
  app.addHook('onRequest', async (request) => {
    const now = Date.now();
    if (!cached || now - cached.at > REGION_TTL_MS) {
      // A page without the region's name beats no page: the database may be down for a moment.
      const region = await regionOrNull(ctx.db).catch(() => cached?.region ?? null);
      cached = { at: now, region };
    }
    request.svodkaRegion = cached.region;
  });

  /** The form's request id, scoped to the account: one account's id never stands for another's. */
  const actionOf = (fields: unknown, login: string) =>
    `portal:${login}:${formRequestId(formField(fields, REQUEST_ID_FIELD, 100))}`;
  const hidden = (csrf: string): Html =>
    html`<input type="hidden" name="_csrf" value="${csrf}" />${requestIdInput()}`;

  app.get<{ Querystring: { done?: string } & ImportCounts }>('/registry', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    const region = request.svodkaRegion;
    if (!region) throw notFound('Реестр пуст: выполните «npx svodka db setup».');
    const all = await ctx.db.municipality.findMany({
      where: { regionId: region.id },
      orderBy: { position: 'asc' },
    });
    const active = all.filter((m) => !m.retiredAt);
    const retired = all.filter((m) => m.retiredAt);
    const done = request.query.done === 'import' ? importDone(request.query) : DONE[request.query.done ?? ''];
    const body = html`<h1>Реестр: ${region.name}</h1>
      ${done ? html`<div class="ok">${done}</div>` : ''}
      <p class="muted">
        Порядок строк — порядок разделов сводного отчета. Квартал сохраняет реестр таким, каким он был при его
        открытии (названия и порядок); адреса же берутся текущие: исправленный адрес действует со следующего письма.
      </p>
      <p><a href="/registry.csv">Выгрузить реестр (CSV)</a></p>
      <table>
        <thead>
          <tr><th>№</th><th>Код</th><th>Название</th><th>Адрес</th><th>Глава</th><th></th></tr>
        </thead>
        <tbody>
          ${active.map(
            (m, i) => html`<tr>
              <td>${i + 1}</td>
              <td>${m.code}</td>
              <td>${m.name}</td>
              <td>${m.email}</td>
              <td>${m.headName ?? ''}${m.headEmail ? html`<br /><span class="muted">${m.headEmail}</span>` : ''}</td>
              <td><a href="/registry/${m.code}">Изменить</a></td>
            </tr>`,
          )}
        </tbody>
      </table>
      <h2>Добавить муниципальное образование</h2>
      <form method="post" action="/registry">
        ${hidden(viewer.csrf)}
        <label>Код (латинские строчные буквы, цифры, дефис) <input name="code" required maxlength="64" /></label>
        <label>Название <input name="name" required maxlength="300" /></label>
        <label>Адрес электронной почты <input name="email" type="email" required maxlength="300" /></label>
        <label>Глава <input name="headName" maxlength="300" /></label>
        <label>Адрес главы <input name="headEmail" type="email" maxlength="300" /></label>
        <label>Заголовок раздела отчета (по умолчанию «Муниципальное образование «…» ${region.genitive}»)
          <input name="sectionTitle" maxlength="300" /></label>
        <label>Место в порядке (по умолчанию последнее) <input name="position" inputmode="numeric" maxlength="6" /></label>
        <button type="submit">Добавить</button>
      </form>
      <h2>Загрузить реестр из файла</h2>
      <p class="muted">
        Файл CSV в том виде, в каком реестр выгружается (UTF-8, разделитель «,» или «;»); порядок строк — порядок
        региона. Файл заменяет реестр целиком: муниципальное образование, которого в нем нет, отметьте «выведено».
        Файл принимается весь или не принимается: при ошибках реестр не меняется, а ошибки названы по строкам.
      </p>
      <form method="post" action="/registry.csv" enctype="multipart/form-data">
        ${hidden(viewer.csrf)}
        <label>Файл реестра (.csv) <input type="file" name="file" accept=".csv,text/csv" required /></label>
        <button type="submit">Загрузить</button>
      </form>
      ${
        retired.length > 0
          ? html`<h2>Выведены из реестра</h2>
              <table>
                <thead><tr><th>Код</th><th>Название</th><th>Когда</th><th>Присоединено к</th></tr></thead>
                <tbody>
                  ${retired.map(
                    (m) => html`<tr>
                      <td>${m.code}</td><td>${m.name}</td><td>${moscowDateTime(m.retiredAt)}</td><td>${m.mergedInto ?? ''}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>`
          : ''
      }`;
    return ctx.send(reply, 200, {
      title: 'Реестр',
      body,
      user: shellUser(viewer),
    });
  });

  app.get('/registry.csv', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    const r = await act(ctx, request, viewer.user.login, exportRegistry, {
      region: request.svodkaRegion?.name,
    });
    return reply
      .type('text/csv; charset=utf-8')
      .header(
        'Content-Disposition',
        `attachment; filename="registry.csv"; filename*=UTF-8''${encodeURIComponent(`реестр-${r.region}.csv`)}`,
      )
      .send(r.csv);
  });

  // The upload goes where the download comes from: a path no municipality's code can take.
  app.post('/registry.csv', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    request.svodkaBack = '/registry';
    const form = await readUploadForm(request);
    ctx.checkCsrf(viewer.csrf, form.fields._csrf);
    if (!form.file) throw badRequest('Выберите файл реестра (.csv) и нажмите «Загрузить».');
    let r;
    try {
      r = await act(ctx, request, viewer.user.login, importRegistry, {
        // A region's coordinator imports into the region the page is for.
        region: request.svodkaRegion?.name,
        csv: csvText(form.file.bytes),
        fileName: form.file.fileName,
        actionId: actionOf(form.fields, viewer.user.login),
      });
    } catch (err) {
      if (err instanceof RegistryRejectedError) throw rejected(err.errors);
      throw err;
    }
    const counts = new URLSearchParams({
      done: 'import',
      added: String(r.added),
      updated: String(r.updated),
      unchanged: String(r.unchanged),
      retired: String(r.retired),
    });
    return reply.redirect(`/registry?${counts}`, 303);
  });

  app.get<{ Params: { code: string } }>('/registry/:code', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    const m = await ctx.db.municipality.findUnique({ where: { code: request.params.code } });
    if (!m || m.regionId !== request.svodkaRegion?.id || m.retiredAt)
      throw notFound('Такого действующего муниципального образования в реестре нет.');
    const order = await ctx.db.municipality.count({
      where: { regionId: m.regionId, retiredAt: null, position: { lte: m.position } },
    });
    const others = await ctx.db.municipality.findMany({
      where: { regionId: m.regionId, retiredAt: null, code: { not: m.code } },
      orderBy: { position: 'asc' },
      select: { code: true, name: true },
      take: MAX_SELECT + 1,
    });
    const body = html`<h1>${m.name}</h1>
      <p class="muted">Код ${m.code} · место в порядке региона: ${order}</p>
      <form method="post" action="/registry/${m.code}">
        ${hidden(viewer.csrf)}
        <label>Название <input name="name" value="${m.name}" required maxlength="300" /></label>
        <label>Заголовок раздела отчета <input name="sectionTitle" value="${m.sectionTitle}" required maxlength="300" /></label>
        <label>Адрес электронной почты <input name="email" type="email" value="${m.email}" required maxlength="300" /></label>
        <label>Глава <input name="headName" value="${m.headName ?? ''}" maxlength="300" /></label>
        <label>Адрес главы (пусто — эскалации идут на адрес муниципального образования)
          <input name="headEmail" type="email" value="${m.headEmail ?? ''}" maxlength="300" /></label>
        <button type="submit">Сохранить</button>
      </form>
      <h2>Место в порядке региона</h2>
      <form method="post" action="/registry/${m.code}/move">
        ${hidden(viewer.csrf)}
        <label>Новое место <input name="position" value="${order}" inputmode="numeric" maxlength="6" /></label>
        <button type="submit" class="secondary">Переставить</button>
      </form>
      <h2>Присоединить к другому муниципальному образованию</h2>
      <p class="muted">
        При преобразовании: в кварталы, открытые после, оно не войдет, а реестр запомнит, к какому присоединено;
        идущие и прошедшие кварталы его сохраняют.
      </p>
      <form method="post" action="/registry/${m.code}/merge">
        ${hidden(viewer.csrf)}
        <label for="into">К какому</label>
        ${
          others.length <= MAX_SELECT
            ? html`<select id="into" name="into" required>
                <option value="">— выберите —</option>
                ${others.map((o) => html`<option value="${o.code}">${o.name}</option>`)}
              </select>`
            : html`<input id="into" name="into" required maxlength="64" placeholder="код, например vyazma" />`
        }
        <button type="submit" class="secondary">Присоединить</button>
      </form>
      <h2>Вывести из реестра</h2>
      <p class="muted">В кварталы, открытые после, оно не войдет; идущие и прошедшие кварталы его сохраняют.</p>
      <form method="post" action="/registry/${m.code}/retire">
        ${hidden(viewer.csrf)}
        <button type="submit" class="secondary">Вывести из реестра</button>
      </form>
      <p><a href="/registry">← К реестру</a></p>`;
    return ctx.send(reply, 200, {
      title: m.name,
      body,
      user: shellUser(viewer),
    });
  });

  /**
   * A coordinator's form about the registry: its CSRF token checked, its use case run under the form's
   * request id, then the list with what was done; a refusal's page leads `back`.
   */
  function registryPost<S extends z.ZodType, R>(
    url: string,
    useCase: UseCase<S, R>,
    done: keyof typeof DONE,
    back: 'list' | 'municipality',
    input: (form: {
      field: (name: string, max?: number) => string;
      code: string;
      actionId: string;
      region: string | undefined;
    }) => z.input<S>,
  ): void {
    app.post<{ Params: { code?: string } }>(url, async (request, reply) => {
      const viewer = await ctx.requireViewer(request, reply, 'coordinator');
      if (!viewer) return reply;
      ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
      const code = request.params.code ?? '';
      request.svodkaBack = back === 'list' ? '/registry' : `/registry/${encodeURIComponent(code)}`;
      const field = (name: string, max = 1000) => formField(request.body, name, max);
      const actionId = actionOf(request.body, viewer.user.login);
      await act(
        ctx,
        request,
        viewer.user.login,
        useCase,
        input({ field, code, actionId, region: request.svodkaRegion?.name }),
      );
      return reply.redirect(`/registry?done=${done}`, 303);
    });
  }

  registryPost('/registry', addMunicipality, 'add', 'list', ({ field: f, actionId, region }) => ({
    region,
    code: f('code'),
    name: f('name'),
    email: f('email'),
    headName: f('headName') || undefined,
    headEmail: f('headEmail') || undefined,
    sectionTitle: f('sectionTitle') || undefined,
    position: f('position').trim() || undefined,
    actionId,
  }));

  registryPost('/registry/:code', setMunicipality, 'set', 'municipality', ({ field: f, code, actionId }) => ({
    code,
    name: f('name'),
    sectionTitle: f('sectionTitle'),
    email: f('email'),
    headName: f('headName'),
    headEmail: f('headEmail'),
    actionId,
  }));

  registryPost(
    '/registry/:code/move',
    moveMunicipality,
    'move',
    'municipality',
    ({ field, code, actionId }) => ({
      code,
      position: field('position', 10),
      actionId,
    }),
  );

  registryPost(
    '/registry/:code/merge',
    mergeMunicipality,
    'merge',
    'municipality',
    ({ field, code, actionId }) => ({
      code,
      into: field('into', 100),
      actionId,
    }),
  );

  registryPost('/registry/:code/retire', retireMunicipality, 'retire', 'list', ({ code, actionId }) => ({
    code,
    actionId,
  }));
}
