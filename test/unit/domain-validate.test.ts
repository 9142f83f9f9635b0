import { describe, expect, it } from 'vitest';
import { parseDateRange } from '../../domain/dates';
import { mentionsForeign } from '../../domain/foreign';
import {
  COLUMN_TITLES,
  findCrossMunicipalityDuplicates,
  formatFinding,
  hasErrors,
  normalizeCell,
  validateRows,
} from '../../domain/validate';
import { COLUMN_KEYS } from '../../domain/types';
import type { EventRow, Finding, Quarter, SubmittedEvent } from '../../domain/types';
import { loadReference } from '../fixtures/reference';

const Q2: Quarter = { year: 2023, quarter: 2 };

function row(overrides: Partial<EventRow> = {}): EventRow {
  return {
    title: 'Участие в Международном фестивале «Славянское братство»',
    place: 'г. Смоленск',
    dates: '21 мая 2023 года',
    purpose: 'Укрепление связей в области истории и культуры',
    participants: 'Творческие коллективы Смоленской области и Республики Беларусь',
    ...overrides,
  };
}

const codes = (findings: Finding[]): [string, number | null, string | null][] =>
  findings.map((f) => [f.code, f.row, f.column]);

describe('normalizeCell', () => {
  it('strips control characters but keeps line breaks and tabs become spaces', () => {
    expect(normalizeCell('г.\u0007 Смоленск\u0000')).toBe('г. Смоленск');
    expect(normalizeCell('Участие\tв\u200b конкурсе')).toBe('Участие в конкурсе');
    expect(normalizeCell('\ufeffАпрель\u00ad 2023 года')).toBe('Апрель 2023 года');
    // A right-to-left override would show «Смоленск» reversed in the report and hide what it says.
    expect(normalizeCell('г. \u202eксненомС\u202c, \u2067Вязьма\u2069\u200f')).toBe('г. ксненомС, Вязьма');
  });

  it('makes every kind of line break "\\n", trims lines, collapses spaces, drops empty end lines', () => {
    expect(normalizeCell('  20 марта \r\n2023   года \r\n\r\n')).toBe('20 марта\n2023 года');
    expect(normalizeCell('г. Вязьма,\vСмоленская область\u2028')).toBe('г. Вязьма,\nСмоленская область');
    expect(normalizeCell('\n\nг. Рудня')).toBe('г. Рудня');
    expect(normalizeCell('Первый абзац\n\nВторой абзац')).toBe('Первый абзац\n\nВторой абзац');
  });

  it('keeps a single no-break space and collapses one mixed with spaces', () => {
    expect(normalizeCell('г.\u00a0Смоленск')).toBe('г.\u00a0Смоленск');
    expect(normalizeCell('г.\u00a0 Витебска')).toBe('г. Витебска');
  });

  it('is idempotent on the reference', () => {
    for (const s of loadReference().sections) {
      for (const { row: r } of s.rows) {
        for (const k of COLUMN_KEYS) expect(normalizeCell(normalizeCell(r[k]))).toBe(normalizeCell(r[k]));
      }
    }
  });
});

