// Every side effect of the workflows, built from their dependencies: the worker passes the real
// database, SMTP transport and blob store; unit tests pass small fakes.
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { composeEmail } from '../domain/emails';
import { parseQuarter, quarterPhrase } from '../domain/quarter';
import type { Finding, Municipality } from '../domain/types';
import type {
  AcknowledgedResult,
  AcknowledgementSeq,
  ArchiveRequest,
  MunicipalityEmail,
  RenderRequest,
  RenderResult,
  RequestRound,
  SubmissionResult,
} from '../workflows/api';
import type { BlobStore } from '../infrastructure/blobs';
import type { AppConfig } from '../infrastructure/config';
import type { Db } from '../infrastructure/db/client';
import { createTemplateFactory } from '../infrastructure/docx/template-cache';
import type { Mailer, MailMessage } from '../infrastructure/email/mailer';
import { markSent, outboxKey, recordAttempts, sendOnce, stableMessageId } from '../infrastructure/email/send';
import type { OutboxItem } from '../infrastructure/email/send';
import type { SendOutcome } from '../infrastructure/email/send';
import { archiveQuarterHistories } from './history-archive';
import { appendAudit } from '../infrastructure/audit';
import type { AuditRecord } from '../domain/submission-machine';
import { countEmail } from '../infrastructure/metrics';
import { auditorEmail, sendAuditAnchor } from './audit-anchor';
import type { AuditAnchor } from './audit-anchor';
import { createOpenerActivities } from './opener';
import { createNotifyActivities, notifyReport } from './notify';
import { compileReport, reportBytes, reportFileName } from './reports';
import { auditSubmission, recordSubmission, type RecordSubmissionInput } from './submissions';
import { issueToken, issueTokens, linkExpiry } from '../infrastructure/tokens';
import { plusAddress } from '../infrastructure/email/plus-address';
import { currentRegion } from '../infrastructure/registry/region';
import {
  activeMunicipalities,
  quarterRegion,
  withQuarterName,
  withQuarterNames,
} from '../infrastructure/registry/snapshot';

export type ActivityDeps = {
  prisma: Db;
  mailer: Mailer;
  files: BlobStore;
  clock: () => Date;
  config: AppConfig;
};

/** Emails that tell the municipality how to answer carry the link to its page. */
const LINKED_KINDS = new Set([
  'request',
  'reminder',
  'deadline',
  'overdue',
  'escalation',
  'rejected',
  'extended',
  'reopened',
]);

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** What an acknowledgement says of the answer it acknowledges. */
type CheckedAnswer = Pick<SubmissionResult, 'version' | 'rowCount' | 'nil' | 'findings'>;

/** Request emails in flight at once: the pooled transport's connections (email/mailer.ts). */
const REQUEST_LANES = 5;
/** A request round composes and records this many emails at a time. */
const ROUND_SLICE = 100;
/**
 * Sent marks written together. An email sent but not yet marked is sent again, under the same
 * Message-ID, only if the worker dies in between: the window sendOnce has too, a little wider.
 */
const SENT_MARKS_PER_WRITE = 10;

