// Small wordings shared by the pages: states, phases, dates in Moscow time, quarter names.
import { russianDate } from '../../domain/emails';
import { parseQuarter, quarterRoman } from '../../domain/quarter';
import { plural as pluralForm } from '../../domain/text';
import type { SubmissionState } from '../../workflows/api';
import { CHANNEL_LABELS, PHASE_LABELS, STATE_LABELS } from '../../domain/labels';
import { html } from './html';
import type { Html } from './html';

// The labels live in domain/labels.ts, shared with the CLI; re-exported for the pages.
export { CHANNEL_LABELS, PHASE_LABELS, russianDate, STATE_LABELS };

export const SEVERITY_LABELS: Record<string, string> = {
  error: 'ошибка',
  warning: 'замечание',
  info: 'к сведению',
};

/** "2023-Q2" → «II квартал 2023 года». */
export function quarterName(quarter: string): string {
  const q = parseQuarter(quarter);
  return `${quarterRoman(q)} квартал ${q.year} года`;
}

const MOSCOW = new Intl.DateTimeFormat('ru-RU', {
  timeZone: 'Europe/Moscow',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const MOSCOW_SECONDS = new Intl.DateTimeFormat('ru-RU', {
  timeZone: 'Europe/Moscow',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** «25.11.2026, 21:55» Moscow time; '' for nothing. */
export function moscowDateTime(at: string | Date | null | undefined, seconds = false): string {
  if (!at) return '';
  const date = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) return '';
  return (seconds ? MOSCOW_SECONDS : MOSCOW).format(date);
}

export function stateBadge(state: SubmissionState): Html {
  return html`<span class="st st-${state}">${STATE_LABELS[state] ?? state}</span>`;
}

/** Russian plural: plural(5, 'мероприятие', 'мероприятия', 'мероприятий'). */
export function plural(n: number, one: string, few: string, many: string): string {
  return pluralForm(n, [one, few, many]);
}

/** A Content-Disposition for a download: an ASCII fallback and the UTF-8 name. */
export function attachmentDisposition(utf8Name: string, asciiFallback: string): string {
  return `attachment; filename="${asciiFallback.replace(/[^A-Za-z0-9._-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(utf8Name)}`;
}

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
