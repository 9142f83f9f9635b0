// For the portal's unit tests (test/unit/web-*.test.ts): a real SQLite database with the registry,
// and a fake Temporal client that keeps quarter statuses in memory and answers submitUpdate with
// the real recordSubmission activity (so versions, rows and findings land in the database).
import { appendAudit } from '../../infrastructure/audit';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ScheduleNotFoundError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { createDb } from '../../infrastructure/db/client';
import type { Db } from '../../infrastructure/db/client';
import { setupDatabase } from '../../infrastructure/db/setup';
import { auditSubmission, recordSubmission } from '../../activities/submissions';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import { requestedSummary } from '../../workflows/api';
import type { MunicipalitySummary, QuarterStatus, SubmissionPayload } from '../../workflows/api';
import { buildPortal } from '../../client/web/server';
import type { PortalConfig } from '../../client/web/server';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createUser } from '../../client/web/auth';

export type TestDb = { db: Db; dir: string; close(): Promise<void> };

export async function createTestDb(): Promise<TestDb> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-web-'));
  const url = `file:${path.join(dir, 'svodka.db')}`;
  await setupDatabase(url);
  const db = await createDb(url);
  return {
    db,
    dir,
    async close() {
      await db.$disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type FakeCall = {
  workflowId: string;
  kind: 'query' | 'update' | 'signal' | 'start';
  name: string;
  args: unknown[];
  /** The Update's id, when the caller gave one. */
  updateId?: string;
};

export function summary(code: string, patch: Partial<MunicipalitySummary> = {}): MunicipalitySummary {
  return { ...requestedSummary(code, '2099-07-10'), ...patch };
}

export function quarterStatus(quarter: string, patch: Partial<QuarterStatus> = {}): QuarterStatus {
  return {
    quarter,
    phase: 'collecting',
    deadline: '2099-07-10',
    timeScale: 1,
    closed: false,
    municipalities: SMOLENSK_MUNICIPALITIES.map((m) => summary(m.code)),
    counts: { requested: SMOLENSK_MUNICIPALITIES.length },
    total: SMOLENSK_MUNICIPALITIES.length,
    groups: 0,
    draftReportId: null,
    finalReportId: null,
    finalSha256: null,
    ...patch,
  };
}

export type FakeTemporal = { client: Client; calls: FakeCall[]; statuses: Map<string, QuarterStatus> };

/** Workflows by id: quarter/<q> answers statusQuery; quarter/<q>/<code> its summary and submitUpdate. */
export function fakeTemporal(db: Db): FakeTemporal {
  const calls: FakeCall[] = [];
  const statuses = new Map<string, QuarterStatus>();
  const outcomes = new Map<string, unknown>();
  const files = createDbBlobStore(db);
  const parse = (workflowId: string) => {
    const m = /^quarter\/([^/]+)(?:\/([^/]+))?$/.exec(workflowId);
    return { quarter: m?.[1] ?? '', code: m?.[2] ?? null };
  };
  const statusOf = (workflowId: string) => {
    const { quarter } = parse(workflowId);
    const status = statuses.get(quarter);
    if (!status) throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
    return status;
  };
  const client = {
    options: { namespace: 'default' },
    withDeadline: <T>(_deadline: number | Date, fn: () => Promise<T>) => fn(),
    // No schedule has been created on this fake server.
    schedule: {
      getHandle(scheduleId: string) {
        const missing = async () => {
          throw new ScheduleNotFoundError('schedule not found', scheduleId);
        };
        return { describe: missing, pause: missing, unpause: missing, trigger: missing, delete: missing };
      },
    },
    workflow: {
      getHandle(workflowId: string) {
        return {
          async query(def: { name: string }) {
            calls.push({ workflowId, kind: 'query', name: def.name, args: [] });
            const status = statusOf(workflowId);
            const { code } = parse(workflowId);
            if (!code) return structuredClone(status);
            const s = status.municipalities.find((x) => x.code === code);
            if (!s) throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
            if (def.name === 'answerableQuery') {
              // As the child sees it: locked once signed off; closed only if it had not settled
              // when the quarter closed (and not reopened since).
              const settled = ['accepted', 'excused', 'not_submitted'].includes(s.state);
              const reason =
                status.phase === 'approved'
                  ? 'locked'
                  : status.closed && !settled && s.state !== 'reopened'
                    ? 'closed'
                    : s.state === 'excused'
                      ? 'excused'
                      : null;
              return { accepting: reason === null, reason, state: s.state };
            }
            return structuredClone(s);
          },
          async executeUpdate(def: { name: string }, options: { args: unknown[]; updateId?: string }) {
            calls.push({
              workflowId,
              kind: 'update',
              name: def.name,
              args: options.args,
              ...(options.updateId ? { updateId: options.updateId } : {}),
            });
            // As Temporal does: an Update id seen before returns the first outcome.
            const seen = options.updateId ? outcomes.get(`${workflowId}#${options.updateId}`) : undefined;
            if (seen) return structuredClone(seen);
            const status = statusOf(workflowId);
            const { quarter, code } = parse(workflowId);
            const s = status.municipalities.find((x) => x.code === code);
            if (def.name === 'submitUpdate' && s) {
              // As submitUpdate's validator: a signed-off or closed quarter, an excused municipality.
              const settled = ['accepted', 'excused', 'not_submitted'].includes(s.state);
              const refusal =
                status.phase === 'approved' || (status.closed && !settled && s.state !== 'reopened')
                  ? `Сбор сведений за ${quarter} закрыт.`
                  : s.state === 'excused'
                    ? 'Координатор освободил вас от представления сведений за этот квартал.'
                    : null;
              if (refusal) throw new WorkflowUpdateFailedError('Workflow Update failed', new Error(refusal));
              const version = s.versions + 1;
              // What the activity recordAndAcknowledge does: the version, then its audit entry.
              const record = {
                quarter,
                municipality: code!,
                version,
                payload: options.args[0] as SubmissionPayload,
              };
              const result = await recordSubmission(db, files, record);
              await auditSubmission(db, record, result);
              if (options.updateId) outcomes.set(`${workflowId}#${options.updateId}`, result);
              Object.assign(s, {
                versions: version,
                state: result.accepted ? 'accepted' : 'rejected',
                lastAnswerAt: new Date().toISOString(),
              });
              if (result.accepted)
                Object.assign(s, {
                  acceptedSubmissionId: result.submissionId,
                  nil: result.nil,
                  rowCount: result.rowCount,
                });
              return result;
            }
            if (s) return structuredClone(s);
            if (def.name === 'requestChangesUpdate') {
              const { municipalities, comment, action } = options.args[0] as {
                municipalities: string[];
                comment: string;
                action?: { id: string; actor: string; origin: string };
              };
              for (const m of status.municipalities)
                if (municipalities.includes(m.code)) Object.assign(m, { state: 'reopened' });
              status.phase = 'collecting';
              // What the quarter workflow's recordAudit does with the action it carries.
              if (action)
                await appendAudit(db, {
                  quarter,
                  municipality: null,
                  action: 'quarter.request-changes',
                  actor: action.actor,
                  origin: action.origin,
                  detail: { municipalities, comment },
                  actionId: action.id,
                });
              const result = { reopened: municipalities };
              if (options.updateId) outcomes.set(`${workflowId}#${options.updateId}`, result);
              return result;
            }
            return { reportId: `${quarter}/final/x`, sha256: '0'.repeat(64), eventCount: 0 };
          },
          async signal(def: { name: string }, ...args: unknown[]) {
            calls.push({ workflowId, kind: 'signal', name: def.name, args });
            const status = statusOf(workflowId);
            if (def.name === 'closeSignal') status.closed = true;
          },
        };
      },
      list() {
        return (async function* () {})();
      },
      async start(_type: unknown, options: { workflowId: string; args: unknown[] }) {
        calls.push({
          workflowId: options.workflowId,
          kind: 'start',
          name: 'quarterlyReport',
          args: options.args,
        });
        const quarter = parse(options.workflowId).quarter;
        statuses.set(quarter, quarterStatus(quarter));
      },
    },
  };
  return { client: client as unknown as Client, calls, statuses };
}

export const TEST_SECRET = 'test-secret-of-at-least-32-bytes!!';

export async function testPortal(
  db: Db,
  temporal: Client,
  config: Partial<PortalConfig> = {},
): Promise<FastifyInstance> {
  return buildPortal({
    db,
    temporal,
    config: {
      publicUrl: 'http://portal.test',
      temporalUiUrl: 'http://temporal-ui.test',
      secret: TEST_SECRET,
      ...config,
    },
  });
}

/** The value of a hidden input in a page: `<input type="hidden" name="_csrf" value="…">`. */
export function hiddenValue(page: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
  if (!m) throw new Error(`no hidden input ${name}`);
  return m[1]!;
}

type MultipartFile = { name: string; fileName: string; bytes: Uint8Array; type?: string };

/** A multipart/form-data body of fields and files (one, or several by name), for fastify.inject. */
export function multipartBody(fields: Record<string, string>, file?: MultipartFile | MultipartFile[]) {
  const boundary = `----svodka${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  for (const f of file === undefined ? [] : Array.isArray(file) ? file : [file]) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.fileName}"\r\n` +
          `Content-Type: ${f.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
    );
    parts.push(Buffer.from(f.bytes));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** The value a response sets for one cookie. */
export function setCookieValue(res: LightMyRequestResponse, name: string): string {
  const found = ([] as string[])
    .concat(res.headers['set-cookie'] ?? [])
    .find((c) => c.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie in the response`);
  return found.split(';')[0]!.slice(name.length + 1);
}

/**
 * A portal account, created and signed in through the sign-in form as a browser does (its CSRF
 * cookie and token): the session cookie to send with later requests.
 */
export async function signInAs(
  app: FastifyInstance,
  db: Db,
  user: { login: string; name: string; role: 'coordinator' | 'auditor'; password: string },
): Promise<{ svodka_session: string }> {
  await createUser(db, user);
  const form = await app.inject({ method: 'GET', url: '/login' });
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    cookies: { svodka_login: setCookieValue(form, 'svodka_login') },
    payload: { login: user.login, password: user.password, _csrf: hiddenValue(form.body, '_csrf') },
  });
  return { svodka_session: setCookieValue(res, 'svodka_session') };
}

