// The shape of a large region on the real dev server: more municipalities than one parent should
// start, so the quarter runs as a tree (quarter → groups → municipalities); every execution's
// history stays far below Temporal's 10,240-event warning, and the report still comes out whole.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRegistry } from '../../domain/registry/smolensk';
import { DEFAULT_POLICY } from '../../domain/schedule';
import {
  approveUpdate,
  groupWorkflowId,
  quarterWorkflowId,
  statusQuery,
  submissionWorkflowId,
  submitUpdate,
  TASK_QUEUE,
} from '../../workflows/api';
import type { QuarterInput, QuarterStatus } from '../../workflows/api';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';

// CI runs a region of 300 in three groups (the shape); SVODKA_SCALE_TEST_COUNT=3000 runs a bigger one.
const COUNT = Number(process.env.SVODKA_SCALE_TEST_COUNT || 300);
const GROUP_SIZE = Number(process.env.SVODKA_SCALE_TEST_GROUP || 100);
const QUARTER = '2024-Q1';

let stack: Stack;
let client: Client;

async function historyLength(workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events?.length ?? 0;
}

describe(`a region of ${COUNT} municipalities`, () => {
  beforeAll(async () => {
    stack = await startStack({ database: 'sqlite' });
    await stack.db.municipality.deleteMany();
    await stack.db.municipality.createMany({ data: generateRegistry(COUNT) });
    client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  });
  afterAll(async () => {
    await client?.connection.close();
    await stack?.stop();
  });

  it(
    'runs as a tree of groups within Temporal limits and compiles every answer',
    { timeout: 900_000 },
    async () => {
      const registry = generateRegistry(COUNT);
      const input: QuarterInput = {
        quarter: QUARTER,
        deadline: '2099-04-10',
        policy: DEFAULT_POLICY,
        timeScale: 1,
        startedAt: new Date().toISOString(),
        groupSize: GROUP_SIZE,
      };
      const quarter = client.workflow.getHandle(quarterWorkflowId(QUARTER));
      await client.workflow.start('quarterlyReport', {
        taskQueue: TASK_QUEUE,
        workflowId: quarterWorkflowId(QUARTER),
        args: [input],
      });

      // Every municipality answers: one in ten with an event, the rest nil. An answer can only land
      // once its workflow exists, so wait for the request emails to go out first.
      await stack.mail.waitFor((all) => all.length >= COUNT, 600_000);
      const withEvent = new Set(registry.filter((_, i) => i % 10 === 0).map((m) => m.code));
      for (let i = 0; i < registry.length; i += 25) {
        await Promise.all(
          registry.slice(i, i + 25).map((m) =>
            client.workflow.getHandle(submissionWorkflowId(QUARTER, m.code)).executeUpdate(submitUpdate, {
              args: [
                withEvent.has(m.code)
                  ? {
                      kind: 'rows',
                      channel: 'form',
                      actor: m.code,
                      rows: [
                        {
                          title: `Встреча с делегацией побратима (${m.name})`,
                          place: 'г. Минск, Республика Беларусь',
                          dates: '15 марта 2024 года',
                          purpose: 'Обмен опытом',
                          participants: 'Делегации Российской Федерации и Республики Беларусь',
                        },
                      ],
                    }
                  : { kind: 'nil', channel: 'form', actor: m.code },
              ],
            }),
          ),
        );
      }

      let status: QuarterStatus = await quarter.query(statusQuery);
      for (const until = Date.now() + 300_000; status.phase !== 'awaiting_approval' && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 1_000));
        status = await quarter.query(statusQuery);
      }
      expect(status.phase).toBe('awaiting_approval');
      expect(status.groups).toBe(COUNT > GROUP_SIZE ? Math.ceil(COUNT / GROUP_SIZE) : 0);
      expect(status.counts).toEqual({ accepted: COUNT });

      const result = await quarter.executeUpdate(approveUpdate, {
        args: [{ signer: 'Тест', position: null, actor: 'test' }],
      });
      expect(result.eventCount).toBe(withEvent.size);
      await quarter.result();

      // No execution comes near the 10,240-event warning: the quarter, every group, a municipality.
      const lengths = {
        quarter: await historyLength(quarterWorkflowId(QUARTER)),
        groups: await Promise.all(
          Array.from({ length: status.groups }, (_, g) => historyLength(groupWorkflowId(QUARTER, g))),
        ),
        municipality: await historyLength(submissionWorkflowId(QUARTER, registry[0]!.code)),
      };
      console.log(`history lengths: ${JSON.stringify(lengths)}`);
      expect(lengths.quarter).toBeLessThan(2_000);
      // A group's history grows with its size; at the default group size (500) it must stay under the
    // 10,240-event warning, so no group may spend more than 10,240 / 500 events per municipality.
    for (const g of lengths.groups) expect(g / GROUP_SIZE).toBeLessThan(10_240 / 500);
      expect(lengths.municipality).toBeLessThan(200);
    },
  );
});
