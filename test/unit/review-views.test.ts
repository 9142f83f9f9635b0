// The review screens' pure parts: the draft's duplicate check over the reference report (its one
// duplicate, «Дружба без границ», Смоленск and Дорогобуж, with the row numbers), how it is shown,
// and the comparison of two versions with only the changed cells marked.
import { describe, expect, it } from 'vitest';
import { diffVersions } from '../../domain/diff';
import { draftDuplicates, sectionCodes } from '../../domain/draft-review';
import type { DraftSection } from '../../domain/draft-review';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import { COLUMN_KEYS } from '../../domain/types';
import type { EventRow } from '../../domain/types';
import { diffView, duplicatesView } from '../../client/web/review-views';
import { loadReference } from '../fixtures/reference';

const reference = loadReference();
const Q2 = { year: 2023, quarter: 2 } as const;
const sections: DraftSection[] = reference.sections.map((s) => ({
  // As Word gives the title back: line breaks where the cell wrapped.
  title: s.title.replace(/ /, '\n'),
  rows: s.rows.map((r) => ({ number: `${r.number}.`, cells: COLUMN_KEYS.map((k) => r.row[k]) })),
}));
const names = new Map(SMOLENSK_MUNICIPALITIES.map((m) => [m.code, m.name]));

describe('the duplicate check on the draft', () => {
  it('knows each section by its registry title', () => {
    expect(sectionCodes(sections, SMOLENSK_MUNICIPALITIES)).toEqual(reference.sections.map((s) => s.code));
    expect(sectionCodes([{ title: 'Неизвестный район', rows: [] }], SMOLENSK_MUNICIPALITIES)).toEqual([null]);
  });

  it('finds the reference duplicate with the draft rows it stands for', () => {
    const found = draftDuplicates(sections, SMOLENSK_MUNICIPALITIES, Q2);
    const friendship = found.filter((d) => d.title.includes('Дружба без границ'));
    expect(friendship).toHaveLength(1);
    expect(friendship[0]!.municipalities).toEqual(['smolensk', 'dorogobuzh']);
    const numbers = (code: string) =>
      reference.sections
        .find((s) => s.code === code)!
        .rows.filter((r) => r.row.title.includes('Дружба без границ') && r.row.dates.startsWith('2 апреля'))
        .map((r) => r.number);
    expect(friendship[0]!.rows).toEqual([
      { municipality: 'smolensk', numbers: numbers('smolensk') },
      { municipality: 'dorogobuzh', numbers: numbers('dorogobuzh') },
    ]);
    // Смоленск's other «Дружба без границ» (21 April, Витебск) is another concert: not in the group.
    expect(numbers('smolensk')).toEqual([9]);
    expect(numbers('dorogobuzh')).toEqual([52]);
  });

  it('shows each group with its date, municipalities and rows, and says so when there is none', () => {
    const found = draftDuplicates(sections, SMOLENSK_MUNICIPALITIES, Q2);
    const text = duplicatesView(found, names).value.replace(/\s+/g, ' ');
    expect(text).toMatch(
      /«[^»]*Дружба без границ[^<]*», \d+ [а-я]+ 2023 года: город Смоленск \(строка \d+\); Дорогобужский район \(строка \d+\)/,
    );
    expect(duplicatesView([], names).value).toContain('не найдено');
  });
});

const row = (title: string, dates: string): EventRow => ({
  title,
  place: 'г. Вязьма',
  dates,
  purpose: 'Обмен опытом',
  participants: 'Делегация <Беларусь>',
});

describe('two versions side by side', () => {
  const facts = (version: number) => ({
    version,
    status: 'accepted' as const,
    kind: 'rows',
    channel: 'web',
    rowCount: 2,
    createdAt: new Date('2023-07-05T09:00:00Z'),
  });
  const comparison = (before: EventRow[], after: EventRow[]) => ({
    quarter: '2023-Q2',
    municipality: { code: 'vyazma', name: 'Вяземский район' },
    versions: [facts(1), facts(2)],
    from: facts(1),
    to: facts(2),
    diff: diffVersions(before, after),
  });

  it('marks only the changed cells, before and after, and the added and removed rows whole', () => {
    const view = diffView(
      comparison(
        [row('Фестиваль', '3 апреля 2023 года'), row('Турнир', '5 мая 2023 года')],
        [row('Фестиваль', '4 апреля 2023 года'), row('Выставка', '6 мая 2023 года')],
      ),
    ).value;
    expect(view.match(/<td class="changed" data-column="dates">[^<]*/g)).toEqual([
      '<td class="changed" data-column="dates">3 апреля 2023 года',
      '<td class="changed" data-column="dates">4 апреля 2023 года',
    ]);
    expect(view).toMatch(/<tr class="added" data-change="added">[\s\S]*?Выставка/);
    expect(view).toMatch(/<tr class="removed" data-change="removed">[\s\S]*?Турнир/);
    expect(view).toContain('Делегация &lt;Беларусь&gt;');
    expect(view).toContain('Версия 1 — принята, файл на портале');
  });

  it('says the versions are the same when nothing changed', () => {
    const same = diffView(
      comparison([row('Фестиваль', '3 апреля 2023 года')], [row('Фестиваль', '3 апреля 2023 года')]),
    );
    expect(same.value).toContain('Версии совпадают');
    expect(same.value).not.toContain('<table');
  });
});
