// The Russian production calendar as data: the public holidays of the Labour Code (art. 112) and,
// for each year, the transfers of days off decreed by the Government. Everything else (the
// statutory move of a holiday that falls on a weekend, the working Saturdays a transfer creates)
// is derived in ./russia.ts and checked against the official yearly totals in
// test/unit/calendar.test.ts.
//
// A transfer reads as the decree words it: «перенести выходной день с субботы 27 апреля на
// понедельник 29 апреля» is { from: '2024-04-27', to: '2024-04-29' }. The `from` day becomes a
// working day unless it is itself a holiday (the January weekends that coincide with 1–8 January).

/** Нерабочие праздничные дни, ТК РФ ст. 112 ч. 1, as MM-DD. */
export const PUBLIC_HOLIDAYS: readonly { date: string; title: string }[] = [
  { date: '01-01', title: 'Новогодние каникулы' },
  { date: '01-02', title: 'Новогодние каникулы' },
  { date: '01-03', title: 'Новогодние каникулы' },
  { date: '01-04', title: 'Новогодние каникулы' },
  { date: '01-05', title: 'Новогодние каникулы' },
  { date: '01-06', title: 'Новогодние каникулы' },
  { date: '01-07', title: 'Рождество Христово' },
  { date: '01-08', title: 'Новогодние каникулы' },
  { date: '02-23', title: 'День защитника Отечества' },
  { date: '03-08', title: 'Международный женский день' },
  { date: '05-01', title: 'Праздник Весны и Труда' },
  { date: '05-09', title: 'День Победы' },
  { date: '06-12', title: 'День России' },
  { date: '11-04', title: 'День народного единства' },
];

export type Transfer = { from: string; to: string };

export type DecreeYear = {
  year: number;
  /** The act the year comes from, as it is cited. */
  source: string;
  /** 'decree': the Government's transfers are known; 'statutory': holidays and art. 112 only. */
  kind: 'decree' | 'statutory';
  transfers: Transfer[];
  /** Official number of working days in a five-day week, as published with the calendar. */
  workingDays: number | null;
  /** What is uncertain about this year, said plainly. */
  note?: string;
};

export const RU_DECREES: readonly DecreeYear[] = [
  {
    year: 2022,
    source: 'Постановление Правительства РФ от 16.09.2021 № 1564',
    kind: 'decree',
    transfers: [
      { from: '2022-01-01', to: '2022-05-03' },
      { from: '2022-01-02', to: '2022-05-10' },
      { from: '2022-03-05', to: '2022-03-07' },
    ],
    workingDays: 247,
  },
  {
    year: 2023,
    source: 'Постановление Правительства РФ от 29.08.2022 № 1505',
    kind: 'decree',
    transfers: [
      { from: '2023-01-01', to: '2023-02-24' },
      { from: '2023-01-08', to: '2023-05-08' },
    ],
    workingDays: 247,
  },
  {
    year: 2024,
    source: 'Постановление Правительства РФ от 10.08.2023 № 1314',
    kind: 'decree',
    transfers: [
      { from: '2024-01-06', to: '2024-05-10' },
      { from: '2024-01-07', to: '2024-12-31' },
      { from: '2024-04-27', to: '2024-04-29' },
      { from: '2024-11-02', to: '2024-04-30' },
      { from: '2024-12-28', to: '2024-12-30' },
    ],
    workingDays: 248,
  },
  {
    year: 2025,
    source: 'Постановление Правительства РФ от 04.10.2024 № 1335',
    kind: 'decree',
    transfers: [
      { from: '2025-01-04', to: '2025-05-02' },
      { from: '2025-01-05', to: '2025-12-31' },
      { from: '2025-11-01', to: '2025-11-03' },
    ],
    workingDays: 247,
    note:
      '31 декабря 2025 года — выходной по переносу (с 5 января), а не праздник по ТК РФ: ' +
      'поправка, делающая 31 декабря нерабочим праздничным днем, нам не известна.',
  },
  {
    year: 2026,
    source: 'Постановление Правительства РФ от 24.09.2025 № 1466',
    kind: 'decree',
    transfers: [
      { from: '2026-01-03', to: '2026-01-09' },
      { from: '2026-01-04', to: '2026-12-31' },
    ],
    workingDays: 247,
    note:
      'Номер и дата постановления и оба переноса приведены по памяти составителя и не сверены ' +
      'с официальным опубликованием; если перенос окажется другим, загрузите год командой ' +
      '«svodka calendar import» — загруженный год важнее встроенного.',
  },
  {
    year: 2027,
    source:
      'Трудовой кодекс РФ, ст. 112 (постановление о переносе выходных на 2027 год составителю не известно)',
    kind: 'statutory',
    transfers: [],
    workingDays: null,
    note:
      'Только праздники ТК РФ и перенос праздника, совпавшего с выходным, на следующий рабочий день. ' +
      'Правительство ежегодно переносит еще два выходных, совпавших с 1–8 января (в 2027 году — 2 и 3 января); ' +
      'пока постановление не загружено, эти переносы не учтены и рабочих дней выходит 249, а не около 247. ' +
      'Загрузите календарь 2027 года командой «svodka calendar import».',
  },
];
