// The schedule's side of opening a quarter: which quarter is due today by the coordinator's rule,
// started through the same use case as `svodka quarter start` (application/start-quarter.ts), and the
// coordinator told by email once, through the outbox.
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { useCaseContext } from '../application/context';
import { startQuarter } from '../application/start-quarter';
import { execute, InvalidInputError, RefusedError } from '../application/use-case';
import { russianDate } from '../domain/emails';
import { dueQuarter } from '../domain/opening';
import { describePolicy } from '../domain/policy-options';
import { parseQuarter, quarterPhrase } from '../domain/quarter';
import { moscowDate } from '../domain/schedule';
import type { OpenerInput, OpenerResult } from '../workflows/api';
import type { ActivityDeps } from './index';
import { workingCalendar } from '../infrastructure/calendar';
import { sendOnce } from '../infrastructure/email/send';
import { quarterFinished } from '../infrastructure/quarter-archive';
import { canonicalQuarterKey, RegionNotFoundError } from '../infrastructure/registry/region';
import { quarterRegion } from '../infrastructure/registry/snapshot';

/** What the audit log names as the origin of a quarter the schedule opened. */
export const SCHEDULE_ORIGIN = 'schedule';

export function createOpenerActivities({ prisma, mailer, clock, config }: ActivityDeps) {
  return {
    async openDueQuarter(input: OpenerInput): Promise<OpenerResult> {
      const now = clock().getTime();
      const due = dueQuarter(moscowDate(now), input.rule, await workingCalendar(prisma));
      if (!due) return { opened: false, quarter: null, reason: 'not-due' };
      // Another region's opener opens its own key of the period ("2024-Q2.kaluga").
      let quarter: string;
      try {
        quarter = await canonicalQuarterKey(prisma, due.quarter, input.region);
      } catch (err) {
        if (err instanceof RegionNotFoundError) throw ApplicationFailure.nonRetryable(err.message, 'OpenerRefused');
        throw err;
      }
      if (await quarterFinished(prisma, quarter)) return { opened: false, quarter, reason: 'finished' };

      let result;
      try {
        const ctx = useCaseContext({
          db: prisma,
          temporal: Context.current().client,
          clock: () => new Date(now),
          actor: { name: input.actor, channel: 'schedule', origin: SCHEDULE_ORIGIN },
        });
        result = await execute(startQuarter, ctx, {
          quarter,
          deadline: due.deadline,
          policy: input.policy,
        });
      } catch (err) {
        // Bad settings or an empty registry: no retry mends them; the run fails where the coordinator sees it.
        if (err instanceof InvalidInputError || err instanceof RefusedError)
          throw ApplicationFailure.nonRetryable(err.message, 'OpenerRefused');
        throw err;
      }
      if (!result.started) {
        // A retry of this activity after the start but before the email: the start is ours if the
        // audit log says the schedule made it, and the email is owed (sendOnce sends it at most once).
        const ours = await prisma.auditEntry.findFirst({
          where: { quarter, action: 'quarter.start', origin: SCHEDULE_ORIGIN },
        });
        if (!ours) return { opened: false, quarter, reason: 'already-started' };
      }

      const region = input.region ? ` — ${(await quarterRegion(prisma, result.quarter)).name}` : '';
      const phrase = quarterPhrase(parseQuarter(result.quarter), { vo: true });
      const link = config.publicUrl
        ? `\nСостояние сбора: ${config.publicUrl}/quarters/${result.quarter}\n`
        : '';
      const outcome = await sendOnce(
        prisma,
        mailer,
        { quarter: result.quarter, municipality: 'region', kind: 'quarter-opened', seq: 1 },
        {
          from: config.mailFrom,
          to: config.coordinatorEmail,
          subject: `Открыт сбор сведений о мероприятиях ${phrase}${region}`,
          text:
            `По расписанию открыт сбор сведений о мероприятиях в международной сфере ${phrase}.\n` +
            `Муниципальных образований: ${result.municipalities}. Срок представления сведений — ${russianDate(result.deadline)}.\n` +
            `Напоминания: ${describePolicy(result.policy)}.\n` +
            link +
            (result.calendarWarning ? `\n${result.calendarWarning}\n` : ''),
          headers: { 'X-Svodka-Quarter': result.quarter },
        },
        config.messageIdDomain,
      );
      if (!result.started && !outcome.sent)
        return { opened: false, quarter: result.quarter, reason: 'already-started' };
      log.info('quarter opened by the schedule', { quarter: result.quarter, deadline: result.deadline });
      return { opened: true, quarter: result.quarter, deadline: result.deadline, notified: true };
    },
  };
}
