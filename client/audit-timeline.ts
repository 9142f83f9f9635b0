// The story of a quarter: the workflow histories (what happened — the system of record, read from
// the database's archive once Temporal has forgotten them) joined
// with the database's audit log (who did it, from where) and its outbox (which email went when).
// Emails come from the outbox because a workflow's history does not show them all: a request
// round is one activity of the parent, an answer's result goes out in the activity recording it.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { quarterRegistry } from '../infrastructure/registry/snapshot';
import type { Db } from '../infrastructure/db/client';
import { archivedRuns } from '../infrastructure/quarter-archive';
import { quarterWorkflowId, submissionWorkflowId } from '../workflows/api';
import type { SubmissionPayload, SubmissionResult } from '../workflows/api';

export type TimelineEntry = {
  at: string;
  municipality: string | null;
  source: 'history' | 'audit-log' | 'outbox';
  kind: string;
  text: string;
  actor?: string;
  origin?: string;
};

const EMAIL_LABELS: Record<string, string> = {
  request: 'отправлен запрос сведений',
  reminder: 'отправлено напоминание',
  deadline: 'напоминание в день срока',
  overdue: 'напоминание о просрочке',
  escalation: 'эскалация руководителю (копия координатору)',
  accepted: 'письмо: сведения приняты',
  rejected: 'письмо: сведения не приняты, с перечнем ошибок',
  extended: 'письмо: срок продлен',
  excused: 'письмо: освобождено от представления',
  reopened: 'письмо: возвращено на доработку',
};

/** What each email is, for one that has not gone yet. */
const EMAIL_NAMES: Record<string, string> = {
  request: 'запрос сведений',
  reminder: 'напоминание',
  deadline: 'напоминание в день срока',
  overdue: 'напоминание о просрочке',
  escalation: 'эскалация руководителю',
  accepted: 'сведения приняты',
  rejected: 'сведения не приняты',
  extended: 'срок продлен',
  excused: 'освобождено от представления',
  reopened: 'возвращено на доработку',
};

/** The audit log's actions, as the timeline names them. */
const ACTION_LABELS: Record<string, string> = {
  'quarter.start': 'запуск сбора сведений',
  'quarter.close': 'закрытие сбора сведений',
  'quarter.extend': 'продление срока',
  'quarter.excuse': 'освобождение от представления',
  'quarter.remind': 'напоминание по запросу координатора',
  'quarter.reopen': 'возврат на доработку',
  'quarter.request-changes': 'запрос исправлений по проекту отчета',
  'report.approve': 'подписание отчета',
  'report.manifest': 'манифест подписания (подпись Svodka)',
  'report.official-signature': 'подпись должностного лица (КЭП) проверена и принята',
  'report.official-signature.rejected': 'подпись должностного лица отклонена',
  submission: 'отправка сведений',
  'email.held': 'письмо со сведениями задержано для координатора',
  'token.issue': 'выдача новой ссылки',
  'user.add': 'создание учетной записи',
  'web.login': 'вход в портал',
};

