// What a use case tells the workflow about the action it asks for: the request id (also the
// Update's id) and who asked from where. The activity that carries the action out writes the audit
// entry keyed by that id, so a retried request never writes it twice.
import type { ActionMeta } from '../workflows/api';
import type { UseCaseContext } from './use-case';

export function actionMeta(ctx: UseCaseContext, requestId: string): ActionMeta {
  return { id: requestId, actor: ctx.actor.name, origin: ctx.actor.origin };
}