describe('validateRows', () => {
  it('accepts every reference section without errors or foreign-participant warnings', () => {
    for (const s of loadReference().sections) {
      const rows = s.rows.map((r) => r.row);
      const { findings, ranges } = validateRows(rows, Q2);
      expect(
        findings.filter((f) => f.code !== 'outside-quarter'),
        s.code,
      ).toEqual([]);
      expect(ranges.every((r) => r !== null)).toBe(true);
    }
  });

  it('warns, never errs, on the reference events outside the quarter', () => {
    const smolensk = loadReference().sections[0]!;
    const { findings } = validateRows(
      smolensk.rows.map((r) => r.row),
      Q2,
    );
    expect(hasErrors(findings)).toBe(false);
    // 20, 21, 24-25, 27 and 31 March lie entirely before Q2; «Февраль – апрель» and «31 марта – 2 апреля» reach into it.
    expect(codes(findings)).toEqual([2, 4, 5, 6, 7].map((n) => ['outside-quarter', n, 'dates']));
    expect(findings[0]!.severity).toBe('warning');
    expect(findings[0]!.message).toBe(
      'Мероприятие прошло до начала II квартала 2023 года (20 марта 2023 года). ' +
        'Это допустимо, если о нем не сообщалось в прошлом отчете; проверьте дату.',
    );
  });

  it('warns about an event after the quarter', () => {
    const { findings } = validateRows([row({ dates: '3 июля 2023 года' })], Q2);
    expect(findings).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'outside-quarter', row: 1, column: 'dates' }),
    ]);
    expect(findings[0]!.message).toMatch(
      /^Мероприятие проходит после окончания II квартала 2023 года \(3 июля 2023 года\)/,
    );
  });

  it('requires all five cells; a lone dash counts as empty', () => {
    const { findings } = validateRows(
      [
        row({ title: '', place: ' \n ', dates: '', purpose: '–', participants: '\u0000' }),
        row({ dates: '4 мая 2023 года' }),
      ],
      Q2,
    );
    expect(codes(findings)).toEqual(COLUMN_KEYS.map((k) => ['required', 1, k]));
    expect(findings.every((f) => f.severity === 'error')).toBe(true);
    expect(findings.map((f) => f.message)).toEqual([
      'Не указано наименование мероприятия.',
      'Не указано место проведения.',
      'Не указаны сроки проведения.',
      'Не указаны цель, содержание и результат мероприятия.',
      'Не указаны участники мероприятия.',
    ]);
  });

  it('rejects unreadable dates with the parser message and leaves their range null', () => {
    const { findings, ranges } = validateRows([row(), row({ title: 'Другое', dates: 'весной' })], Q2);
    expect(codes(findings)).toEqual([['date', 2, 'dates']]);
    expect(findings[0]!.severity).toBe('error');
    expect(findings[0]!.message).toContain('Не удалось распознать дату «весной»');
    expect(ranges).toEqual([{ start: '2023-05-21', end: '2023-05-21', precision: 'day' }, null]);
  });

  it('finds a repeated row, however it was typed, and names the earlier row', () => {
    const { findings } = validateRows(
      [
        row(),
        row({ title: 'Другое мероприятие' }),
        row({
          title: ' участие в международном фестивале "Славянское братство". ',
          dates: '21.05.2023',
          place: 'Г. Смоленск',
        }),
      ],
      Q2,
    );
    expect(codes(findings)).toEqual([['duplicate', 3, 'title']]);
    expect(findings[0]!.severity).toBe('error');
    expect(findings[0]!.message).toBe(
      'Повторяет строку 1: совпадают наименование, место и сроки. Оставьте одну из них.',
    );
  });

  it('does not call rows duplicates when the dates or the place differ', () => {
    const { findings } = validateRows(
      [row(), row({ dates: '22 мая 2023 года' }), row({ place: 'г. Минск' })],
      Q2,
    );
    expect(findings).toEqual([]);
  });

  it('rejects cells longer than the limit', () => {
    const { findings } = validateRows(
      [row({ purpose: 'а'.repeat(4001) }), row({ title: 'Б'.repeat(4000) })],
      Q2,
    );
    expect(codes(findings)).toEqual([['too-long', 1, 'purpose']]);
    expect(findings[0]!.message).toBe('Текст слишком длинный: 4001 знак при допустимых 4000. Сократите его.');
    const place = 'г. Смоленск, ' + 'ул. Ленина, '.repeat(8);
    const custom = validateRows([row({ place })], Q2, { maxCellLength: 100 });
    expect(codes(custom.findings)).toEqual([['too-long', 1, 'place']]);
    expect(custom.findings[0]!.message).toMatch(/^Текст слишком длинный: 108 знаков при допустимых 100\./);
  });

  it('rejects more rows than allowed and examines only the allowed ones', () => {
    const rows = Array.from({ length: 5 }, (_, i) =>
      row({ title: `Событие ${i + 1} «Дружба»`, participants: i === 4 ? '' : 'Гости из Беларуси' }),
    );
    const { findings, ranges } = validateRows(rows, Q2, { maxRows: 3 });
    expect(codes(findings)).toEqual([['too-many-rows', null, null]]);
    expect(findings[0]!.message).toBe(
      'В отчете 5 строк, а допускается не больше 3. Проверьте, не попали ли в таблицу лишние строки.',
    );
    expect(ranges).toHaveLength(5);
    expect(ranges.slice(3)).toEqual([null, null]);
  });

  it('rejects an empty submission and points to the nil report', () => {
    const { findings, ranges } = validateRows([], Q2);
    expect(codes(findings)).toEqual([['no-rows', null, null]]);
    expect(findings[0]!.severity).toBe('error');
    expect(findings[0]!.message).toContain('«мероприятия не проводились»');
    expect(ranges).toEqual([]);
  });

  it('looks for the foreign side in the description too, as the reference row 32 needs', () => {
    const { findings } = validateRows(
      [
        row({
          title: 'Фестиваль «Марафон победы»',
          place: 'В дистанционном формате',
          purpose: 'Памятные места России и Республики Беларусь',
          participants: 'Учителя МБОУ «СШ № 39» г. Смоленска',
        }),
      ],
      Q2,
    );
    expect(findings).toEqual([]);
  });

  it('warns when no foreign participant is apparent', () => {
    const { findings } = validateRows(
      [
        row({
          title: 'Городской субботник',
          place: 'г. Смоленск',
          purpose: 'Уборка парка',
          participants: 'Жители города Смоленска',
        }),
      ],
      Q2,
    );
    expect(codes(findings)).toEqual([['no-foreign-participant', 1, 'participants']]);
    expect(findings[0]!.severity).toBe('warning');
    expect(hasErrors(findings)).toBe(false);
  });

  it('does not warn about foreign participants when the participants cell is empty (that is an error already)', () => {
    const { findings } = validateRows([row({ title: 'Субботник', purpose: 'Уборка', participants: '' })], Q2);
    expect(codes(findings)).toEqual([['required', 1, 'participants']]);
  });

  it('is deterministic and leaves the rows untouched', () => {
    const rows = [row({ title: ' Фестиваль\u0007 ' })];
    const copy = structuredClone(rows);
    expect(validateRows(rows, Q2)).toEqual(validateRows(rows, Q2));
    expect(rows).toEqual(copy);
  });
});