export function createActivities(deps: ActivityDeps) {
  const { prisma, mailer, files, config } = deps;
  const buildTemplate = createTemplateFactory();

  /** Whether an email of this kind carries the municipality's link (and so needs a token). */
  const linked = (kind: string): boolean =>
    Boolean(config.publicUrl || config.replyTo) && LINKED_KINDS.has(kind);

  /** One municipality email, ready for the outbox but for its Message-ID. */
  /** A quarter's region never changes (its snapshot): asked once per quarter, not once an email. */
  const regionOfQuarter = new Map<string, string>();

  async function composeMessage(
    mail: MunicipalityEmail,
    municipality: Municipality,
    token: string | null,
    checked?: CheckedAnswer,
  ): Promise<Omit<MailMessage, 'messageId'>> {
    const quarter = parseQuarter(mail.quarter);
    let submission: CheckedAnswer | null = checked ?? null;
    if (!submission && mail.submissionId) {
      const row = await prisma.submission.findUnique({ where: { id: mail.submissionId } });
      if (row)
        submission = {
          version: row.version,
          rowCount: row.rowCount,
          nil: row.kind === 'nil',
          findings: JSON.parse(row.findings) as Finding[],
        };
    }
    const findings = submission?.findings;
    let region = regionOfQuarter.get(mail.quarter);
    if (region === undefined) {
      // Before `db setup` there is no region: the email goes out without its name rather than not at all.
      region = await quarterRegion(prisma, mail.quarter).then(
        (r) => r.name,
        () => '',
      );
      regionOfQuarter.set(mail.quarter, region);
    }
    const portalUrl = token && config.publicUrl ? `${config.publicUrl}/m/${token}` : null;
    const replyTo = token && config.replyTo ? plusAddress(config.replyTo, token) : undefined;
    const { subject, text } = composeEmail(mail.kind, {
      quarter: mail.quarter,
      quarterPhrase: quarterPhrase(quarter, { vo: true }),
      municipalityName: municipality.name,
      region: region || undefined,
      deadline: mail.deadline,
      portalUrl,
      repliesAccepted: Boolean(replyTo),
      version: submission?.version,
      rowCount: submission?.rowCount,
      nil: submission?.nil ?? false,
      findings,
      comment: mail.comment,
    });
    const escalation = mail.kind === 'escalation';
    const attachments =
      mail.kind === 'request' || mail.kind === 'reopened'
        ? [
            {
              filename: `шаблон-${mail.quarter}-${municipality.code}.docx`,
              content: await buildTemplate({ municipality, quarter }),
              contentType: DOCX,
            },
          ]
        : undefined;
    return {
      from: config.mailFrom,
      to: escalation && municipality.headEmail ? municipality.headEmail : municipality.email,
      cc: escalation ? config.coordinatorEmail : undefined,
      subject,
      text,
      replyTo,
      headers: { 'X-Svodka-Quarter': mail.quarter, 'X-Svodka-Municipality': municipality.code },
      attachments,
    };
  }

  /** Composes and sends one municipality email through the outbox. */
  async function sendEmail(mail: MunicipalityEmail, checked?: CheckedAnswer): Promise<SendOutcome> {
    const municipality = await withQuarterName(
      prisma,
      mail.quarter,
      await prisma.municipality.findUnique({ where: { code: mail.municipality } }),
    );
    if (!municipality)
      throw ApplicationFailure.nonRetryable(
        `Нет муниципального образования ${mail.municipality} в реестре`,
        'UnknownMunicipality',
      );
    // The link to the municipality's own page, valid until a grace period after the deadline the
    // email names; a retried activity mints another, which expires as well (only hashes are stored).
    const token = linked(mail.kind)
      ? await issueToken(prisma, {
          quarter: mail.quarter,
          municipality: municipality.code,
          expiresAt: linkExpiry(mail.deadline, config.linkGraceDays),
        })
      : null;
    const message = await composeMessage(mail, municipality, token, checked);
    const outcome = await sendOnce(prisma, mailer, mail, message, config.messageIdDomain);
    log.info('email', { key: outcome.key, sent: outcome.sent });
    return outcome;
  }

  return {
    ...createOpenerActivities(deps),
    ...createNotifyActivities(deps),

    async listMunicipalities(): Promise<string[]> {
      // The region's active registry (a quarter started without codes; startQuarter snapshots it).
      const rows = await activeMunicipalities(prisma, (await currentRegion(prisma)).id);
      if (rows.length === 0)
        throw new Error('Реестр муниципальных образований пуст: выполните «npx svodka db setup»');
      return rows.map((r) => r.code);
    },

    async sendMunicipalityEmail(mail: MunicipalityEmail): Promise<SendOutcome> {
      return sendEmail(mail);
    },

    /**
     * The request round of a quarter or a group in one activity: each email still has its own
     * outbox key, so a retry sends only what has not gone. A failed address does not hold up the
     * rest; the activity fails after trying them all, and its retry tries the failed ones again.
     * The database is written a slice at a time (links, attempts, then the sent marks in batches)
     * rather than three commits an email, each of which waits on the disk.
     */
    async sendRequestEmails({ quarter, deadline, codes }: RequestRound): Promise<{ sent: number }> {
      const failures: string[] = [];
      /** Codes not in the registry: no retry will find them. */
      let unknown = 0;
      let sent = 0;
      let tried = 0;
      for (let at = 0; at < codes.length; at += ROUND_SLICE) {
        const slice = codes.slice(at, at + ROUND_SLICE);
        const keys = new Map(
          slice.map((code) => [code, { quarter, municipality: code, kind: 'request', seq: 1 } as const]),
        );
        const done = new Set(
          (
            await prisma.emailOutbox.findMany({
              where: { key: { in: [...keys.values()].map(outboxKey) }, status: 'sent' },
              select: { municipality: true },
            })
          ).map((r) => r.municipality),
        );
        const registry = new Map(
          (
            await withQuarterNames(
              prisma,
              quarter,
              await prisma.municipality.findMany({ where: { code: { in: slice } } }),
            )
          ).map((m) => [m.code, m]),
        );
        const pending = slice.filter((code) => !done.has(code));
        for (const code of pending.filter((c) => !registry.has(c))) {
          failures.push(`${code}: нет в реестре`);
          unknown++;
          tried++;
        }
        const known = pending.filter((code) => registry.has(code));
        const tokens = linked('request')
          ? await issueTokens(
              prisma,
              known.map((code) => ({ quarter, municipality: code })),
              linkExpiry(deadline, config.linkGraceDays),
            )
          : null;
        const items: OutboxItem[] = [];
        for (const [i, code] of known.entries()) {
          const mail: MunicipalityEmail = { quarter, municipality: code, kind: 'request', seq: 1, deadline };
          items.push({
            key: keys.get(code)!,
            message: await composeMessage(mail, registry.get(code)!, tokens?.[i] ?? null),
          });
        }
        await recordAttempts(prisma, items, config.messageIdDomain);

        const taken: string[] = [];
        const flush = () => markSent(prisma, taken.splice(0));
        let next = 0;
        // As many at once as the pooled transport has connections.
        const lane = async () => {
          while (next < items.length) {
            const { key, message } = items[next++]!;
            const id = outboxKey(key);
            try {
              await mailer.sendMail({ ...message, messageId: stableMessageId(key, config.messageIdDomain) });
              taken.push(id);
              sent++;
              countEmail('request', true);
              if (taken.length >= SENT_MARKS_PER_WRITE) await flush();
            } catch (err) {
              const reason = (err instanceof Error ? err.message : String(err)).slice(0, 500);
              failures.push(`${key.municipality}: ${reason}`);
              countEmail('request', false);
              await prisma.emailOutbox.update({ where: { key: id }, data: { lastError: reason } });
            }
            Context.current().heartbeat(++tried);
          }
        };
        await Promise.all(Array.from({ length: REQUEST_LANES }, lane));
        await flush();
      }
      log.info('request round', { quarter, sent, failed: failures.length });
      if (failures.length > 0) {
        const message = `Не отправлено запросов: ${failures.length} из ${tried}; первый: ${failures[0]}`;
        // A relay that refused may take the email on the next try; a code missing from the registry never appears.
        if (unknown === failures.length)
          throw ApplicationFailure.nonRetryable(message, 'UnknownMunicipality');
        throw new Error(message);
      }
      return { sent };
    },

    /**
     * Records an answer and, in the same activity, sends the municipality its result: one round
     * trip to the server instead of two. If the email cannot go now, the answer still stands and
     * the workflow sends the email itself (acknowledged: false), retrying as long as it takes.
     */
    async recordAndAcknowledge(
      input: RecordSubmissionInput & { deadline: string; ackSeq: AcknowledgementSeq },
    ): Promise<AcknowledgedResult> {
      const { deadline, ackSeq, ...record } = input;
      const result = await recordSubmission(prisma, files, record);
      await auditSubmission(prisma, record, result);
      const kind = result.accepted ? 'accepted' : 'rejected';
      const mail: MunicipalityEmail = {
        quarter: input.quarter,
        municipality: input.municipality,
        kind,
        seq: ackSeq[kind],
        deadline,
        submissionId: result.submissionId,
      };
      // No timer of our own around the send: one that gave up while the send went on would leave
      // the workflow sending the same email again. The transport's timeouts bound it (mailer.ts).
      try {
        // The answer as just recorded (or as found, on a retry): no need to read it back.
        await sendEmail(mail, result);
        return { ...result, acknowledged: true };
      } catch (err) {
        log.warn('acknowledgement deferred', { municipality: input.municipality, error: String(err) });
        return { ...result, acknowledged: false };
      }
    },

    /**
     * A coordinator's decision, written to the audit log by the workflow that carried it out, keyed
     * by the action's id: a retry, or the same request sent twice, writes it once.
     */
    async recordAudit(entry: AuditRecord): Promise<{ written: boolean }> {
      return { written: await appendAudit(prisma, entry) };
    },

    /**
     * The day's audit anchor to SVODKA_AUDITOR_EMAIL, for a Temporal Schedule (or cron running
     * `svodka audit anchor --email`); once a day however often it runs.
     */
    async sendAuditAnchor(): Promise<AuditAnchor | null> {
      const to = auditorEmail();
      if (!to) {
        log.warn('audit anchor: SVODKA_AUDITOR_EMAIL is not set');
        return null;
      }
      const { anchor } = await sendAuditAnchor(
        prisma,
        mailer,
        { to, from: config.mailFrom, messageIdDomain: config.messageIdDomain },
        deps.clock(),
      );
      return anchor;
    },

    async renderReport(request: RenderRequest): Promise<RenderResult> {
      const result = await compileReport(prisma, files, request);
      // «Черновик готов» to the coordinators, once per rendered draft (issue 18.7).
      if (request.kind === 'draft') await notifyReport(deps, 'draft-ready', request.quarter, result.reportId);
      return result;
    },

    async distributeReport({
      quarter,
      reportId,
    }: {
      quarter: string;
      reportId: string;
    }): Promise<SendOutcome[]> {
      const bytes = await reportBytes(prisma, files, reportId);
      const report = await prisma.report.findUniqueOrThrow({ where: { id: reportId } });
      const phrase = quarterPhrase(parseQuarter(quarter));
      const outcomes: SendOutcome[] = [];
      for (const [i, to] of config.reportRecipients.entries()) {
        outcomes.push(
          await sendOnce(
            prisma,
            mailer,
            { quarter, municipality: 'region', kind: 'final-report', seq: i + 1 },
            {
              from: config.mailFrom,
              to,
              subject: `Сводный отчет о мероприятиях в международной сфере ${phrase} подписан`,
              text:
                `Сводный отчет ${phrase} подписан: ${report.signer ?? ''}${report.position ? `, ${report.position}` : ''}.\n` +
                `Мероприятий в отчете: ${report.eventCount}.\nSHA-256 файла: ${report.blobSha256}\n\n` +
                (report.manifest
                  ? 'Проверить файл (манифест подписания приложен): npx svodka report verify <файл.docx> ' +
                    '--manifest <манифест.json> --key <открытый ключ Svodka>'
                  : `Проверить файл: npx svodka report verify <файл.docx>`),
              attachments: [
                { filename: reportFileName(quarter, 'final'), content: bytes, contentType: DOCX },
                // The signed manifest travels with the report: whoever receives both can check them.
                ...(report.manifest
                  ? [
                      {
                        filename: reportFileName(quarter, 'final').replace(/\.docx$/, '.manifest.json'),
                        content: Buffer.from(report.manifest),
                        contentType: 'application/json',
                      },
                    ]
                  : []),
              ],
            },
            config.messageIdDomain,
          ),
        );
      }
      // «Отчет подписан» to the coordinators, once per final report (issue 18.7).
      await notifyReport(deps, 'signed-off', quarter, reportId);
      return outcomes;
    },

    /**
     * Copies the quarter's workflow histories into the database (history-archive.ts). It reads from
     * Temporal with the worker's client and writes to the database: nothing large passes through a
     * workflow's history.
     */
    async archiveHistories(request: ArchiveRequest): Promise<{ archived: number }> {
      const context = Context.current();
      return archiveQuarterHistories(context.client, prisma, request, (done) => context.heartbeat(done));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