/**
 * Where a refused answer is told: at once when the portal already knows the quarter takes no
 * answers (signed off, not started), or on its receipt when the workflow refuses it.
 */
export async function answerOutcome(
  app: FastifyInstance,
  posted: LightMyRequestResponse,
): Promise<LightMyRequestResponse> {
  return posted.statusCode === 303 ? followReceipt(app, posted) : posted;
}

/**
 * Follows an answer's receipt (the 303 of an upload, the form or «no events») as the page's own
 * refresh does, until the inbox has delivered it (the version page's address) or it was refused
 * (the 409 page). The portal's dispatcher runs in the same process.
 */
export async function followReceipt(
  app: FastifyInstance,
  posted: LightMyRequestResponse,
  timeoutMs = 20_000,
): Promise<LightMyRequestResponse> {
  const receipt = posted.headers.location;
  if (posted.statusCode !== 303 || typeof receipt !== 'string' || !receipt.includes('/received/'))
    throw new Error(`not a receipt: HTTP ${posted.statusCode} ${String(receipt)}`);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.inject({ method: 'GET', url: receipt });
    if (res.statusCode !== 200) return res;
    if (Date.now() > until) throw new Error(`receipt ${receipt} still waiting after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The page a clerk ends on after posting an answer: its version page, or the receipt's refusal. */
export async function answerPage(
  app: FastifyInstance,
  posted: LightMyRequestResponse,
): Promise<LightMyRequestResponse> {
  const settled = await followReceipt(app, posted);
  return settled.statusCode === 303
    ? app.inject({ method: 'GET', url: settled.headers.location as string })
    : settled;
}
