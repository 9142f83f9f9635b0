// Svodka's counters and the endpoint a service without a worker (the email poller) starts: what a
// scrape shows after the work, with every label from a small fixed set.
import { afterAll, describe, expect, it } from 'vitest';
import { countAnswer, countEmail, countInbound } from '../../infrastructure/metrics';
import { setUpServiceTelemetry } from '../../infrastructure/telemetry';
import type { MetricsEndpoint } from '../../infrastructure/telemetry';
import { freePort } from '../support/stack';

let metrics: MetricsEndpoint | null = null;
afterAll(async () => {
  await metrics?.close();
});

describe('metrics', () => {
  it("the poller's endpoint serves its counters once SVODKA_METRICS_PORT is set, and nothing when unset", async () => {
    const off = await setUpServiceTelemetry('svodka-mail', { SVODKA_LOG_LEVEL: 'error' });
    expect(off.metrics).toBeNull();

    const port = await freePort();
    ({ metrics } = await setUpServiceTelemetry('svodka-mail', {
      SVODKA_METRICS_PORT: String(port),
      SVODKA_LOG_LEVEL: 'error',
    }));
    expect(metrics?.url).toMatch(new RegExp(`:${port}/metrics$`));

    countInbound('submitted');
    countInbound('unmatched');
    countInbound('unreadable');
    countInbound('error');
    countEmail('reminder', true);
    countEmail('escalation', true);
    countEmail('request', false);
    countEmail('<script>', true);
    countAnswer(false, 'file', 'email');

    const text = await (await fetch(metrics!.url)).text();
    expect(text).toMatch(/^svodka_inbound_messages_total\{result="polled"\} 4$/m);
    expect(text).toMatch(/^svodka_inbound_messages_total\{result="matched"\} 1$/m);
    expect(text).toMatch(/^svodka_inbound_messages_total\{result="held"\} 2$/m);
    expect(text).toMatch(/^svodka_reminders_sent_total\{kind="reminder"\} 1$/m);
    expect(text).toMatch(/^svodka_reminders_sent_total\{kind="escalation"\} 1$/m);
    expect(text).toMatch(/^svodka_emails_failed_total\{kind="request"\} 1$/m);
    // An unexpected kind cannot grow a series of its own.
    expect(text).toMatch(/^svodka_emails_sent_total\{kind="other"\} 1$/m);
    expect(text).not.toContain('<script>');
    expect(text).toMatch(
      /^svodka_answers_recorded_total\{outcome="rejected",kind="file",channel="email"\} 1$/m,
    );
  });

  it('refuses a malformed SVODKA_METRICS_PORT with a clear message', async () => {
    await expect(setUpServiceTelemetry('svodka-mail', { SVODKA_METRICS_PORT: '90x' })).rejects.toThrow(
      /SVODKA_METRICS_PORT: ожидается номер порта/,
    );
  });
});
