// What the coordinator's pages of Temporal's schedules (/schedule, /notifications) share: Temporal
// asked with a deadline, its silence as one Russian page, the one-button forms, and the post that
// checks the form and runs the action its button names.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UserError } from '../temporal';
import type { Viewer } from './auth';
import { formField } from './context';
import type { PortalContext } from './context';
import { badRequest, PortalError } from './errors';
import { html } from './html';
import type { Html } from './html';
import { QUERY_DEADLINE_MS, withDeadline } from './workflow';

/** Who acts, as the schedules' functions (client/schedule.ts, client/notifications.ts) audit it. */
export type Who = { actor: string; origin: string };

/** Runs one action of the form; returns where the browser goes next. */
/** A button's action: the request, who acts, and the signed-in coordinator (for their region). */
export type FormAction = (request: FastifyRequest, who: Who, viewer: Viewer) => Promise<string>;

export function temporalUnavailable(): PortalError {
  return new PortalError(
    503,
    'Сервис временно недоступен',
    'Нет связи с сервером Temporal. Попробуйте позже.',
  );
}

/** What a page reads from Temporal, within the pages' deadline; no answer is the 503 page. */
export async function askTemporal<T>(ctx: PortalContext, read: () => Promise<T>): Promise<T> {
  try {
    return await withDeadline(ctx.temporal, QUERY_DEADLINE_MS, read);
  } catch {
    throw temporalUnavailable();
  }
}

/** A form of one button that posts `action` to `path`. */
export function actionButton(path: string, csrf: string, action: string, label: string): Html {
  return html`<form method="post" action="${path}" class="inline">
    <input type="hidden" name="_csrf" value="${csrf}" />
    <input type="hidden" name="action" value="${action}" />
    <button type="submit">${label}</button>
  </form>`;
}

/**
 * The page's post: a coordinator's, with the form's CSRF token, naming one of `actions`. A refusal
 * the coordinator can mend (UserError) is a 400 page; any other failure is Temporal's silence.
 */
export function registerActionPost(
  app: FastifyInstance,
  ctx: PortalContext,
  path: string,
  actions: Record<string, FormAction>,
): void {
  app.post(path, async (request, reply) => {
    const viewer = await ctx.requireViewer(request, reply, 'coordinator');
    if (!viewer) return reply;
    ctx.checkCsrf(viewer.csrf, formField(request.body, '_csrf'));
    const action = formField(request.body, 'action', 20);
    const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
    if (!run) throw badRequest('Неизвестное действие.');
    let next: string;
    try {
      next = await run(request, { actor: viewer.user.login, origin: ctx.origin(request) }, viewer);
    } catch (err) {
      if (err instanceof UserError) throw badRequest(err.message);
      throw temporalUnavailable();
    }
    return reply.redirect(next, 303);
  });
}
