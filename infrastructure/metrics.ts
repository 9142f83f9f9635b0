// Svodka's own Prometheus metrics, one registry for the process: what the work did (answers, emails,
// reminders, inbound mail) and, in the portal, its requests. The worker's endpoint adds the Temporal
// SDK's runtime metrics to these (worker/telemetry.ts). Every label has a small, fixed set of values.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export const registry = new Registry();

let processMetrics = false;
/** Memory, CPU, event-loop lag and GC of this process: from the first endpoint on, not in every CLI run. */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry, prefix: 'svodka_' });
}

const answers = new Counter({
  name: 'svodka_answers_recorded_total',
  help: 'Answers of municipalities recorded, by outcome (accepted | rejected), kind (file | rows | nil) and channel',
  labelNames: ['outcome', 'kind', 'channel'] as const,
  registers: [registry],
});

const emailsSent = new Counter({
  name: 'svodka_emails_sent_total',
  help: 'Emails the relay took, by kind (request, reminder, accepted, final-report…)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

const emailsFailed = new Counter({
  name: 'svodka_emails_failed_total',
  help: 'Attempts at an email the relay refused or could not be reached for, by kind',
  labelNames: ['kind'] as const,
  registers: [registry],
});

const reminders = new Counter({
  name: 'svodka_reminders_sent_total',
  help: 'Reminders sent to municipalities, by kind (reminder, deadline, overdue, escalation)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

const inbound = new Counter({
  name: 'svodka_inbound_messages_total',
  help: 'Messages the email poller read, by what became of them (polled, matched, held)',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'svodka_http_requests_total',
  help: "The portal's requests by method, route template and status",
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpDuration = new Histogram({
  name: 'svodka_http_request_duration_seconds',
  help: "The portal's response times by method, route template and status",
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** The kinds of email that remind a municipality of its deadline (domain/emails.ts). */
const REMINDER_KINDS = new Set(['reminder', 'deadline', 'overdue', 'escalation']);
/** Kinds outside this list are counted as «other», so a typo cannot grow the series. */
const EMAIL_KINDS = new Set([
  ...REMINDER_KINDS,
  'request',
  'accepted',
  'rejected',
  'extended',
  'excused',
  'reopened',
  'closed',
  'final-report',
]);

/** One email handed to the relay (ok) or refused by it. */
export function countEmail(kind: string, ok: boolean): void {
  const label = EMAIL_KINDS.has(kind) ? kind : 'other';
  if (!ok) return void emailsFailed.inc({ kind: label });
  emailsSent.inc({ kind: label });
  if (REMINDER_KINDS.has(kind)) reminders.inc({ kind });
}

/** One answer stored (a retried activity that finds its version stored does not count again). */
export function countAnswer(accepted: boolean, kind: string, channel: string): void {
  answers.inc({ outcome: accepted ? 'accepted' : 'rejected', kind, channel });
}

/**
 * One message the email poller handled: `polled` always, then `matched` when it became a
 * submission or `held` when it waits for the coordinator (unmatched, unreadable). A processing error
 * (retried at the next poll) is polled only.
 */
export function countInbound(status: string): void {
  inbound.inc({ result: 'polled' });
  if (status === 'submitted') inbound.inc({ result: 'matched' });
  else if (status === 'unmatched' || status === 'unreadable') inbound.inc({ result: 'held' });
}

/** The text exposition of this registry. */
export function svodkaMetrics(): Promise<string> {
  return registry.metrics();
}

export const METRICS_CONTENT_TYPE = registry.contentType;
