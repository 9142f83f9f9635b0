// The production worker's telemetry on a real dev server: one /metrics endpoint serves the Temporal
// SDK's runtime metrics and Svodka's counters, and the SDK's logs come out as JSON lines that carry
// the workflow and activity they are about.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort, startMetricsEndpoint } from '../../infrastructure/telemetry';
import type { MetricsEndpoint } from '../../infrastructure/telemetry';
import { installJsonRuntime } from '../../worker/telemetry';
import { freePort, startStack } from '../support/stack';
import type { Stack } from '../support/stack';

const lines: Record<string, unknown>[] = [];
let stack: Stack;
let endpoint: MetricsEndpoint;

async function scrape(): Promise<string> {
  const res = await fetch(endpoint.url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'info', base: { service: 'svodka-worker' } }, sink);
  const sdkMetricsAddress = `127.0.0.1:${await freeLoopbackPort()}`;
  // Before the stack: the Runtime is the process's, and the stack's worker then runs under it.
  expect(installJsonRuntime(logger, sdkMetricsAddress)).toBe(true);
  endpoint = await startMetricsEndpoint({ port: await freePort(), host: '127.0.0.1', sdkMetricsAddress });
  stack = await startStack({ database: 'sqlite' });
});
afterAll(async () => {
  await stack?.stop();
  await endpoint?.close();
});

describe('worker telemetry', () => {
  it(
    'serves the SDK metrics and Svodka counters on one endpoint, and logs JSON with workflow ids',
    { timeout: 180_000 },
    async () => {
      const start = await stack.cli(['quarter', 'start', '2023-Q2', '--deadline', '2099-07-10']);
      expect(start.code, start.stderr).toBe(0);
      await stack.mail.waitFor(
        (all) => all.filter((m) => m.subject.startsWith('Запрос сведений')).length === 27,
      );
      const nil = await stack.cli(['submit', '2023-Q2', 'velizh', '--nil']);
      expect(nil.code, nil.stderr).toBe(0);

      const text = await scrape();
      // Svodka's own: the request round and the acknowledgement, the answer by outcome.
      expect(text).toMatch(/^svodka_emails_sent_total\{kind="request"\} 27$/m);
      expect(text).toMatch(/^svodka_emails_sent_total\{kind="accepted"\} 1$/m);
      expect(text).toMatch(
        /^svodka_answers_recorded_total\{outcome="accepted",kind="nil",channel="cli"\} 1$/m,
      );
      // The SDK's: task slots and completed workflow tasks on our queue.
      expect(text).toMatch(/^temporal_worker_task_slots_available\{.*task_queue="svodka".*\} \d+/m);
      expect(text).toMatch(/^temporal_workflow_task_execution_latency_count\{.*\} [1-9]/m);
      // Process metrics, and nothing but 404 elsewhere.
      expect(text).toMatch(/^svodka_process_resident_memory_bytes \d+/m);
      expect((await fetch(endpoint.url.replace('/metrics', '/'))).status).toBe(404);

      // The request round's activity log line, as JSON with the SDK's context.
      const round = lines.find((l) => l.msg === 'request round');
      expect(round).toMatchObject({
        service: 'svodka-worker',
        level: 30,
        quarter: '2023-Q2',
        sent: 27,
        workflowId: 'quarter/2023-Q2',
        activityType: 'sendRequestEmails',
        taskQueue: 'svodka',
      });
    },
  );
});
