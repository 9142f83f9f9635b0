// One municipality's answer for one quarter: the request, reminders and escalation on the policy's
// calendar, submissions through an Update, and the coordinator's controls. It stays open until the
// quarter is signed off, so a reopened or corrected answer lands in the same execution.
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { sideEffectOptions } from './activity-options';
import { endOfMoscowDay, plannedReminders, realDelayUntil, toVirtual } from '../domain/schedule';
import type { PlannedReminder, VirtualClock } from '../domain/schedule';
import {
  answerableQuery,
  requestedSummary,
  closeSubmissionSignal,
  excuseUpdate,
  extendUpdate,
  lockSignal,
  MunicipalityAttribute,
  municipalityChangedSignal,
  QuarterAttribute,
  remindUpdate,
  reopenSignal,
  reopenUpdate,
  SubmissionStatusAttribute,
  submissionStatusQuery,
  submitUpdate,
} from './api';
import type { Answerable, EmailKind, MunicipalitySummary, SubmissionInput, SubmissionResult } from './api';

type Activities = ReturnType<typeof createActivities>;

// Scheduled, not local: an Update is accepted only when the workflow task running its handler
// completes, and a local activity holds that task, so a worker killed mid-email took the Update down.
const { sendMunicipalityEmail, recordAndAcknowledge } = proxyActivities<Activities>(sideEffectOptions);