/** Who signed with their own certificate (or why it was refused), from the entry's detail. */
function officialDetail(action: string, detail: string): string {
  if (!action.startsWith('report.official-signature')) return '';
  try {
    const d = JSON.parse(detail) as { signer?: string; algorithm?: string; problem?: string };
    return d.problem ? `: ${d.problem}` : `: ${d.signer ?? ''}${d.algorithm ? ` (${d.algorithm})` : ''}`;
  } catch {
    return '';
  }
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function decode<T>(payloads: temporal.api.common.v1.IPayloads | null | undefined): T | undefined {
  const first = payloads?.payloads?.[0];
  return first ? (defaultPayloadConverter.fromPayload(first) as T) : undefined;
}

function timeOf(e: HistoryEvent): string {
  const t = e.eventTime;
  const ms = Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

function describe(
  e: HistoryEvent,
  municipality: string | null,
  updates: Map<string, string>,
): TimelineEntry | null {
  const at = timeOf(e);
  const entry = (kind: string, text: string): TimelineEntry => ({
    at,
    municipality,
    source: 'history',
    kind,
    text,
  });
  if (e.workflowExecutionStartedEventAttributes) {
    return municipality ? null : entry('started', 'сбор сведений запущен');
  }
  if (e.activityTaskScheduledEventAttributes) {
    const a = e.activityTaskScheduledEventAttributes;
    const type = a.activityType?.name;
    if (type === 'renderReport') return entry('render', 'формируется отчет');
    if (type === 'distributeReport') return entry('distribute', 'итоговый отчет разослан получателям');
    return null;
  }
  if (e.workflowExecutionUpdateAcceptedEventAttributes) {
    const a = e.workflowExecutionUpdateAcceptedEventAttributes;
    const name = a.acceptedRequest?.input?.name ?? '';
    const id = a.protocolInstanceId ?? '';
    updates.set(id, name);
    const args = decode<Record<string, unknown>>(a.acceptedRequest?.input?.args);
    switch (name) {
      case 'submitUpdate': {
        const p = args as SubmissionPayload | undefined;
        const what =
          p?.kind === 'nil'
            ? '«мероприятия не проводились»'
            : p?.kind === 'file'
              ? 'файл'
              : 'строки из формы';
        return entry('submission', `получены сведения: ${what}, канал ${p?.channel ?? '?'}`);
      }
      case 'extendUpdate':
        return entry('extend', `срок продлен до ${String(args?.until)}`);
      case 'excuseUpdate':
        return entry('excuse', `освобождено: ${String(args?.reason)}`);
      case 'remindUpdate':
        return entry('remind', 'координатор запросил напоминание');
      case 'reopenUpdate':
        return entry('reopen', `возвращено на доработку: ${String(args?.comment)}`);
      case 'approveUpdate':
        return entry(
          'approve',
          `подписание: ${String(args?.signer)}${args?.position ? `, ${String(args.position)}` : ''}`,
        );
      case 'requestChangesUpdate':
        return entry(
          'request-changes',
          `запрошены исправления: ${(args?.municipalities as string[] | undefined)?.join(', ')}`,
        );
      default:
        return null;
    }
  }
  if (e.workflowExecutionUpdateCompletedEventAttributes) {
    const a = e.workflowExecutionUpdateCompletedEventAttributes;
    const name = updates.get(a.meta?.updateId ?? '');
    if (name !== 'submitUpdate') return null;
    const r = decode<SubmissionResult>(a.outcome?.success);
    if (!r) return entry('validation', 'проверка завершилась ошибкой');
    const errors = r.findings.filter((f) => f.severity === 'error').length;
    const warnings = r.findings.filter((f) => f.severity === 'warning').length;
    return entry(
      r.accepted ? 'accepted' : 'rejected',
      r.accepted
        ? `версия ${r.version} принята${r.nil ? ' (мероприятия не проводились)' : `: мероприятий ${r.rowCount}`}${warnings ? `, замечаний ${warnings}` : ''}`
        : `версия ${r.version} отклонена: ошибок ${errors}`,
    );
  }
  if (e.workflowExecutionSignaledEventAttributes) {
    const name = e.workflowExecutionSignaledEventAttributes.signalName;
    if (name === 'closeSignal') return entry('close', 'сбор сведений закрыт координатором');
    if (name === 'closeSubmissionSignal') return entry('not-submitted', 'не представлено (сбор закрыт)');
    if (name === 'reopenSignal') return entry('reopen', 'возвращено на доработку при проверке отчета');
    return null;
  }
  if (e.workflowExecutionCompletedEventAttributes) {
    return entry(
      'completed',
      municipality ? 'работа завершена (квартал подписан)' : 'квартал завершен: отчет подписан',
    );
  }
  return null;
}

/** Temporal's history while it keeps one; the copy archived at close or sign-off after that. */
async function historyOf(
  client: Client,
  db: Db,
  workflowId: string,
  municipality: string | null,
): Promise<TimelineEntry[]> {
  // A municipality's answer may take several runs (a correction after acceptance starts a new one):
  // every run, oldest first. Whatever Temporal cannot give (forgotten, unreachable), the archive may
  // still hold.
  const live = await liveRuns(client, workflowId).catch(() => null);
  const histories = live && live.length > 0 ? live : await archivedRuns(db, workflowId);
  return histories.flatMap((history) => {
    const updates = new Map<string, string>();
    return (history.events ?? []).flatMap((e) => describe(e, municipality, updates) ?? []);
  });
}

async function liveRuns(client: Client, workflowId: string) {
  const runs: { runId: string; startTime: Date }[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, '')}'` }))
    runs.push({ runId: run.runId, startTime: run.startTime });
  // The listing may lag a run just started: the latest run is always read.
  const latest = await client.workflow.getHandle(workflowId).describe();
  if (!runs.some((r) => r.runId === latest.runId)) runs.push({ runId: latest.runId, startTime: latest.startTime });
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  return Promise.all(runs.map((r) => client.workflow.getHandle(workflowId, r.runId).fetchHistory()));
}

export async function buildTimeline(
  client: Client,
  db: Db,
  quarter: string,
  municipality?: string,
): Promise<TimelineEntry[]> {
  const codes = municipality ? [municipality] : (await quarterRegistry(db, quarter)).map((m) => m.code);
  const histories = await Promise.all([
    municipality ? Promise.resolve([]) : historyOf(client, db, quarterWorkflowId(quarter), null),
    ...codes.map((code) => historyOf(client, db, submissionWorkflowId(quarter, code), code)),
  ]);
  const log = await db.auditEntry.findMany({
    where: { quarter, ...(municipality ? { municipality } : {}) },
    orderBy: { id: 'asc' },
  });
  const fromLog: TimelineEntry[] = log.map((e) => ({
    at: e.at.toISOString(),
    municipality: e.municipality,
    source: 'audit-log',
    kind: e.action,
    text: `журнал: ${ACTION_LABELS[e.action] ?? e.action}${officialDetail(e.action, e.detail)}`,
    actor: e.actor,
    origin: e.origin,
  }));
  const emails = await db.emailOutbox.findMany({
    where: { quarter, municipality: municipality ?? { not: 'region' } },
    orderBy: { createdAt: 'asc' },
  });
  const fromOutbox: TimelineEntry[] = emails.map((m) => ({
    at: (m.sentAt ?? m.createdAt).toISOString(),
    municipality: m.municipality,
    source: 'outbox',
    kind: `email.${m.kind}`,
    text:
      m.status === 'sent'
        ? `${EMAIL_LABELS[m.kind] ?? m.kind} (№ ${m.seq})`
        : `не отправлено письмо «${EMAIL_NAMES[m.kind] ?? m.kind}» (№ ${m.seq}), попыток: ${m.attempts}` +
          (m.lastError ? `; последняя ошибка: ${m.lastError}` : ''),
  }));
  return [...histories.flat(), ...fromLog, ...fromOutbox].sort((a, b) => a.at.localeCompare(b.at));
}
