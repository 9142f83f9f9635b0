// How a municipality's state and a quarter's phase are named to people: one wording for the CLI,
// the portal, the exports and the emails, so a coordinator never reads two names for one state.
import type { QuarterPhase, SubmissionState } from '../workflows/api';

export const STATE_LABELS: Record<SubmissionState, string> = {
  requested: 'запрошено',
  reminded: 'напомнили',
  overdue: 'просрочено',
  extended: 'срок продлен',
  submitted: 'проверяется',
  accepted: 'принято',
  rejected: 'отклонено',
  reopened: 'на доработке',
  excused: 'освобождено',
  not_submitted: 'не представлено',
};

export const PHASE_LABELS: Record<QuarterPhase, string> = {
  collecting: 'идет сбор сведений',
  rendering: 'формируется отчет',
  awaiting_approval: 'проект отчета готов и ждет подписания',
  approved: 'отчет подписан',
};

/** How an answer came: a version's channel. */
export const CHANNEL_LABELS: Record<string, string> = {
  web: 'файл на портале',
  form: 'форма на портале',
  email: 'ответ по почте',
  cli: 'командная строка',
};
