// The quarter: one child per municipality, a draft once every municipality is settled, sign-off
// through an Update, then the children are locked and the final report is distributed.
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
  closeSignal,
  closeSubmissionSignal,
  lockSignal,
  municipalityChangedSignal,
  QuarterAttribute,
  reopenSignal,
  requestChangesUpdate,
  SETTLED_STATES,
  statusQuery,
  submissionWorkflowId,
} from './api';
import type {
  ApproveResult,
  MunicipalitySummary,
  QuarterInput,
  QuarterPhase,
  QuarterStatus,
  RenderResult,
  ReportEntry,
} from './api';
import { municipalitySubmission } from './municipality-submission';

type Activities = ReturnType<typeof createActivities>;

const { listMunicipalities, renderReport, distributeReport } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function quarterlyReport(input: QuarterInput): Promise<QuarterStatus> {
  const { quarter } = input;
  const codes: string[] = input.municipalities ?? (await listMunicipalities());
  const summaries = new Map<string, MunicipalitySummary>();
  let phase: QuarterPhase = 'collecting';
  let closed = false;
  let closeForwarded = false;
  let changes = 0;
  let draft: (RenderResult & { changes: number }) | null = null;
  let final: RenderResult | null = null;
  let approval: { signer: string; position: string | null; date: string } | null = null;
  const reopenQueue: { code: string; comment: string; actor: string }[] = [];

  const settled = () =>
    codes.every((code) => {
      const s = summaries.get(code);
      return s !== undefined && SETTLED_STATES.includes(s.state);
    });
  const draftCurrent = () => draft !== null && draft.changes === changes;

  const status = (): QuarterStatus => ({
    quarter,
    phase,
    deadline: input.deadline,
    timeScale: input.timeScale,
    closed,
    municipalities: codes.map((code) => summaries.get(code) ?? pendingSummary(code, input.deadline)),
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

  setHandler(statusQuery, status);
  setHandler(municipalityChangedSignal, (summary) => {
    summaries.set(summary.code, summary);
    changes++;
  });
  setHandler(closeSignal, () => {
    closed = true;
  });

  setHandler(
    approveUpdate,
    async ({ signer, position }): Promise<ApproveResult> => {
      phase = 'rendering';
      approval = { signer, position, date: new Date().toISOString().slice(0, 10) };
      const result = await renderReport({ quarter, kind: 'final', entries: entries(), signOff: approval });
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
    ({ municipalities, comment, actor }) => {
      for (const code of municipalities) reopenQueue.push({ code, comment, actor });
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

  upsertSearchAttributes([{ key: QuarterAttribute, value: quarter }]);

  // All children start in one workflow task: their start commands go to the server together.
  const handles = await Promise.all(
    codes.map((code) =>
      startChild(municipalitySubmission, {
        workflowId: submissionWorkflowId(quarter, code),
        args: [
          {
            quarter,
            municipality: code,
            deadline: input.deadline,
            policy: input.policy,
            timeScale: input.timeScale,
            startedAt: input.startedAt,
          },
        ],
        // The children end when the quarter is signed off; they never outlive it.
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      }),
    ),
  );
  const children = new Map<string, ChildWorkflowHandle<typeof municipalitySubmission>>(
    codes.map((code, i) => [code, handles[i]!]),
  );

  // Handlers change the phase between awaits; read it through a function so TypeScript does not narrow it.
  const currentPhase = (): QuarterPhase => phase;
  while (currentPhase() !== 'approved') {
    await condition(
      () =>
        phase === 'approved' ||
        reopenQueue.length > 0 ||
        (closed && !closeForwarded) ||
        (settled() && !draftCurrent() && phase !== 'rendering'),
    );
    if (currentPhase() === 'approved') break;
    if (closed && !closeForwarded) {
      closeForwarded = true;
      for (const code of codes) {
        const s = summaries.get(code);
        if (s && SETTLED_STATES.includes(s.state)) continue;
        await getExternalWorkflowHandle(submissionWorkflowId(quarter, code)).signal(closeSubmissionSignal, {
          actor: 'coordinator',
        });
      }
      continue;
    }
    while (reopenQueue.length > 0) {
      const { code, comment, actor } = reopenQueue.shift()!;
      await getExternalWorkflowHandle(submissionWorkflowId(quarter, code)).signal(reopenSignal, { comment, actor });
    }
    if (!settled() || draftCurrent()) continue;
    const at = changes;
    phase = 'rendering';
    const rendered = await renderReport({ quarter, kind: 'draft', entries: entries() });
    draft = { ...rendered, changes: at };
    // Approval may have started while the draft was rendering; it owns the phase then.
    if (currentPhase() === 'rendering') phase = settled() ? 'awaiting_approval' : 'collecting';
  }

  await condition(() => final !== null);
  for (const code of codes) {
    await getExternalWorkflowHandle(submissionWorkflowId(quarter, code)).signal(lockSignal);
  }
  await Promise.all([...children.values()].map((child) => child.result()));
  await distributeReport({ quarter, reportId: final!.reportId });
  await condition(allHandlersFinished);
  return status();
}

function pendingSummary(code: string, deadline: string): MunicipalitySummary {
  return {
    code,
    state: 'requested',
    deadline,
    reminders: 0,
    escalations: 0,
    versions: 0,
    acceptedSubmissionId: null,
    nil: false,
    rowCount: 0,
    warnings: 0,
    lastAnswerAt: null,
    excuseReason: null,
  };
}
