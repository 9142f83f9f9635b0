// Errors a page can end in, each a Russian page with its status; and Temporal's errors translated
// into them (the same cases as the CLI's explainTemporalError).
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { html } from './html';
import type { Html } from './html';

export class PortalError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly details: Html | null = null,
  ) {
    super(message);
    this.name = 'PortalError';
  }
}

export const notFound = (what = 'Такой страницы нет.') => new PortalError(404, 'Страница не найдена', what);
export const forbidden = (what = 'Это действие доступно только координатору.') =>
  new PortalError(403, 'Доступ запрещен', what);
export const badRequest = (what: string) => new PortalError(400, 'Запрос не выполнен', what);

export function csrfError(): PortalError {
  return new PortalError(
    403,
    'Форма устарела',
    'Форма устарела или отправлена не с этой страницы. Вернитесь назад, обновите страницу (F5) и отправьте форму снова.',
  );
}

export function tooLarge(limitMb: number): PortalError {
  return new PortalError(
    413,
    'Файл слишком большой',
    `Размер файла превышает ${limitMb} МБ. Уберите из документа рисунки и лишние страницы, сохраните его как «Документ Word (.docx)» и загрузите снова.`,
  );
}

/** Whether the error says the workflow has finished (the quarter was signed off). */
function completed(err: unknown): boolean {
  const message = (err as Error)?.message ?? '';
  return /workflow execution already completed|already completed/i.test(message);
}

export function temporalError(err: unknown, quarter: string): PortalError {
  if (err instanceof PortalError) return err;
  if (err instanceof WorkflowNotFoundError) {
    return new PortalError(
      404,
      'Сбор сведений не найден',
      `Сбор сведений за ${quarter} не запущен или уже удален из истории.`,
    );
  }
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = (err.cause as Error | undefined)?.message ?? err.message;
    return new PortalError(409, 'Действие не выполнено', cause);
  }
  if (completed(err)) {
    return new PortalError(
      409,
      'Сбор сведений закрыт',
      `Сбор сведений за ${quarter} закрыт: отчет подписан, изменения не принимаются.`,
    );
  }
  return new PortalError(
    503,
    'Сервис временно недоступен',
    'Нет связи с сервером, который ведет сбор сведений. Попробуйте через несколько минут; если не получится — сообщите координатору.',
  );
}

export function errorBody(err: PortalError, back: string | null = null): Html {
  return html`<h1>${err.title}</h1>
    <div class="${err.status >= 500 ? 'warn' : 'bad'}">
      <p>${err.message}</p>
      ${err.details ?? ''}
    </div>
    ${back ? html`<p><a href="${back}">← Вернуться</a></p>` : ''}`;
}
