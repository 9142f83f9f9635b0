// The draft report as the coordinator reviews it: which municipality each section (and so each row)
// comes from, and the cross-municipality duplicate check run over exactly the rows the draft holds.
import { parseDateRange } from './dates';
import { findCrossMunicipalityDuplicates } from './duplicates';
import type { CrossMunicipalityDuplicate } from './duplicates';
import { collapseWhitespace } from './text';
import { COLUMN_KEYS } from './types';
import type { EventRow, Quarter, SubmittedEvent } from './types';

export type DraftSection = { title: string; rows: { number: string; cells: string[] }[] };
export type RegistryEntry = { code: string; name: string; sectionTitle: string };

export type DraftDuplicate = CrossMunicipalityDuplicate & {
  /** The draft's row numbers of the group's events, by municipality. */
  rows: { municipality: string; numbers: number[] }[];
};

/** Section titles are the registry's; whitespace and line breaks aside. */
export function sectionCodes(sections: DraftSection[], registry: RegistryEntry[]): (string | null)[] {
  const byTitle = new Map(registry.map((m) => [collapseWhitespace(m.sectionTitle), m.code]));
  return sections.map((s) => byTitle.get(collapseWhitespace(s.title)) ?? null);
}

function rowOf(cells: string[]): EventRow {
  return Object.fromEntries(COLUMN_KEYS.map((k, i) => [k, cells[i] ?? ''])) as EventRow;
}

/** The duplicate check over the draft's rows, each group with the row numbers it stands for. */
export function draftDuplicates(
  sections: DraftSection[],
  registry: RegistryEntry[],
  quarter: Quarter,
): DraftDuplicate[] {
  const codes = sectionCodes(sections, registry);
  const events: (SubmittedEvent & { number: number })[] = [];
  sections.forEach((section, s) => {
    const code = codes[s];
    if (!code) return;
    section.rows.forEach((r, index) => {
      const row = rowOf(r.cells);
      const parsed = parseDateRange(row.dates, quarter);
      events.push({
        municipality: code,
        index,
        row,
        range: parsed.ok ? parsed.range : null,
        number: Number.parseInt(r.number, 10),
      });
    });
  });
  // An event belongs to a group when, checked beside the group's other municipalities' events of
  // that day, it lands in a group itself (it is its municipality's only event in the check).
  const inGroup = (e: (typeof events)[number], d: CrossMunicipalityDuplicate) =>
    findCrossMunicipalityDuplicates([
      e,
      ...events.filter(
        (o) =>
          o.municipality !== e.municipality &&
          d.municipalities.includes(o.municipality) &&
          o.range?.start === d.start,
      ),
    ]).some((g) => g.municipalities.includes(e.municipality));
  return findCrossMunicipalityDuplicates(events).map((d) => ({
    ...d,
    rows: d.municipalities.map((code) => ({
      municipality: code,
      numbers: events
        .filter((e) => e.municipality === code && e.range?.start === d.start && inGroup(e, d))
        .map((e) => e.number)
        .filter((n) => Number.isFinite(n)),
    })),
  }));
}
