// The quarter: one child per municipality (or per group of them), a draft once every municipality
// is settled, sign-off through an Update, then the report is distributed. A municipality's run ends
// when its answer is settled (workflows/municipality-runs.ts); sign-off locks only those still going.
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ChildWorkflowHandle } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  approveUpdate,
  requestedSummary,
  closeSignal,
  groupChangedSignal,
  groupReopenSignal,
  groupReviveSignal,
  groupWorkflowId,
  closeSubmissionSignal,
  DEFAULT_GROUP_SIZE,
  lockSignal,
  municipalityChangedSignal,
  QuarterAttribute,
  requestChangesUpdate,
  reviveUpdate,
  PARENT_WORKFLOW_TASK_TIMEOUT,
  SETTLED_STATES,
  statusQuery,
  submissionWorkflowId,
} from './api';
import type { AuditRecord } from '../domain/submission-machine';
import type {
  ActionMeta,
  ApproveResult,
  GroupSummary,
  MunicipalitySummary,
  RenderRequest,
  SubmissionState,
  QuarterInput,
  QuarterPhase,
  QuarterStatus,
  RenderResult,
  ReportEntry,
} from './api';
import { archiveOptions, requestRoundOptions } from './activity-options';
import { moscowDate } from '../domain/schedule';
import { municipalityRuns } from './municipality-runs';
import { submissionGroup } from './submission-group';

type Activities = ReturnType<typeof createActivities>;

const { listMunicipalities, renderReport, distributeReport, recordAudit } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
const { archiveHistories } = proxyActivities<Activities>(archiveOptions);
const { sendRequestEmails } = proxyActivities<Activities>(requestRoundOptions);