describe('mentionsForeign', () => {
  it.each([
    'Делегация Республики Беларусь',
    'Представители белорусской стороны',
    'Гости из Абхазии',
    'Спортсмены Республики Казахстан',
    'Студенты из Китая',
    'Китайской Народной Республики',
    'Ансамбль из Сербии',
    'г. Орша',
    'Могилёвская область',
    'Международный турнир',
    'иностранные студенты',
    'зарубежные коллеги',
    'соотечественники, проживающие за рубежом',
    'Республика Индия',
  ])('sees %j', (text) => expect(mentionsForeign(text)).toBe(true));

  it.each([
    'Жители города Смоленска',
    'индивидуальные предприниматели',
    'Ансамбль «Шоссе»',
    'Грузить мебель',
    'Рославльский район',
    'Республика Татарстан',
    'Северная Осетия',
  ])('does not see %j', (text) => expect(mentionsForeign(text)).toBe(false));
});

describe('formatFinding / hasErrors / COLUMN_TITLES', () => {
  it('names the row and the column in Russian', () => {
    expect(
      formatFinding({
        severity: 'error',
        code: 'required',
        row: 3,
        column: 'dates',
        message: 'Не указаны сроки проведения.',
      }),
    ).toBe('Строка 3, столбец «Сроки проведения мероприятия»: не указаны сроки проведения.');
    expect(
      formatFinding({
        severity: 'error',
        code: 'too-many-rows',
        row: null,
        column: null,
        message: 'В отчете 5 строк.',
      }),
    ).toBe('В отчете 5 строк.');
    expect(
      formatFinding({ severity: 'warning', code: 'x', row: 2, column: null, message: 'Проверьте.' }),
    ).toBe('Строка 2: проверьте.');
    expect(
      formatFinding({ severity: 'error', code: 'x', row: 1, column: 'title', message: 'МБОУ не указано.' }),
    ).toBe('Строка 1, столбец «Наименование мероприятия»: МБОУ не указано.');
  });

  it('formats every finding of a real validation', () => {
    const { findings } = validateRows([row(), row({ dates: '31 февраля 2023 года' })], Q2);
    expect(findings.map(formatFinding)).toEqual([
      'Строка 2, столбец «Сроки проведения мероприятия»: в феврале 2023 года нет 31 числа: «31 февраля 2023 года».',
    ]);
  });

  it('tells errors from warnings', () => {
    const warning: Finding = { severity: 'warning', code: 'w', row: 1, column: null, message: '' };
    const info: Finding = { ...warning, severity: 'info' };
    expect(hasErrors([])).toBe(false);
    expect(hasErrors([warning, info])).toBe(false);
    expect(hasErrors([warning, { ...warning, severity: 'error' }])).toBe(true);
  });

  it('has a title for every column', () => {
    expect(Object.keys(COLUMN_TITLES).sort()).toEqual([...COLUMN_KEYS].sort());
    expect(COLUMN_TITLES.participants).toBe('Участники мероприятия');
  });
});

