// The same event reported by two municipalities (both took part in «Славянское братство» on 21 May).
// A hint for the coordinator, who decides whether to keep both rows: nothing here rejects anything.

import { collapseWhitespace, looseKey } from './text';
import type { SubmittedEvent } from './types';

export type CrossMunicipalityDuplicate = { title: string; start: string; municipalities: string[] };

// Words that say nothing about which event it is.
const STOP_WORDS = new Set([
  'участие',
  'участии',
  'в',
  'во',
  'на',
  'и',
  'с',
  'со',
  'по',
  'для',
  'о',
  'об',
  'от',
  'к',
  'у',
  'из',
  'за',
  'при',
  'рамках',
  'посвященный',
  'посвященном',
  'посвященной',
  'посвященная',
  'посвященное',
  'посвященных',
  'мероприятие',
  'мероприятии',
  'мероприятиях',
  'года',
  'год',
  'г',
]);

/** «…»-quoted names, innermost, without years: «Дружба без границ 2023» = «Дружба без границ». */
function quotedNames(title: string): string[] {
  const names: string[] = [];
  for (const m of title.matchAll(/[«"„“]([^«»"„“”]+)[»"“”]/g)) {
    const name = looseKey(m[1]!.replace(/(^|\s)(19|20)\d\d(?=\s|$)/g, ' '));
    if (name.length >= 4) names.push(name);
  }
  return names;
}

/** Content words, crudely stemmed to their first five letters («фестивале» ~ «фестиваль»). */
function contentWords(title: string): Set<string> {
  const words = looseKey(title)
    .split(/[^a-zа-я0-9]+/)
    .filter((w) => w.length >= 3 && !STOP_WORDS.has(w))
    .map((w) => w.slice(0, 5));
  return new Set(words);
}

type Profile = { names: string[]; words: Set<string> };

function similar(a: Profile, b: Profile): boolean {
  if (a.names.some((n) => b.names.includes(n))) return true;
  if (a.words.size < 3 || b.words.size < 3) return false;
  let shared = 0;
  for (const w of a.words) if (b.words.has(w)) shared++;
  return shared / (a.words.size + b.words.size - shared) >= 0.6;
}

/**
 * Events with the same start date from different municipalities whose titles share a quoted name
 * or most of their words. Each group is reported once, with the title of its first event and the
 * municipalities in the order their events came.
 */
export function findCrossMunicipalityDuplicates(events: SubmittedEvent[]): CrossMunicipalityDuplicate[] {
  const byStart = new Map<string, SubmittedEvent[]>();
  for (const e of events) {
    if (e.range === null) continue;
    const list = byStart.get(e.range.start);
    if (list) list.push(e);
    else byStart.set(e.range.start, [e]);
  }

  const result: CrossMunicipalityDuplicate[] = [];
  for (const start of [...byStart.keys()].sort()) {
    const group = byStart.get(start)!;
    if (new Set(group.map((e) => e.municipality)).size < 2) continue;
    const profiles = group.map((e) => ({
      names: quotedNames(e.row.title),
      words: contentWords(e.row.title),
    }));

    // Union-find over similar pairs from different municipalities.
    const parent = group.map((_, i) => i);
    const root = (i: number): number => {
      while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
      return i;
    };
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        if (group[i]!.municipality === group[j]!.municipality) continue;
        if (similar(profiles[i]!, profiles[j]!)) parent[root(j)] = root(i);
      }
    }

    const clusters = new Map<number, SubmittedEvent[]>();
    group.forEach((e, i) => {
      const r = root(i);
      const list = clusters.get(r);
      if (list) list.push(e);
      else clusters.set(r, [e]);
    });
    for (const members of clusters.values()) {
      const municipalities = [...new Set(members.map((e) => e.municipality))];
      if (municipalities.length < 2) continue;
      result.push({ title: collapseWhitespace(members[0]!.row.title), start, municipalities });
    }
  }
  return result;
}
