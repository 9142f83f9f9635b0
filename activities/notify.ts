// The coordinator's notifications (issue 18.7): the daily digest, gathered from the running
// quarters' workflows and the database, and «Черновик готов» / «Отчет подписан», sent from the
// activities that render and distribute the report. All through the outbox, each switchable.
import { Context, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { isWorkingDay } from '../domain/calendar/working-days';
import { composeDigest, draftReadyEmail, signedOffEmail } from '../domain/digest';
import type { DigestMunicipality, DigestQuarter } from '../domain/digest';
import { moscowDate, toVirtual } from '../domain/schedule';
import { parseQuarterKey } from '../domain/quarter';
import { quarterRegion } from '../infrastructure/registry/snapshot';
import { statusQuery, submissionStatusQuery } from '../workflows/api';
import type { DigestResult, MunicipalitySummary } from '../workflows/api';
import { workingCalendar } from '../infrastructure/calendar';
import type { Db } from '../infrastructure/db/client';
import { sendOnce } from '../infrastructure/email/send';
import { readNotificationSettings, recipientsOf } from '../infrastructure/notification-settings';
import type { ActivityDeps } from './index';

/** The outbox's «municipality» of the coordinator's own emails. */
const COORDINATOR = 'coordinator';
/** An email still pending this long after its first attempt did not go, even without an error. */
const STUCK_AFTER_MS = 30 * 60_000;
/** States of a municipality that still owes an answer (a tree-run region is searched by them). */
const OWING = ['requested', 'reminded', 'overdue', 'extended', 'rejected', 'reopened'];
/** Municipalities of a tree-run region asked one by one for the digest; the list shows 30 anyway. */
const TREE_QUERY_LIMIT = 500;

async function runningQuarters(client: Client, db: Db, now: number): Promise<DigestQuarter[]> {
  const quarters: DigestQuarter[] = [];
  for await (const run of client.workflow.list({
    query: 'WorkflowType = "quarterlyReport" AND ExecutionStatus = "Running"',
  })) {
    const status = await client.workflow.getHandle(run.workflowId, run.runId).query(statusQuery);
    // A quarter on a compressed clock is late by its own days, not the wall calendar's.
    const today = moscowDate(
      status.timeScale > 1
        ? toVirtual({ originReal: run.startTime.getTime(), scale: status.timeScale }, now)
        : now,
    );
    let summaries: MunicipalitySummary[] = status.municipalities;
    if (summaries.length === 0 && status.total > 0) {
      // A tree-run region carries counts, not summaries: its owing municipalities are found by the
      // search attribute each one keeps, and asked for their own deadline (an extension included).
      const states = today > status.deadline ? OWING : ['rejected', 'extended'];
      summaries = [];
      for await (const child of client.workflow.list({
        query:
          `WorkflowType = "municipalitySubmission" AND Quarter = "${status.quarter}" AND ExecutionStatus = "Running"` +
          ` AND SubmissionStatus IN (${states.map((s) => `"${s}"`).join(', ')})`,
      })) {
        summaries.push(
          await client.workflow.getHandle(child.workflowId, child.runId).query(submissionStatusQuery),
        );
        if (summaries.length >= TREE_QUERY_LIMIT) break;
      }
    }
    const names = new Map(
      (
        await db.municipality.findMany({
          where: { code: { in: summaries.map((s) => s.code) } },
          select: { code: true, name: true },
        })
      ).map((m) => [m.code, m.name]),
    );
    const municipalities: DigestMunicipality[] = summaries.map((s) => ({
      code: s.code,
      name: names.get(s.code) ?? s.code,
      state: s.state,
      deadline: s.deadline,
    }));
    // Another region's quarter ("2031-Q3.kaluga") is named: two regions may run the same period.
    const region = parseQuarterKey(status.quarter).region
      ? (await quarterRegion(db, status.quarter)).name
      : undefined;
    quarters.push({ quarter: status.quarter, ...(region ? { region } : {}), today, municipalities });
  }
  return quarters.sort((a, b) => a.quarter.localeCompare(b.quarter));
}

export function createNotifyActivities({ prisma, mailer, clock, config }: ActivityDeps) {
  return {
    /**
     * The day's digest to the coordinators: only on a working day of the production calendar, only
     * when there is something to say, and once a day (the outbox key is the date) however often the
     * schedule's run or this activity is retried.
     */
    async sendDailyDigest(): Promise<DigestResult> {
      const now = clock().getTime();
      const day = moscowDate(now);
      const settings = await readNotificationSettings(prisma);
      if (!settings.digest) return { day, outcome: 'off' };
      const calendar = await workingCalendar(prisma);
      const already = await prisma.emailOutbox.findUnique({
        where: { key: `${day}/${COORDINATOR}/digest/1` },
        select: { status: true },
      });
      if (already?.status === 'sent') return { day, outcome: 'already-sent' };

      const [quarters, inbound, unsent] = await Promise.all([
        runningQuarters(Context.current().client, prisma, now),
        prisma.inboundMail.findMany({
          where: { status: { in: ['held', 'unmatched', 'unreadable'] } },
          orderBy: { createdAt: 'asc' },
          take: 200,
        }),
        prisma.emailOutbox.findMany({
          where: {
            status: 'pending',
            NOT: { kind: 'digest' },
            OR: [{ lastError: { not: null } }, { createdAt: { lt: new Date(now - STUCK_AFTER_MS) } }],
          },
          orderBy: { createdAt: 'asc' },
          take: 200,
        }),
      ]);
      const digest = composeDigest({
        day,
        calendar,
        quarters,
        inbound: inbound.map((m) => ({
          at: m.createdAt.toISOString(),
          from: m.fromAddress,
          subject: m.subject,
          status: m.status,
          detail: m.detail,
        })),
        unsent: unsent.map((u) => ({
          to: u.to,
          subject: u.subject,
          attempts: u.attempts,
          lastError: u.lastError,
        })),
        publicUrl: config.publicUrl,
      });
      if (!digest) {
        // Told apart for the run's result: a day off, or a working day with nothing to say.
        return { day, outcome: isWorkingDay(day, calendar) ? 'nothing' : 'day-off' };
      }
      const outcome = await sendOnce(
        prisma,
        mailer,
        { quarter: day, municipality: COORDINATOR, kind: 'digest', seq: 1 },
        {
          from: config.mailFrom,
          to: recipientsOf(settings, config.coordinatorEmail).join(', '),
          subject: digest.subject,
          text: digest.text,
        },
        config.messageIdDomain,
      );
      log.info('digest', { day, sent: outcome.sent, ...digest.counts });
      return { day, outcome: outcome.sent ? 'sent' : 'already-sent', counts: digest.counts };
    },
  };
}

/**
 * «Черновик готов» / «Отчет подписан», once per report. A quarter's drafts are numbered in the order
 * they were rendered (a draft re-rendered with the same content is the same report, and no second
 * email); a quarter has one final report. Switched off: nothing is sent or recorded.
 *
 * A relay that refuses the draft notice does not hold up the draft: the email stays in the outbox as
 * not sent, and the next digest names it. The sign-off notice fails its activity instead, which
 * retries it with the signed report's own distribution.
 */
export async function notifyReport(
  deps: ActivityDeps,
  kind: 'draft-ready' | 'signed-off',
  quarter: string,
  reportId: string,
): Promise<boolean> {
  const { prisma, mailer, config } = deps;
  const settings = await readNotificationSettings(prisma);
  if (kind === 'draft-ready' ? !settings.draftReady : !settings.signedOff) return false;
  const report = await prisma.report.findUnique({ where: { id: reportId } });
  if (!report) return false;
  const seq =
    kind === 'signed-off'
      ? 1
      : 1 +
        (await prisma.report.count({
          where: {
            quarter,
            kind: 'draft',
            OR: [
              { createdAt: { lt: report.createdAt } },
              { createdAt: report.createdAt, id: { lt: report.id } },
            ],
          },
        }));
  const message =
    kind === 'draft-ready'
      ? draftReadyEmail({ quarter, number: seq, eventCount: report.eventCount, publicUrl: config.publicUrl })
      : signedOffEmail({
          quarter,
          signer: report.signer,
          position: report.position,
          eventCount: report.eventCount,
          sha256: report.blobSha256,
          publicUrl: config.publicUrl,
        });
  try {
    const outcome = await sendOnce(
      prisma,
      mailer,
      { quarter, municipality: COORDINATOR, kind, seq },
      {
        from: config.mailFrom,
        to: recipientsOf(settings, config.coordinatorEmail).join(', '),
        ...message,
        headers: { 'X-Svodka-Quarter': quarter },
      },
      config.messageIdDomain,
    );
    return outcome.sent;
  } catch (err) {
    if (kind === 'signed-off') throw err;
    // Only the relay's refusal is let pass (sendOnce wrote it down); a database that is down fails
    // the activity, whose retry sends the notice once it is back.
    const row = await prisma.emailOutbox.findUnique({
      where: { key: `${quarter}/${COORDINATOR}/${kind}/${seq}` },
      select: { lastError: true },
    });
    if (!row?.lastError) throw err;
    log.warn('draft notice not sent', { quarter, error: String(err) });
    return false;
  }
}