describe('findCrossMunicipalityDuplicates', () => {
  const toEvents = (): SubmittedEvent[] =>
    loadReference().sections.flatMap((s) =>
      s.rows.map((r, index) => {
        const parsed = parseDateRange(r.row.dates, Q2);
        return { municipality: s.code, index, row: r.row, range: parsed.ok ? parsed.range : null };
      }),
    );

  it('finds «Славянское братство» of 21 May, reported by Smolensk and Khislavichi', () => {
    const found = findCrossMunicipalityDuplicates(toEvents());
    expect(found).toContainEqual({
      title: 'Международный фестиваль фольклора, ремесел и семейного творчества «Славянское братство»',
      start: '2023-05-21',
      municipalities: ['smolensk', 'khislavichi'],
    });
  });

  it('finds on the reference only concerts and festivals that two municipalities both reported', () => {
    const found = findCrossMunicipalityDuplicates(toEvents());
    expect(found.map((d) => [d.start, d.municipalities])).toEqual([
      // «Дружба без границ» in Mogilev: the city of Smolensk and Dorogobuzh district both took part.
      ['2023-04-02', ['smolensk', 'dorogobuzh']],
      ['2023-05-21', ['smolensk', 'khislavichi']],
    ]);
  });

  it('needs the same start date and two different municipalities', () => {
    const base = {
      row: { title: 'Фестиваль «Мост дружбы»', place: '', dates: '', purpose: '', participants: '' },
    };
    const r = (start: string) => ({ start, end: start, precision: 'day' as const });
    expect(
      findCrossMunicipalityDuplicates([
        { ...base, municipality: 'rudnya', index: 0, range: r('2023-04-02') },
        { ...base, municipality: 'rudnya', index: 1, range: r('2023-04-02') },
        { ...base, municipality: 'pochinok', index: 0, range: r('2023-03-30') },
        { ...base, municipality: 'krasny', index: 0, range: null },
      ]),
    ).toEqual([]);
  });

  it('matches titles sharing most words even without quotes', () => {
    const r = { start: '2023-04-08', end: '2023-04-08', precision: 'day' as const };
    const mk = (municipality: string, title: string): SubmittedEvent => ({
      municipality,
      index: 0,
      range: r,
      row: { title, place: '', dates: '', purpose: '', participants: '' },
    });
    expect(
      findCrossMunicipalityDuplicates([
        mk('velizh', 'Открытый турнир по волейболу среди ветеранов'),
        mk('ugra', 'Участие в открытом турнире по волейболу среди ветеранов'),
        mk('temkino', 'Турнир по шахматам'),
      ]),
    ).toEqual([
      {
        title: 'Открытый турнир по волейболу среди ветеранов',
        start: '2023-04-08',
        municipalities: ['velizh', 'ugra'],
      },
    ]);
  });
});
