// Every message of Svodka's workflows, the task queue and the payload types, in one place:
// workflows, the worker, the CLI, the portal and the tests all import it.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { SearchAttributePair } from '@temporalio/common';
import type { EventRow, Finding, QuarterId } from '../domain/types';
import type { ReminderPolicy } from '../domain/schedule';

export const TASK_QUEUE = 'svodka';

/**
 * The workflow task timeout of a quarter and of its groups (the server's default is 10 s). A group
 * hears from hundreds of municipalities; at national scale one of its tasks can wait longer than
 * 10 s for the worker's workflow thread. When the server then times the task out, the worker drops
 * the group from its cache and the next attempt replays its whole history (a thousand events and
 * more), which takes longer still: the 20,000 run saw tasks retried seven times.
 */
export const PARENT_WORKFLOW_TASK_TIMEOUT = '60s';

export const quarterWorkflowId = (quarter: QuarterId): string => `quarter/${quarter}`;
export const submissionWorkflowId = (quarter: QuarterId, municipality: string): string =>
  `quarter/${quarter}/${municipality}`;
export const groupWorkflowId = (quarter: QuarterId, group: number): string =>
  `quarter/${quarter}/group-${group}`;

// Search attributes registered on the dev server by `npm start` (and in production by admin-tools).
export const QuarterAttribute = defineSearchAttributeKey('Quarter', SearchAttributeType.KEYWORD);
export const MunicipalityAttribute = defineSearchAttributeKey('Municipality', SearchAttributeType.KEYWORD);
export const SubmissionStatusAttribute = defineSearchAttributeKey(
  'SubmissionStatus',
  SearchAttributeType.KEYWORD,
);
export const SEARCH_ATTRIBUTES = ['Quarter', 'Municipality', 'SubmissionStatus'] as const;

/** What a municipality's execution is found by, set by its parent at start (a fresh one: 'requested'). */
export const announcedAttributes = (
  quarter: QuarterId,
  municipality: string,
  state: SubmissionState = 'requested',
): SearchAttributePair[] => [
  { key: QuarterAttribute, value: quarter },
  { key: MunicipalityAttribute, value: municipality },
  { key: SubmissionStatusAttribute, value: state },
];

/** The state of one municipality in one quarter. */
export type SubmissionState =
  | 'requested'
  | 'reminded'
  | 'overdue'
  | 'extended'
  | 'submitted'
  | 'accepted'
  | 'rejected'
  | 'reopened'
  | 'excused'
  | 'not_submitted';

/** States in which the municipality owes nothing more; the quarter can be compiled. */
export const SETTLED_STATES: readonly SubmissionState[] = ['accepted', 'excused', 'not_submitted'];

export type Channel = 'cli' | 'web' | 'form' | 'email';

/**
 * An action as its surface asked for it: the request id (also the Update's id, so a form posted
 * twice or an email retried is one action), who asked and from where. The activity that carries the
 * action out writes its audit entry keyed by `id`.
 */
export type ActionMeta = { id: string; actor: string; origin: string };

export type SubmissionPayload =
  | { kind: 'file'; uploadId: string; channel: Channel; actor: string; action?: ActionMeta }
  | { kind: 'rows'; rows: EventRow[]; channel: Channel; actor: string; action?: ActionMeta }
  | { kind: 'nil'; channel: Channel; actor: string; action?: ActionMeta };

export type SubmissionResult = {
  accepted: boolean;
  version: number;
  submissionId: string;
  nil: boolean;
  rowCount: number;
  findings: Finding[];
  /** Set when the quarter no longer takes answers (closed or signed off). */
  closed?: boolean;
};

export type MunicipalitySummary = {
  code: string;
  state: SubmissionState;
  deadline: string;
  reminders: number;
  escalations: number;
  versions: number;
  /** The submission that goes into the report, once accepted. */
  acceptedSubmissionId: string | null;
  nil: boolean;
  rowCount: number;
  warnings: number;
  lastAnswerAt: string | null;
  excuseReason: string | null;
  /**
   * The last number used for each kind of email, as a finished execution hands it to its parent: a
   * new run for the same municipality continues from it, so an idempotency key is never reused.
   */
  sequence?: Partial<Record<EmailKind, number>>;
};

export type QuarterPhase = 'collecting' | 'awaiting_approval' | 'rendering' | 'approved';

export type QuarterStatus = {
  quarter: QuarterId;
  phase: QuarterPhase;
  deadline: string;
  timeScale: number;
  closed: boolean;
  /** Every municipality's summary; empty for a region run as a tree of groups (see counts). */
  municipalities: MunicipalitySummary[];
  /** How many municipalities are in each state: the whole region, flat or tree. */
  counts: Partial<Record<SubmissionState, number>>;
  total: number;
  /** Groups of ≤ groupSize municipalities, when the region is large enough to need them. */
  groups: number;
  draftReportId: string | null;
  finalReportId: string | null;
  finalSha256: string | null;
};