export async function quarterlyReport(input: QuarterInput): Promise<QuarterStatus> {
  const { quarter } = input;
  const codes: string[] = input.municipalities ?? (await listMunicipalities());
  const summaries = new Map<string, MunicipalitySummary>();
  // A region larger than a group runs as a tree: quarter → groups → municipalities.
  const groupSize = input.groupSize ?? DEFAULT_GROUP_SIZE;
  const groupCodes: string[][] = [];
  if (codes.length > groupSize) {
    for (let i = 0; i < codes.length; i += groupSize) groupCodes.push(codes.slice(i, i + groupSize));
  }
  const tree = groupCodes.length > 0;
  const groups = new Map<number, GroupSummary>();
  const groupOf = (code: string) => Math.floor(codes.indexOf(code) / groupSize);
  let phase: QuarterPhase = 'collecting';
  let closed = false;
  let closeForwarded = false;
  let closeArchive: Promise<unknown> | undefined;
  let changes = 0;
  let draft: (RenderResult & { changes: number }) | null = null;
  let final: RenderResult | null = null;
  let approval: { signer: string; position: string | null; date: string; actor?: string } | null = null;
  const reopenQueue: { code: string; comment: string; actor: string }[] = [];
  // The coordinator's decisions on the whole quarter, written to the audit log by the loop below.
  const audits: AuditRecord[] = [];
  const audit = (action: ActionMeta | undefined, name: string, detail: Record<string, unknown> = {}) => {
    if (action)
      audits.push({
        quarter,
        municipality: null,
        action: name,
        actor: action.actor,
        origin: action.origin,
        detail,
        actionId: action.id,
      });
  };
  const writeAudits = async () => {
    while (audits.length > 0) await recordAudit(audits.shift()!);
  };

  const settled = () =>
    tree
      ? groupCodes.every((_, i) => groups.get(i)?.settled === true)
      : codes.every((code) => {
          const s = summaries.get(code);
          return s !== undefined && SETTLED_STATES.includes(s.state);
        });
  const counts = (): Partial<Record<SubmissionState, number>> => {
    const out: Partial<Record<SubmissionState, number>> = {};
    const add = (state: SubmissionState, n: number) => (out[state] = (out[state] ?? 0) + n);
    if (!tree) for (const code of codes) add(summaries.get(code)?.state ?? 'requested', 1);
    else
      groupCodes.forEach((members, i) => {
        const g = groups.get(i);
        if (!g) return add('requested', members.length);
        for (const [state, n] of Object.entries(g.counts)) add(state as SubmissionState, n);
      });
    return out;
  };
  const draftCurrent = () => draft !== null && draft.changes === changes;

  const status = (): QuarterStatus => ({
    quarter,
    phase,
    deadline: input.deadline,
    timeScale: input.timeScale,
    closed,
    municipalities: tree
      ? []
      : codes.map((code) => summaries.get(code) ?? requestedSummary(code, input.deadline)),
    counts: counts(),
    total: codes.length,
    groups: groupCodes.length,
    draftReportId: draft?.reportId ?? null,
    finalReportId: final?.reportId ?? null,
    finalSha256: final?.sha256 ?? null,
  });

  const entries = (): ReportEntry[] =>
    codes.map((code) => {
      const s = summaries.get(code);
      return {
        code,
        state: s?.state ?? 'not_submitted',
        submissionId: s?.state === 'accepted' ? s.acceptedSubmissionId : null,
        nil: s?.nil ?? false,
      };
    });

  /** What the report is made of: flat regions name each submission; trees leave it to the database. */
  const reportSource = (): Pick<RenderRequest, 'entries' | 'fromDatabase'> =>
    tree
      ? {
          entries: [],
          fromDatabase: {
            excused: [...groups.values()].flatMap((g) => g.excused),
            notSubmitted: [...groups.values()].flatMap((g) => g.notSubmitted),
          },
        }
      : { entries: entries() };

  setHandler(statusQuery, status);
  setHandler(groupChangedSignal, (g) => {
    groups.set(g.group, g);
    changes++;
  });
  setHandler(municipalityChangedSignal, (summary) => {
    summaries.set(summary.code, summary);
    changes++;
  });
  setHandler(closeSignal, ({ action }) => {
    closed = true;
    audit(action, 'quarter.close');
  });

  setHandler(
    approveUpdate,
    async ({ signer, position, actor, action }): Promise<ApproveResult> => {
      phase = 'rendering';
      // The date an official in Moscow signs on, not UTC's (before 03:00 it is still yesterday there).
      approval = { signer, position, date: moscowDate(Date.now()), actor };
      // The approval's audit entry is written by the activity that stores the final report.
      const result = await renderReport({
        quarter,
        kind: 'final',
        ...reportSource(),
        signOff: approval,
        ...(action ? { approval: action } : {}),
      });
      final = result;
      phase = 'approved';
      return result;
    },
    {
      validator: ({ signer }) => {
        if (phase === 'approved' || final) throw new Error(`Отчет за ${quarter} уже подписан.`);
        if (!signer.trim()) throw new Error('Укажите, кто подписывает отчет (--signer).');
        if (phase !== 'awaiting_approval' || !draftCurrent())
          throw new Error(
            `Отчет за ${quarter} еще не готов к подписанию: не все муниципальные образования представили сведения ` +
              'или проект отчета обновляется. Посмотрите «svodka quarter status».',
          );
      },
    },
  );

  setHandler(
    requestChangesUpdate,
    ({ municipalities, comment, actor, action }) => {
      for (const code of municipalities) reopenQueue.push({ code, comment, actor });
      audit(action, 'quarter.request-changes', { municipalities, comment });
      phase = 'collecting';
      return { reopened: municipalities };
    },
    {
      validator: ({ municipalities, comment }) => {
        if (phase === 'approved' || final) throw new Error(`Отчет за ${quarter} уже подписан.`);
        if (!comment.trim()) throw new Error('Напишите, что нужно исправить.');
        const unknown = municipalities.filter((code: string) => !codes.includes(code));
        if (municipalities.length === 0 || unknown.length > 0)
          throw new Error(`Неизвестные муниципальные образования: ${unknown.join(', ') || '(не указаны)'}`);
      },
    },
  );

  const childInput = {
    quarter,
    deadline: input.deadline,
    policy: input.policy,
    timeScale: input.timeScale,
    startedAt: input.startedAt,
  };
  const runs = municipalityRuns({
    input: childInput,
    onFinished: (summary) => {
      summaries.set(summary.code, summary);
      changes++;
    },
  });
  const lastSummary = (code: string) => () => summaries.get(code) ?? requestedSummary(code, input.deadline);
  let membersStarted = false;

  setHandler(
    reviveUpdate,
    async ({ code }) => {
      if (tree) {
        await getExternalWorkflowHandle(groupWorkflowId(quarter, groupOf(code))).signal(groupReviveSignal, {
          code,
        });
        return { started: true };
      }
      return { started: await runs.revive(code, lastSummary(code), closed) };
    },
    {
      validator: ({ code }) => {
        if (phase === 'approved' || final)
          throw new Error(`Квартал ${quarter} закрыт: отчет подписан, сведения больше не принимаются.`);
        if (!codes.includes(code)) throw new Error(`Неизвестное муниципальное образование: ${code}`);
        // A municipality's first run is still being started: a second start would clash with it.
        if (!membersStarted)
          throw new Error(`Сбор сведений за ${quarter} еще начинается: повторите через минуту.`);
      },
    },
  );

  upsertSearchAttributes([{ key: QuarterAttribute, value: quarter }]);

  // The quarter sends the request round itself, in one activity, and starts each municipality with
  // its search attributes set: a child has nothing to do until someone answers.
  // All children start in one workflow task: their start commands go to the server together.
  // No child outlives the quarter.
  const groupRuns: ChildWorkflowHandle<typeof submissionGroup>[] = tree
    ? await Promise.all(
        groupCodes.map((members, group) =>
          startChild(submissionGroup, {
            workflowId: groupWorkflowId(quarter, group),
            args: [{ ...childInput, group, codes: members }],
            parentClosePolicy: ParentClosePolicy.TERMINATE,
            workflowTaskTimeout: PARENT_WORKFLOW_TASK_TIMEOUT,
          }),
        ),
      )
    : [];
  if (!tree) await Promise.all(codes.map((code) => runs.start(code)));
  membersStarted = true;
  // Not awaited here: with the relay down the round retries for as long as it takes, and the
  // quarter goes on taking answers meanwhile.
  const requestRound = tree ? undefined : sendRequestEmails({ quarter, deadline: input.deadline, codes });
  const groupIds = groupCodes.map((_, group) => groupWorkflowId(quarter, group));

  // Handlers change the phase between awaits; read it through a function so TypeScript does not narrow it.
  const currentPhase = (): QuarterPhase => phase;
  while (currentPhase() !== 'approved') {
    await condition(
      () =>
        phase === 'approved' ||
        reopenQueue.length > 0 ||
        audits.length > 0 ||
        (closed && !closeForwarded) ||
        (settled() && !draftCurrent() && phase !== 'rendering'),
    );
    if (currentPhase() === 'approved') break;
    if (audits.length > 0) {
      await writeAudits();
      // Approval may have come while the entries were written.
      if (currentPhase() === 'approved') break;
    }
    if (closed && !closeForwarded) {
      closeForwarded = true;
      // A settled municipality's run has ended; only those still owing an answer are told.
      const open = tree
        ? groupIds
        : runs
            .runningCodes()
            .filter((code) => !SETTLED_STATES.includes(summaries.get(code)?.state ?? 'requested'))
            .map((code) => submissionWorkflowId(quarter, code));
      await signalAll(open, (id) =>
        getExternalWorkflowHandle(id)
          .signal(closeSubmissionSignal, { actor: 'coordinator' })
          // A run that ended meanwhile was settled: the close has nothing to do there.
          .catch(() => undefined),
      );
      // A snapshot of the record at close; the final copy replaces it at sign-off.
      closeArchive = archiveHistories({ quarter, status: status(), final: false });
      continue;
    }
    while (reopenQueue.length > 0) {
      const { code, comment, actor } = reopenQueue.shift()!;
      if (tree)
        await getExternalWorkflowHandle(groupWorkflowId(quarter, groupOf(code))).signal(groupReopenSignal, {
          code,
          comment,
          actor,
        });
      else await runs.revive(code, lastSummary(code), closed, { comment, actor });
    }
    if (!settled() || draftCurrent()) continue;
    const at = changes;
    phase = 'rendering';
    const rendered = await renderReport({ quarter, kind: 'draft', ...reportSource() });
    draft = { ...rendered, changes: at };
    // Approval may have started while the draft was rendering; it owns the phase then.
    if (currentPhase() === 'rendering') phase = settled() ? 'awaiting_approval' : 'collecting';
  }

  await condition(() => final !== null);
  if (tree) {
    await signalAll(groupIds, (id) => getExternalWorkflowHandle(id).signal(lockSignal));
    await Promise.all(groupRuns.map((group) => group.result()));
  } else await runs.lockAll();
  await requestRound;
  await distributeReport({ quarter, reportId: final!.reportId });
  await condition(allHandlersFinished);
  await writeAudits();
  // The record outlives Temporal: every history of the quarter, now complete but for the quarter's
  // own last events, is copied into the database with the status the quarter returns.
  await closeArchive;
  await archiveHistories({ quarter, status: status(), final: true });
  return status();
}

/** Signals many executions at once: their commands go to the server in one workflow task. */
async function signalAll(ids: string[], send: (id: string) => Promise<void>): Promise<void> {
  await Promise.all(ids.map(send));
}
