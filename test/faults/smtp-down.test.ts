// The SMTP relay is out (every connection refused with 421) while the request emails, the answers'
// results and later the signed-off report go out. The activities retry with backoff (2 s, 4 s,
// 8 s …); once the relay is back every email arrives exactly once, under its stable Message-ID,
// and the outbox shows the failed attempts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTimeline } from '../../client/audit-timeline';
import { reliability } from './report';
import {
  approveAndRead,
  checkDelivered,
  startFaultStack,
  startQuarter,
  submit,
  waitForChildren,
  waitForPhase,
  waitUntil,
} from './support';
import type { Expected, FaultStack } from './support';

const report = reliability('smtp-down');
let stack: FaultStack;

beforeAll(async () => {
  stack = await startFaultStack({ database: 'sqlite', workers: 1 });
});
afterAll(async () => {
  stack?.mail.setDown(false);
  await stack?.stop();
  report.finish();
});

const Q = '2023-Q2';
const CODES = ['velizh', 'gagarin', 'glinka', 'demidov', 'yelnya', 'ershichi'];
/** How long each outage lasts at least: a few retries' worth, short enough for the backoff. */
const OUTAGE_MS = 10_000;

describe('SMTP relay down', () => {
  it(
    'retries with backoff and delivers every email exactly once after it is back',
    { timeout: 240_000 },
    async () => {
      const t0 = Date.now();
      const at = () => `${Math.round((Date.now() - t0) / 1000)} s`;
      const failing = () => stack.db.emailOutbox.findMany({ where: { quarter: Q, status: 'pending' } });

      // Outage 1: the request round and the first answers' results.
      stack.mail.setDown(true);
      const down1 = Date.now();
      await startQuarter(stack.client, Q, CODES);
      await waitForChildren(stack.client, Q, CODES);
      const answered = CODES.slice(0, 3);
      for (const code of answered)
        expect((await submit(stack, stack.client, Q, code, { nil: true })).accepted).toBe(true);
      // Every request has been tried and has failed, some more than once, before the relay is back
      // (a municipality's result email waits behind its request: they go out in order).
      await waitUntil(
        'every request email to have failed, and to have been retried',
        async () => {
          const rows = await failing();
          return (
            rows.length >= CODES.length && rows.every((r) => r.lastError) && rows.some((r) => r.attempts >= 2)
          );
        },
        60_000,
      );
      await waitUntil('the outage to last long enough', () => Date.now() - down1 >= OUTAGE_MS, 60_000);
      expect(stack.mail.messages).toHaveLength(0);
      const duringOutage = await failing();
      // The auditor's timeline shows the email that has not gone, and why.
      const timeline = await buildTimeline(stack.client, stack.db, Q, CODES[0]);
      expect(timeline.find((e) => e.kind === 'email.request')?.text).toMatch(
        /^не отправлено письмо «запрос сведений» \(№ 1\), попыток: \d+; последняя ошибка: .*421/,
      );
      stack.mail.setDown(false);
      report.note(
        `outage 1: ${((Date.now() - down1) / 1000).toFixed(1)} s, ${duringOutage.length} emails failing, up to ${Math.max(...duringOutage.map((r) => r.attempts))} attempts each`,
      );
      await stack.mail.waitFor((all) => all.length === CODES.length + answered.length, 120_000);
      report.note(
        `outage 1: all ${CODES.length + answered.length} delivered ${((Date.now() - down1) / 1000).toFixed(1)} s after it began`,
      );

      // The rest answer while the relay is up; then outage 2 swallows the signed-off report's email.
      for (const code of CODES.slice(3))
        expect((await submit(stack, stack.client, Q, code, { nil: true })).accepted).toBe(true);
      // The municipalities' emails; the coordinator's «черновик готов» may come with them.
      await stack.mail.waitFor(
        (all) => all.filter((m) => !m.messageId.includes('.coordinator.')).length === CODES.length * 2,
        60_000,
      );
      await waitForPhase(stack.client, Q, 'awaiting_approval');
      stack.mail.setDown(true);
      const down2 = Date.now();
      const approved = await approveAndRead(stack, Q);
      expect(approved.code, approved.output).toBe(0);
      await waitUntil(
        'the final report email to fail and be retried',
        async () => {
          const row = await stack.db.emailOutbox.findFirst({ where: { quarter: Q, kind: 'final-report' } });
          return row !== null && row.status === 'pending' && row.attempts >= 2;
        },
        90_000,
      );
      await waitUntil('the outage to last long enough', () => Date.now() - down2 >= OUTAGE_MS, 60_000);
      stack.mail.setDown(false);
      report.note(`outage 2: ${((Date.now() - down2) / 1000).toFixed(1)} s during sign-off`);
      await stack.mail.waitFor((all) => all.some((m) => m.subject.includes('подписан')), 120_000);
      await waitUntil('the quarter to complete', async () => {
        const d = await stack.client.workflow.getHandle(`quarter/${Q}`).describe();
        return d.status.name === 'COMPLETED';
      });
      report.note(`quarter completed at ${at()}`);

      // Exactly once, and the outbox remembers the failed attempts.
      const expected: Expected = {
        quarter: Q,
        municipalities: new Map(CODES.map((c) => [c, { sent: 1, accepted: 1, finalRows: 0, nil: true }])),
      };
      const { db, mail } = await checkDelivered(stack, expected, report);
      report.add({
        faultsInjected: 2,
        quartersCompleted: 1,
      });
      expect(db.problems).toEqual([]);
      expect(mail.problems).toEqual([]);
      // Nothing here kills a worker, so not even a same-Message-ID resend.
      expect(mail.redeliveries).toEqual([]);
      // Requests and results, the signed report, and the coordinator's «черновик готов» and «отчет подписан».
      expect(mail.messages).toBe(CODES.length * 2 + 3);
      const outbox = await stack.db.emailOutbox.findMany({ where: { quarter: Q } });
      expect(outbox.every((o) => o.status === 'sent' && o.lastError === null && o.sentAt !== null)).toBe(
        true,
      );
      const retried = outbox.filter((o) => o.attempts >= 2).map((o) => o.key);
      expect(retried).toEqual(
        expect.arrayContaining([...duringOutage.map((r) => r.key), `${Q}/region/final-report/1`]),
      );
      const ids = stack.mail.messages.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const m of stack.mail.messages)
        expect(m.messageId).toMatch(/^<2023-q2\.[a-z-]+\.[a-z-]+\.\d+@svodka\.local>$/);
    },
  );
});
