// Replays the saved histories of real quarters (test/histories/*.json, written by
// scripts/save-histories.ts) against the current workflow code: a change that would break a running
// quarter fails here. Use patched() for such changes.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../worker/workflows-path';

const dir = path.resolve(import.meta.dirname, '../histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('saved histories', () => {
  it('exist: quarters, a group, and municipalities that were rejected, reminded and escalated', () => {
    expect(files).toContain('quarter_2023-Q2.json');
    expect(files.length).toBeGreaterThanOrEqual(3);
    // Quarters of every shape the code has run: before and after local side effects, and a tree.
    expect(files).toContain('quarter_2024-Q1@local-side-effects.json');
    expect(files.some((f) => /_group-\d+@/.test(f))).toBe(true);
  });

  it('replay without nondeterminism against the current workflow code', { timeout: 120_000 }, async () => {
    const histories = files.map((f) => ({
      workflowId: f.replace(/(@[^@]*)?\.json$/, '').replaceAll('_', '/'),
      history: historyFromJSON(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))),
    }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) results.push(result);
    expect(results).toHaveLength(files.length);
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });
});