export type QuarterInput = {
  quarter: QuarterId;
  /** ISO date (YYYY-MM-DD): the last day to answer, Moscow time. */
  deadline: string;
  policy: ReminderPolicy;
  /** Every duration of the policy is divided by it (86400: a day lasts a second). */
  timeScale: number;
  /** Real time the quarter was launched (ISO); the virtual clock of a time-scaled quarter starts here. */
  startedAt: string;
  /** Municipality codes in region order; resolved from the registry when omitted. */
  municipalities?: string[];
  /**
   * A parent starts at most this many children (Temporal advises ≤ 1,000); a larger region is run
   * as a tree: the quarter starts groups, each group its municipalities. startQuarter states DEFAULT_GROUP_SIZE.
   */
  groupSize?: number;
};

export type GroupInput = Omit<SubmissionInput, 'municipality'> & { group: number; codes: string[] };

/** A group's standing, sent to the quarter in batches: counts, not 1,000 summaries. */
export type GroupSummary = {
  group: number;
  total: number;
  counts: Partial<Record<SubmissionState, number>>;
  settled: boolean;
  excused: string[];
  notSubmitted: string[];
};

export type SubmissionInput = {
  quarter: QuarterId;
  municipality: string;
  deadline: string;
  policy: ReminderPolicy;
  timeScale: number;
  startedAt: string;
  /**
   * A new run for a municipality whose previous run finished (its answer was settled): where that
   * run left off. The run waits for the command that woke it (a correction, a decision) and ends
   * again once the answer is settled.
   */
  resume?: { summary: MunicipalitySummary; closed: boolean };
  /** A new run started to return an accepted answer for changes (the quarter's request for changes). */
  reopen?: { comment: string; actor: string };
};

export type ApproveRequest = { signer: string; position: string | null; actor: string; action?: ActionMeta };
export type ApproveResult = { reportId: string; sha256: string; eventCount: number };

// --- the quarter (parent) ---
export const statusQuery = defineQuery<QuarterStatus>('statusQuery');
export const municipalityChangedSignal = defineSignal<[MunicipalitySummary]>('municipalityChangedSignal');
export const closeSignal = defineSignal<[{ actor: string; action?: ActionMeta }]>('closeSignal');
export const approveUpdate = defineUpdate<ApproveResult, [ApproveRequest]>('approveUpdate');
export const requestChangesUpdate = defineUpdate<
  { reopened: string[] },
  [{ municipalities: string[]; comment: string; actor: string; action?: ActionMeta }]
>('requestChangesUpdate');

/**
 * A municipality's execution ends once its answer is settled. A command for it afterwards (a
 * correction, an extension, a reopening) first asks the quarter to start a new run from where the
 * last one left off; the caller then sends its Update again. Refused once the report is signed.
 */
export const reviveUpdate = defineUpdate<{ started: boolean }, [{ code: string }]>('reviveUpdate');

// --- a group of municipalities (the middle of the tree) ---
export const groupChangedSignal = defineSignal<[GroupSummary]>('groupChangedSignal');
export const groupReopenSignal =
  defineSignal<[{ code: string; comment: string; actor: string }]>('groupReopenSignal');
/** The quarter's reviveUpdate, passed on to the group that owns the municipality. */
export const groupReviveSignal = defineSignal<[{ code: string }]>('groupReviveSignal');

// --- one municipality (child) ---
export const submissionStatusQuery = defineQuery<MunicipalitySummary>('submissionStatusQuery');
/**
 * Whether the municipality's workflow takes an answer now, and if not, why. A municipality already
 * settled may also be held by the quarter's close, which only the quarter knows.
 */
export type Answerable = {
  accepting: boolean;
  reason: 'locked' | 'closed' | 'excused' | null;
  state: SubmissionState;
};
/**
 * Asked by the portal before it stores an upload: the municipality's own workflow answers alone,
 * so a busy quarter (signalled by every municipality) is not asked on every upload.
 */
export const answerableQuery = defineQuery<Answerable>('answerableQuery');
export const submitUpdate = defineUpdate<SubmissionResult, [SubmissionPayload]>('submitUpdate');
export const extendUpdate = defineUpdate<
  MunicipalitySummary,
  [{ until: string; actor: string; action?: ActionMeta }]
>('extendUpdate');
export const excuseUpdate = defineUpdate<
  MunicipalitySummary,
  [{ reason: string; actor: string; action?: ActionMeta }]
>('excuseUpdate');
export const remindUpdate = defineUpdate<MunicipalitySummary, [{ actor: string; action?: ActionMeta }]>(
  'remindUpdate',
);
export const reopenUpdate = defineUpdate<
  MunicipalitySummary,
  [{ comment: string; actor: string; action?: ActionMeta }]
>('reopenUpdate');
/** From the parent: stop waiting (close) or stop for good (locked after sign-off). */
export const closeSubmissionSignal = defineSignal<[{ actor: string }]>('closeSubmissionSignal');
export const lockSignal = defineSignal('lockSignal');
/** From the parent's requestChanges: the same as reopenUpdate, without an answer. */
export const reopenSignal = defineSignal<[{ comment: string; actor: string }]>('reopenSignal');

