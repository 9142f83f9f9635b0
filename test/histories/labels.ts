// The version line of the saved histories. Each history in this folder is labelled (labels.json)
// with the patch ids its workflow code knew when it was recorded: the ids of every patched() and
// deprecatePatch() call in workflows/. The replay test holds the code and the histories to the rule
// written in the README (patched → deprecatePatch → removal).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';

export const HISTORY_DIR = import.meta.dirname;
const LABELS_FILE = path.join(HISTORY_DIR, 'labels.json');
const WORKFLOWS_DIR = path.resolve(HISTORY_DIR, '../../workflows');

export type PatchCall = 'patched' | 'deprecatePatch';
export type HistoryLabel = { patches: string[]; recordedAt: string };

/** Every patch id in workflows/, with the call that carries it (a literal id: the rule needs to read it). */
export function workflowPatches(dir = WORKFLOWS_DIR): Map<string, PatchCall> {
  const found = new Map<string, PatchCall>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    for (const m of source.matchAll(/\b(patched|deprecatePatch)\(\s*(['"`])([^'"`]+)\2\s*\)/g))
      found.set(m[3]!, m[1] as PatchCall);
  }
  return found;
}

/** The history files, without the labels. */
export function historyFiles(): string[] {
  return readdirSync(HISTORY_DIR)
    .filter((f) => f.endsWith('.json') && f !== path.basename(LABELS_FILE))
    .sort();
}

export function readLabels(): Record<string, HistoryLabel> {
  return JSON.parse(readFileSync(LABELS_FILE, 'utf8')) as Record<string, HistoryLabel>;
}

/** Labels freshly saved histories with the patch ids of the code that ran them: the code in workflows/ now. */
export function labelHistories(files: string[], recordedAt = new Date().toISOString()): void {
  let labels: Record<string, HistoryLabel> = {};
  try {
    labels = readLabels();
  } catch {
    // No labels yet: the first histories of the line.
  }
  const patches = [...workflowPatches().keys()].sort();
  for (const file of files) labels[file] = { patches, recordedAt };
  const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(LABELS_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
}

/** The patch ids a history recorded: the SDK writes a 'core_patch' marker for each patched() it met. */
export function recordedPatches(history: History): string[] {
  const ids = new Set<string>();
  for (const event of history.events ?? []) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') continue;
    const payload = marker.details?.['patch-data']?.payloads?.[0];
    const data = payload ? (defaultPayloadConverter.fromPayload(payload) as { id?: string }) : undefined;
    if (data?.id) ids.add(data.id);
  }
  return [...ids];
}

/**
 * What breaks the rule, in words a developer acts on; empty when the histories and the code agree.
 * - a history labelled with an id the code no longer carries: the patch was removed while a history
 *   of its time is still kept (remove it only with the histories, once its quarters have closed);
 * - an id the code carries that no history was recorded under: record one (npm run histories:save);
 * - a patched() id with no history from before it: the old branch it keeps is never replayed;
 * - a deprecatePatch() id with a history from before it: deprecate only once every quarter started
 *   before the change has closed, and then delete those histories;
 * - a history whose markers name an id its label does not: the label lies.
 */
export function ruleViolations(
  patches: Map<string, PatchCall>,
  histories: { file: string; label: HistoryLabel | undefined; markers: string[] }[],
): string[] {
  const problems: string[] = [];
  for (const { file, label, markers } of histories) {
    if (!label) {
      problems.push(`${file}: нет метки в labels.json (сохраняйте истории через npm run histories:save)`);
      continue;
    }
    for (const id of label.patches)
      if (!patches.has(id))
        problems.push(`${file}: записана с патчем «${id}», которого в workflows/ больше нет`);
    for (const id of markers)
      if (!label.patches.includes(id)) problems.push(`${file}: маркер «${id}» есть в истории, но не в метке`);
  }
  for (const [id, call] of patches) {
    const under = histories.filter((h) => h.label?.patches.includes(id));
    const before = histories.filter((h) => h.label && !h.label.patches.includes(id));
    if (under.length === 0) problems.push(`${call}('${id}'): нет ни одной истории, записанной с ним`);
    if (call === 'patched' && before.length === 0)
      problems.push(`patched('${id}'): нет истории, записанной до него, — старая ветка не проверяется`);
    if (call === 'deprecatePatch' && before.length > 0)
      problems.push(
        `deprecatePatch('${id}'): остались истории, записанные до него (${before.map((h) => h.file).join(', ')})`,
      );
  }
  return problems;
}
