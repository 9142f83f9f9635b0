import { describe, expect, it } from 'vitest';
import { diffVersions } from '../../domain/diff';
import type { EventRow } from '../../domain/types';

const row = (title: string, dates = '3 апреля 2023 года', place = 'г. Смоленск'): EventRow => ({
  title,
  place,
  dates,
  purpose: 'Обмен опытом',
  participants: 'Делегация Республики Беларусь',
});

describe('what changed between two versions', () => {
  it('tells added, removed and changed rows apart, and which columns changed', () => {
    const v1 = [row('Фестиваль «Славянское братство»'), row('Турнир по волейболу'), row('Конференция')];
    const v2 = [
      row('Конференция'),
      row('Фестиваль «Славянское братство»', '21 мая 2023 года'),
      row('Мастер-класс', '5 апреля 2023 года'),
    ];
    const diff = diffVersions(v1, v2);
    expect(diff.unchanged).toBe(1);
    expect(diff.added.map((r) => r.title)).toEqual(['Мастер-класс']);
    expect(diff.removed.map((r) => r.title)).toEqual(['Турнир по волейболу']);
    expect(diff.changed).toHaveLength(1);
    expect(diff.changed[0]!.columns).toEqual(['dates']);
    expect(diff.changed[0]!.after.dates).toBe('21 мая 2023 года');
  });

  it('ignores whitespace, case and «ё» — a reformatted row is not a change', () => {
    const diff = diffVersions(
      [row('Встреча с делегацией')],
      [{ ...row('встреча  с\nделегацией'), place: 'г.  Смоленск' }],
    );
    expect(diff).toEqual({ added: [], removed: [], changed: [], unchanged: 1 });
  });
});
