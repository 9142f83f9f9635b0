// What changed between two versions of a municipality's answer, for the coordinator: rows added,
// removed and changed. Rows are matched by their title first (a corrected date keeps its title),
// then whatever is left is added or removed.
import { collapseWhitespace } from './text';
import { COLUMN_KEYS } from './types';
import type { ColumnKey, EventRow } from './types';

export type RowChange = { before: EventRow; after: EventRow; columns: ColumnKey[] };
export type VersionDiff = { added: EventRow[]; removed: EventRow[]; changed: RowChange[]; unchanged: number };

const key = (text: string) => collapseWhitespace(text).toLowerCase().replace(/ё/g, 'е');

export function diffVersions(before: EventRow[], after: EventRow[]): VersionDiff {
  const left = [...before];
  const diff: VersionDiff = { added: [], removed: [], changed: [], unchanged: 0 };
  const pending: EventRow[] = [];
  // Identical rows first, so a moved row is not mistaken for a changed one.
  for (const row of after) {
    const same = left.findIndex((r) => COLUMN_KEYS.every((c) => key(r[c]) === key(row[c])));
    if (same >= 0) {
      left.splice(same, 1);
      diff.unchanged++;
    } else pending.push(row);
  }
  for (const row of pending) {
    const sameTitle = left.findIndex((r) => key(r.title) === key(row.title));
    if (sameTitle < 0) {
      diff.added.push(row);
      continue;
    }
    const [old] = left.splice(sameTitle, 1);
    diff.changed.push({
      before: old!,
      after: row,
      columns: COLUMN_KEYS.filter((c) => key(old![c]) !== key(row[c])),
    });
  }
  diff.removed = left;
  return diff;
}
