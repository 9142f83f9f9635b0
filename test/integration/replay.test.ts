// Replays the saved histories of real quarters (test/histories/*.json, recorded by
// scripts/record-histories.ts and saved by scripts/save-histories.ts) against the current workflow
// code: a change that would break a running quarter fails here. It also holds the code and the
// histories to the README's rule (patched → deprecatePatch → removal), through their labels.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../worker/workflows-path';
import {
  HISTORY_DIR,
  historyFiles,
  readLabels,
  recordedPatches,
  ruleViolations,
  workflowPatches,
} from '../histories/labels';
import type { HistoryLabel } from '../histories/labels';

const files = historyFiles();
const histories = files.map((file) => ({
  file,
  // A later run of the same municipality is saved as ~2, ~3 …
  workflowId: file.replace(/(~\d+)?(@[^@]*)?\.json$/, '').replaceAll('_', '/'),
  history: historyFromJSON(JSON.parse(readFileSync(path.join(HISTORY_DIR, file), 'utf8'))),
}));

describe('saved histories', () => {
  it('cover a flat quarter and a tree-run one: quarter, group and municipalities', () => {
    const parents = files.filter((f) => /^quarter_\d{4}-Q\d@/.test(f));
    expect(parents.length).toBeGreaterThanOrEqual(2);
    expect(files.some((f) => /_group-\d+@/.test(f))).toBe(true);
    expect(files.filter((f) => /_[a-z]+@/.test(f)).length).toBeGreaterThanOrEqual(3);
    // Every quarter saved ran to its end, through the archive of its histories.
    for (const { file, history } of histories.filter((h) => parents.includes(h.file))) {
      const activities = (history.events ?? []).flatMap(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
      );
      expect(activities, file).toContain('archiveHistories');
    }
  });

  it('replay without nondeterminism against the current workflow code', { timeout: 120_000 }, async () => {
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) results.push(result);
    expect(results).toHaveLength(files.length);
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });

  it('and the code keep the version line: patched → deprecatePatch → removal', () => {
    const labels = readLabels();
    expect(Object.keys(labels).sort(), 'labels.json names exactly the saved histories').toEqual(files);
    const problems = ruleViolations(
      workflowPatches(),
      histories.map(({ file, history }) => ({
        file,
        label: labels[file],
        markers: recordedPatches(history),
      })),
    );
    expect(problems).toEqual([]);
  });
});

describe('the version-line rule', () => {
  const label = (...patches: string[]): HistoryLabel => ({ patches, recordedAt: '2027-01-01T00:00:00Z' });
  const before = { file: 'before.json', label: label(), markers: [] };
  const after = { file: 'after.json', label: label('x'), markers: ['x'] };

  it('accepts a patch with histories from before and after it, then its deprecation without the older', () => {
    expect(ruleViolations(new Map([['x', 'patched']]), [before, after])).toEqual([]);
    expect(ruleViolations(new Map([['x', 'deprecatePatch']]), [after])).toEqual([]);
    expect(ruleViolations(new Map(), [before])).toEqual([]);
  });

  it('refuses a patch no history was recorded under, or none from before it', () => {
    expect(ruleViolations(new Map([['x', 'patched']]), [before])).toEqual([
      "patched('x'): нет ни одной истории, записанной с ним",
    ]);
    expect(ruleViolations(new Map([['x', 'patched']]), [after])).toEqual([
      "patched('x'): нет истории, записанной до него, — старая ветка не проверяется",
    ]);
  });

  it('refuses a deprecation while histories from before the patch are kept', () => {
    expect(ruleViolations(new Map([['x', 'deprecatePatch']]), [before, after])).toEqual([
      "deprecatePatch('x'): остались истории, записанные до него (before.json)",
    ]);
  });

  it('refuses removing a patch while a history recorded under it is kept', () => {
    expect(ruleViolations(new Map(), [after])).toEqual([
      'after.json: записана с патчем «x», которого в workflows/ больше нет',
    ]);
  });

  it('refuses an unlabelled history and a label that hides a marker', () => {
    expect(ruleViolations(new Map(), [{ file: 'a.json', label: undefined, markers: [] }])).toHaveLength(1);
    expect(ruleViolations(new Map([['x', 'patched']]), [before, { ...after, label: label() }])).toContain(
      'after.json: маркер «x» есть в истории, но не в метке',
    );
  });

  it('reads the patch ids of the workflow code, patched and deprecated alike', () => {
    const found = workflowPatches(path.join(HISTORY_DIR, 'example-workflows'));
    expect([...found]).toEqual([
      ['old-shape', 'deprecatePatch'],
      ['new-shape', 'patched'],
    ]);
  });
});