/** Every email Svodka sends to a municipality; the sequence number makes the idempotency key. */
export type EmailKind =
  | 'request'
  | 'reminder'
  | 'deadline'
  | 'overdue'
  | 'escalation'
  | 'accepted'
  | 'rejected'
  | 'extended'
  | 'excused'
  | 'reopened'
  | 'closed';

export type MunicipalityEmail = {
  quarter: QuarterId;
  municipality: string;
  kind: EmailKind;
  seq: number;
  deadline: string;
  submissionId?: string;
  comment?: string;
};

/** The request emails of a quarter's municipalities (or of one group), sent in one activity. */
export type RequestRound = { quarter: QuarterId; deadline: string; codes: string[] };

/** The next sequence number of each email a recorded answer can be acknowledged with. */
export type AcknowledgementSeq = { accepted: number; rejected: number };

/** A recorded answer, and whether its acknowledgement email went out in the same activity. */
export type AcknowledgedResult = SubmissionResult & { acknowledged: boolean };

/** What the report is made of: each municipality's standing, in region order. */
export type ReportEntry = { code: string; state: SubmissionState; submissionId: string | null; nil: boolean };
export type RenderRequest = {
  quarter: QuarterId;
  kind: 'draft' | 'final';
  /** Each municipality's standing; for a tree-run region, taken from the database instead (see fromDatabase). */
  entries: ReportEntry[];
  /** Tree-run regions: every latest accepted submission of the quarter, minus these. */
  fromDatabase?: { excused: string[]; notSubmitted: string[] };
  /** actor: the signed-in account that approved, named in the sign-off manifest. */
  signOff?: { signer: string; position: string | null; date: string; actor?: string };
  /**
   * The approving action: the activity that stores the final report writes its `report.approve`
   * audit entry, keyed by the action's id, before the manifest that anchors the chain.
   */
  approval?: ActionMeta;
};
/**
 * Copy the quarter's histories into the database: at close a snapshot, at sign-off the final record.
 * The status is the quarter's own, small for any region (a tree's carries counts, not summaries).
 */
export type ArchiveRequest = { quarter: QuarterId; status: QuarterStatus; final: boolean };
export type RenderResult = { reportId: string; sha256: string; eventCount: number };

/**
 * Temporal advises a parent to start no more than about a thousand children, and the server's cost
 * of each event grows with the execution's open children: groups of 200 keep every group's history
 * near 2,500 events and a national quarter (20,000) at 100 groups.
 */
export const DEFAULT_GROUP_SIZE = 200;

export { requestedSummary } from '../domain/submission-machine';

// The schedule that opens quarters by themselves (issue 18.2): its fixed action starts the opener.
/** The one schedule of an installation; its runs are `quarter-opener-<time>`. */
export const OPENER_SCHEDULE_ID = 'svodka-quarter-opener';
export const OPENER_WORKFLOW_ID = 'quarter-opener';
/** Each region of the installation has its own opener; the home region's (region null) keeps the ids above. */
export const openerScheduleId = (region?: string | null): string =>
  region ? `${OPENER_SCHEDULE_ID}.${region}` : OPENER_SCHEDULE_ID;
export const openerWorkflowId = (region?: string | null): string =>
  region ? `${OPENER_WORKFLOW_ID}.${region}` : OPENER_WORKFLOW_ID;

/** The opener's input: the coordinator's rule and, optionally, the policy of the quarters it opens. */
export type OpenerInput = {
  rule: { openOnWorkingDay: number; deadlineWorkingDays: number };
  /** As typed at `schedule create`; blank: the installation's default when the quarter opens. */
  policy?: { remindBefore?: string; overdueEvery?: string; escalateAfter?: string };
  /** Who set the schedule up: the audit log names them as the quarter's starter. */
  actor: string;
  /** The code of the region whose quarters it opens; absent: the home region (keys "2024-Q2"). */
  region?: string | null;
};

export type OpenerResult =
  | { opened: true; quarter: string; deadline: string; notified: boolean }
  | { opened: false; quarter: string | null; reason: 'not-due' | 'already-started' | 'finished' };

// The coordinator's daily notifications (issue 18.7) and the auditors' anchor (issue 17.3): one
// schedule, one workflow a day.
/** The schedule of the daily digest and audit anchor; its runs are `daily-notifications-<time>`. */
export const DAILY_SCHEDULE_ID = 'svodka-daily-notifications';
export const DAILY_WORKFLOW_ID = 'daily-notifications';

export type DigestResult = {
  /** Moscow date the digest is for. */
  day: string;
  outcome: 'sent' | 'already-sent' | 'nothing' | 'day-off' | 'off';
  counts?: { late: number; rejected: number; inbound: number; unsent: number };
};

export type DailyResult = {
  digest: DigestResult;
  /** The anchor's head hash; null when SVODKA_AUDITOR_EMAIL is not set. */
  anchor: string | null;
};