export async function municipalitySubmission(input: SubmissionInput): Promise<MunicipalitySummary> {
  const { quarter, municipality } = input;
  const clock: VirtualClock = { originReal: Date.parse(input.startedAt), scale: input.timeScale };
  const summary: MunicipalitySummary = requestedSummary(municipality, input.deadline);
  let locked = false;
  let closed = false;
  let dirty = true;
  let busy = false;
  type QueuedEmail = { kind: EmailKind; submissionId?: string; comment?: string; seq?: number };
  const outbox: QueuedEmail[] = [];
  const sequence = new Map<EmailKind, number>();

  // Reminders are owed only while the municipality has not answered acceptably.
  const owesAnswer = () => !['accepted', 'excused', 'not_submitted'].includes(summary.state);
  // …and not while an answer is being checked, nor once the collection is closed.
  const remindable = () => owesAnswer() && summary.state !== 'submitted' && !closed;
  const nowVirtual = () => toVirtual(clock, Date.now());
  const planFrom = (deadline: string, after: number): PlannedReminder[] => [
    ...plannedReminders(input.policy, deadline).filter((p) => p.at > after),
  ];
  let plan = planFrom(summary.deadline, nowVirtual());
  let overdueAt = endOfMoscowDay(summary.deadline);

  const change = (patch: Partial<MunicipalitySummary>) => {
    Object.assign(summary, patch);
    dirty = true;
  };
  const queueEmail = (kind: EmailKind, extra: Omit<QueuedEmail, 'kind'> = {}) =>
    outbox.push({ kind, ...extra });
  const nextSeq = (kind: EmailKind) => (sequence.get(kind) ?? 0) + 1;

  const reopen = (comment: string) => {
    if (locked) return;
    closed = false;
    change({ state: 'reopened' });
    queueEmail('reopened', { comment });
    plan = planFrom(summary.deadline, nowVirtual());
  };

  setHandler(submissionStatusQuery, () => summary);
  // The same refusals as submitUpdate's validator, asked before anything is stored.
  setHandler(answerableQuery, (): Answerable => {
    const reason = locked ? 'locked' : closed ? 'closed' : summary.state === 'excused' ? 'excused' : null;
    return { accepting: reason === null, reason, state: summary.state };
  });

  setHandler(
    submitUpdate,
    async (payload): Promise<SubmissionResult> => {
      // Answers are checked one at a time. Two waiting answers wake in the same activation, so each
      // looks again once it runs.
      while (busy) await condition(() => !busy);
      busy = true;
      try {
        const version = summary.versions + 1;
        // 'submitted' lasts as long as the check; the parent needs only its outcome.
        Object.assign(summary, { versions: version, state: 'submitted' });
        // The answer is recorded and its result emailed in one activity; the workflow sends the
        // email itself only when the relay could not take it then.
        const ackSeq = { accepted: nextSeq('accepted'), rejected: nextSeq('rejected') };
        const { acknowledged, ...result } = await recordAndAcknowledge({
          quarter,
          municipality,
          version,
          payload,
          deadline: summary.deadline,
          ackSeq,
        });
        const at = new Date().toISOString();
        if (result.accepted) {
          change({
            state: 'accepted',
            acceptedSubmissionId: result.submissionId,
            nil: result.nil,
            rowCount: result.rowCount,
            warnings: result.findings.filter((f) => f.severity === 'warning').length,
            lastAnswerAt: at,
          });
        } else {
          // A rejected correction does not take back an answer that was accepted before.
          change({ state: 'rejected', lastAnswerAt: at });
        }
        const kind = result.accepted ? 'accepted' : 'rejected';
        // The number is taken now, sent or not, so the next answer's result never reuses it.
        sequence.set(kind, ackSeq[kind]);
        if (!acknowledged) queueEmail(kind, { submissionId: result.submissionId, seq: ackSeq[kind] });
        return result;
      } finally {
        busy = false;
      }
    },
    {
      validator: (_payload) => {
        if (locked)
          throw new Error(`Квартал ${quarter} закрыт: отчет подписан, сведения больше не принимаются.`);
        if (closed) throw new Error(`Сбор сведений за ${quarter} закрыт координатором; обратитесь к нему.`);
        if (summary.state === 'excused')
          throw new Error('Муниципальное образование освобождено от представления сведений за этот квартал.');
      },
    },
  );

  setHandler(
    extendUpdate,
    ({ until }) => {
      change({
        deadline: until,
        state: owesAnswer() && summary.state !== 'rejected' ? 'extended' : summary.state,
      });
      plan = planFrom(until, nowVirtual());
      overdueAt = endOfMoscowDay(until);
      if (owesAnswer()) queueEmail('extended');
      return summary;
    },
    {
      validator: ({ until }) => {
        if (locked) throw new Error(`Квартал ${quarter} закрыт: отчет подписан.`);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(until)) throw new Error('Новый срок указывается как ГГГГ-ММ-ДД.');
      },
    },
  );

  setHandler(
    excuseUpdate,
    ({ reason }) => {
      change({ state: 'excused', excuseReason: reason });
      queueEmail('excused', { comment: reason });
      return summary;
    },
    {
      validator: ({ reason }) => {
        if (locked) throw new Error(`Квартал ${quarter} закрыт: отчет подписан.`);
        if (!reason.trim()) throw new Error('Укажите причину освобождения.');
        if (summary.state === 'accepted') throw new Error('Сведения уже приняты; освобождать не нужно.');
      },
    },
  );

  setHandler(
    remindUpdate,
    () => {
      queueEmail('reminder');
      change({
        reminders: summary.reminders + 1,
        state: summary.state === 'requested' ? 'reminded' : summary.state,
      });
      return summary;
    },
    {
      validator: (_request) => {
        if (locked || closed) throw new Error(`Сбор сведений за ${quarter} закрыт.`);
        if (!owesAnswer())
          throw new Error('Напоминать не о чем: сведения приняты или муниципалитет освобожден.');
      },
    },
  );

  setHandler(
    reopenUpdate,
    ({ comment }) => {
      reopen(comment);
      return summary;
    },
    {
      validator: ({ comment }) => {
        if (locked) throw new Error(`Квартал ${quarter} закрыт: отчет подписан.`);
        if (!comment.trim()) throw new Error('Напишите, что нужно исправить.');
        if (summary.state !== 'accepted')
          throw new Error('Вернуть на доработку можно только принятые сведения.');
      },
    },
  );

  setHandler(reopenSignal, ({ comment }) => reopen(comment));
  setHandler(closeSubmissionSignal, () => {
    closed = true;
    if (owesAnswer()) change({ state: 'not_submitted' });
  });
  setHandler(lockSignal, () => {
    locked = true;
  });

  // The parent counts every municipality as freshly requested until told otherwise (requestedSummary).
  const parentAssumes = () =>
    summary.state === 'requested' &&
    summary.reminders === 0 &&
    summary.versions === 0 &&
    summary.deadline === input.deadline;
  const publish = async () => {
    dirty = false;
    upsertSearchAttributes([
      { key: QuarterAttribute, value: quarter },
      { key: MunicipalityAttribute, value: municipality },
      { key: SubmissionStatusAttribute, value: summary.state },
    ]);
    const parent = workflowInfo().parent;
    if (parent && !parentAssumes())
      await getExternalWorkflowHandle(parent.workflowId).signal(municipalityChangedSignal, { ...summary });
  };

  const send = async (kind: EmailKind, extra: Omit<QueuedEmail, 'kind'> = {}) => {
    const { seq: reserved, ...rest } = extra;
    const seq = reserved ?? nextSeq(kind);
    if (reserved === undefined) sequence.set(kind, seq);
    await sendMunicipalityEmail({ quarter, municipality, kind, seq, deadline: summary.deadline, ...rest });
  };

  // The parent sent request № 1 and set the search attributes this summary would publish: nothing
  // to do until an answer, a reminder or a decision comes.
  sequence.set('request', 1);
  dirty = false;

  while (!locked) {
    const next = remindable() ? plan[0] : undefined;
    const markOverdue = remindable() && summary.state !== 'overdue' && summary.state !== 'rejected';
    const wakeAt = Math.min(
      next?.at ?? Infinity,
      markOverdue && overdueAt > nowVirtual() ? overdueAt : Infinity,
    );
    const woken = Number.isFinite(wakeAt)
      ? await condition(
          () => dirty || locked || outbox.length > 0,
          Math.max(1, realDelayUntil(clock, Date.now(), wakeAt)),
        )
      : // condition() without a timeout resolves to undefined, not true: say what it means.
        await condition(() => dirty || locked || outbox.length > 0).then(() => true);
    if (!woken) {
      const now = nowVirtual();
      // An answer or a decision may have arrived meanwhile; it, not the calendar, decides the state.
      if (remindable() && now >= overdueAt && summary.state !== 'rejected') change({ state: 'overdue' });
      while (plan[0] && plan[0].at <= now && remindable()) {
        const due = plan.shift()!;
        await send(due.kind);
        if (due.kind === 'escalation') change({ escalations: summary.escalations + 1 });
        else change({ reminders: summary.reminders + 1 });
        if (remindable() && summary.state !== 'rejected')
          change({ state: due.kind === 'overdue' || now >= overdueAt ? 'overdue' : 'reminded' });
      }
    }
    while (outbox.length > 0) {
      const mail = outbox.shift()!;
      await send(mail.kind, mail);
    }
    if (dirty) await publish();
  }

  await condition(allHandlersFinished);
  return summary;
}
