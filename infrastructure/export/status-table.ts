// A quarter's status table for the coordinator to pass on: one row per municipality in region
// order — code, name, state, reminders, versions, when it last answered, its deadline, whether it
// answered on time and how many working days late — as CSV (domain/csv.ts) or as an Excel sheet.

import ExcelJS from 'exceljs';
import { toCsv } from '../../domain/csv';
import { timelinessText } from '../../domain/timeliness';
import type { Timeliness } from '../../domain/timeliness';
import type { MunicipalitySummary, QuarterStatus, SubmissionState } from '../../workflows/api';
import { xlsxText } from './report-xlsx';

export const STATUS_HEADERS = [
  'Код',
  'Муниципальное образование',
  'Состояние',
  'Напоминаний',
  'Версий',
  'Ответ получен (МСК)',
  'Срок',
  'Своевременность',
  'Опоздание (рабочих дней)',
] as const;

export type StatusRow = {
  code: string;
  name: string;
  state: string;
  reminders: number;
  versions: number;
  /** ISO timestamp of the last answer, or null. */
  answeredAt: string | null;
  /** ISO date (YYYY-MM-DD). */
  deadline: string;
  /** «в срок», «опоздание: 2 рабочих дня», …; '' when not known. */
  timeliness: string;
  /** Working days late (or overdue so far); null when on time or not due. */
  lateDays: number | null;
};

/** A row of the quarter's read model (application/quarter-status.ts). */
type ViewRow = { code: string; name: string; summary: MunicipalitySummary; timeliness: Timeliness };

/** Every row of the read model's view (asked with pageSize 0), flat or tree alike. */
export function statusRowsOf(
  view: { rows: ViewRow[] },
  labels: Record<SubmissionState, string>,
): StatusRow[] {
  return view.rows.map(({ code, name, summary: s, timeliness: t }) => ({
    code,
    name,
    state: labels[s.state] ?? s.state,
    reminders: s.reminders,
    versions: s.versions,
    answeredAt: s.lastAnswerAt,
    deadline: s.deadline,
    timeliness: timelinessText(t),
    lateDays: (t.kind === 'late' || t.kind === 'overdue') && t.days > 0 ? t.days : null,
  }));
}

/** Rows in region order (the order of `municipalities`); codes the quarter does not hold are skipped. */
export function statusRows(
  status: QuarterStatus,
  municipalities: { code: string; name: string }[],
  labels: Record<SubmissionState, string>,
): StatusRow[] {
  const byCode = new Map(status.municipalities.map((m) => [m.code, m]));
  const ordered = municipalities.filter((m) => byCode.has(m.code));
  // Municipalities the registry no longer lists still belong to the quarter: after the others.
  const known = new Set(ordered.map((m) => m.code));
  const rest = status.municipalities
    .filter((m) => !known.has(m.code))
    .map((m) => ({ code: m.code, name: m.code }));
  return [...ordered, ...rest].map(({ code, name }) => {
    const s = byCode.get(code)!;
    return {
      code,
      name,
      state: labels[s.state] ?? s.state,
      reminders: s.reminders,
      versions: s.versions,
      answeredAt: s.lastAnswerAt,
      deadline: s.deadline,
      timeliness: '',
      lateDays: null,
    };
  });
}

const MOSCOW_OFFSET_MS = 3 * 3600_000;

/** «05.07.2023 14:03», Moscow time (UTC+3 all year since 2014). */
export function moscowStamp(iso: string | null): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = new Date(t + MOSCOW_OFFSET_MS).toISOString();
  return `${d.slice(8, 10)}.${d.slice(5, 7)}.${d.slice(0, 4)} ${d.slice(11, 16)}`;
}

/** «2023-07-10» → «10.07.2023». */
export function russianDay(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : iso;
}

export function statusCsv(rows: StatusRow[]): string {
  return toCsv([
    [...STATUS_HEADERS],
    ...rows.map((r) => [
      r.code,
      r.name,
      r.state,
      r.reminders,
      r.versions,
      moscowStamp(r.answeredAt),
      russianDay(r.deadline),
      r.timeliness,
      r.lateDays,
    ]),
  ]);
}

/** A date whose UTC fields are the Moscow wall time: Excel dates have no time zone. */
function excelDate(iso: string | null, withTime: boolean): Date | null {
  if (!iso) return null;
  const t = Date.parse(withTime ? iso : `${iso}T00:00:00Z`);
  if (Number.isNaN(t)) return null;
  return new Date(withTime ? t + MOSCOW_OFFSET_MS : t);
}

export async function statusXlsx(quarter: string, rows: StatusRow[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Svodka';
  workbook.title = `Состояние сбора сведений, ${quarter}`;
  const sheet = workbook.addWorksheet('Состояние сбора', {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2' }],
  });
  sheet.columns = [
    { width: 16 },
    { width: 40 },
    { width: 18 },
    { width: 13 },
    { width: 9 },
    { width: 20, style: { numFmt: 'dd.mm.yyyy hh:mm' } },
    { width: 12, style: { numFmt: 'dd.mm.yyyy' } },
    { width: 26 },
    { width: 12 },
  ];
  const header = sheet.addRow([...STATUS_HEADERS]);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', wrapText: true };
  // Typed cells (strings stay strings, never formulas); numbers and dates sort and filter in Excel.
  for (const r of rows)
    sheet.addRow([
      xlsxText(r.code),
      xlsxText(r.name),
      r.state,
      r.reminders,
      r.versions,
      excelDate(r.answeredAt, true),
      excelDate(r.deadline, false),
      r.timeliness,
      r.lateDays,
    ]);
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: STATUS_HEADERS.length } };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export function statusFileName(quarter: string, ext: 'csv' | 'xlsx'): string {
  return `svodka-${quarter}-состояние.${ext}`;
}
