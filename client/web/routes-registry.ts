// The coordinator's registry page: the region's municipal formations in region order, each with
// its addresses and head; a form to change them (a new address is where the next email goes, in the
// running quarter too), to move one in the order, to retire it; a form to add one; the registry as
// CSV. Every change goes through the registry's use cases (application/), which audit it. The
// region's name for every page's header and footer is read here, once per request.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { addMunicipality } from '../../application/add-municipality';
import { exportRegistry } from '../../application/export-registry';
import { moveMunicipality } from '../../application/move-municipality';
import { retireMunicipality } from '../../application/retire-municipality';
import { setMunicipality } from '../../application/set-municipality';
import { execute, InvalidInputError } from '../../application/use-case';
import type { UseCase, UseCaseContext } from '../../application/use-case';
import { regionOrNull } from '../../infrastructure/registry/region';
import type { RegionRecord } from '../../infrastructure/registry/region';
import type { z } from 'zod';
import { formField } from './context';
import type { PortalContext } from './context';
import type { Viewer } from './auth';
import { badRequest, notFound } from './errors';
import { moscowDateTime } from './format';
import { html } from './html';

declare module 'fastify' {
  interface FastifyRequest {
    /** The installation's region, for the page's header and footer (null before `db setup`). */
    svodkaRegion?: RegionRecord | null;
  }
}

/** A rename shows in every page within this long; one query a few seconds, not one a request. */
const REGION_TTL_MS = 5_000;

const DONE: Record<string, string> = {
  add: 'Муниципальное образование добавлено. Оно войдет в кварталы, открытые после.',
  set: 'Изменения сохранены. Новые адреса действуют для следующих писем, в том числе идущего квартала.',
  move: 'Порядок изменен. Он действует для кварталов, открытых после.',
  retire: 'Муниципальное образование выведено из реестра.',
};

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

  const useCaseContext = (viewer: Viewer, origin: string): UseCaseContext => ({
    db: ctx.db,
    files: ctx.files,
    temporal: async () => ctx.temporal,
    clock: () => new Date(),
    actor: { name: viewer.user.login, channel: 'portal', origin },
  });

  async function run<S extends z.ZodType, R>(
    useCase: UseCase<S, R>,
    c: UseCaseContext,
    input: z.input<S>,
  ): Promise<R> {
    try {
      return await execute(useCase, c, input);
    } catch (err) {
      if (err instanceof InvalidInputError) throw badRequest(err.message);
      throw err;
    }
  }

  app.get<{ Querystring: { done?: string } }>('/registry', async (request, reply) => {
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
    const done = DONE[request.query.done ?? ''];
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
        <input type="hidden" name="_csrf" value="${viewer.csrf}" />
        <input type="hidden" name="_action" value="${randomUUID()}" />
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
      user: { name: viewer.user.name, role: viewer.user.role, csrf: viewer.csrf },
    });
  });

  app.get('/registry.csv', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    const r = await run(exportRegistry, useCaseContext(viewer, ctx.origin(request)), {
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

  app.get<{ Params: { code: string } }>('/registry/:code', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    const m = await ctx.db.municipality.findUnique({ where: { code: request.params.code } });
    if (!m || m.regionId !== request.svodkaRegion?.id || m.retiredAt)
      throw notFound('Такого действующего муниципального образования в реестре нет.');
    const order = await ctx.db.municipality.count({
      where: { regionId: m.regionId, retiredAt: null, position: { lte: m.position } },
    });
    const hidden = html`<input type="hidden" name="_csrf" value="${viewer.csrf}" />
      <input type="hidden" name="_action" value="${randomUUID()}" />`;
    const body = html`<h1>${m.name}</h1>
      <p class="muted">Код ${m.code} · место в порядке региона: ${order}</p>
      <form method="post" action="/registry/${m.code}">
        ${hidden}
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
        ${hidden}
        <label>Новое место <input name="position" value="${order}" inputmode="numeric" maxlength="6" /></label>
        <button type="submit" class="secondary">Переставить</button>
      </form>
      <h2>Вывести из реестра</h2>
      <p class="muted">В кварталы, открытые после, оно не войдет; идущие и прошедшие кварталы его сохраняют.</p>
      <form method="post" action="/registry/${m.code}/retire">
        ${hidden}
        <button type="submit" class="secondary">Вывести из реестра</button>
      </form>
      <p><a href="/registry">← К реестру</a></p>`;
    return ctx.send(reply, 200, {
      title: m.name,
      body,
      user: { name: viewer.user.name, role: viewer.user.role, csrf: viewer.csrf },
    });
  });

  const actionOf = (body: unknown, login: string) => {
    const id = formField(body, '_action', 100);
    return id ? `portal:${login}:${id}` : undefined;
  };

  app.post('/registry', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    request.svodkaBack = '/registry';
    const f = (name: string) => formField(request.body, name, 1000);
    await run(addMunicipality, useCaseContext(viewer, ctx.origin(request)), {
      region: request.svodkaRegion?.name,
      code: f('code'),
      name: f('name'),
      email: f('email'),
      headName: f('headName') || undefined,
      headEmail: f('headEmail') || undefined,
      sectionTitle: f('sectionTitle') || undefined,
      position: f('position').trim() || undefined,
      actionId: actionOf(request.body, viewer.user.login),
    });
    return reply.redirect('/registry?done=add', 303);
  });

  app.post<{ Params: { code: string } }>('/registry/:code', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    request.svodkaBack = `/registry/${encodeURIComponent(request.params.code)}`;
    const f = (name: string) => formField(request.body, name, 1000);
    await run(setMunicipality, useCaseContext(viewer, ctx.origin(request)), {
      code: request.params.code,
      name: f('name'),
      sectionTitle: f('sectionTitle'),
      email: f('email'),
      headName: f('headName'),
      headEmail: f('headEmail'),
      actionId: actionOf(request.body, viewer.user.login),
    });
    return reply.redirect('/registry?done=set', 303);
  });

  app.post<{ Params: { code: string } }>('/registry/:code/move', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    request.svodkaBack = `/registry/${encodeURIComponent(request.params.code)}`;
    await run(moveMunicipality, useCaseContext(viewer, ctx.origin(request)), {
      code: request.params.code,
      position: formField(request.body, 'position', 10),
      actionId: actionOf(request.body, viewer.user.login),
    });
    return reply.redirect('/registry?done=move', 303);
  });

  app.post<{ Params: { code: string } }>('/registry/:code/retire', async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    request.svodkaBack = '/registry';
    await run(retireMunicipality, useCaseContext(viewer, ctx.origin(request)), {
      code: request.params.code,
      actionId: actionOf(request.body, viewer.user.login),
    });
    return reply.redirect('/registry?done=retire', 303);
  });
}
