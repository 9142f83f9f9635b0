// Types shared by workflows, activities and clients. Pure data: no Node, no I/O.

/** A quarter as written everywhere in Svodka: "2023-Q2". */
export type QuarterId = string;

export type Quarter = { year: number; quarter: 1 | 2 | 3 | 4 };

/** The five text columns of a submission, in the order of the official table (after «№ п/п»). */
export type ColumnKey = 'title' | 'place' | 'dates' | 'purpose' | 'participants';

export const COLUMN_KEYS: readonly ColumnKey[] = ['title', 'place', 'dates', 'purpose', 'participants'];

/** One event as the municipality wrote it. Cell texts keep their line breaks as "\n". */
export type EventRow = Record<ColumnKey, string>;

export type DatePrecision = 'day' | 'month';

/** A parsed «Сроки проведения мероприятия»: ISO dates (YYYY-MM-DD); for month precision start is the 1st, end the last day. */
export type DateRange = { start: string; end: string; precision: DatePrecision };

export type Severity = 'error' | 'warning' | 'info';

/** A validation finding. row is 1-based within the submission (null: the whole submission). */
export type Finding = {
  severity: Severity;
  code: string;
  row: number | null;
  column: ColumnKey | null;
  message: string;
};

/** A municipal formation of the region's registry. */
export type Municipality = {
  code: string;
  /** Short name for lists and emails: «Вяземский район», «город Десногорск». */
  name: string;
  /** The section header of the consolidated report, as the reference prints it. */
  sectionTitle: string;
  /** Region order, 1-based. */
  position: number;
  email: string;
  headEmail: string | null;
};

/** An accepted event ready to merge: the row plus where it came from. */
export type SubmittedEvent = {
  municipality: string;
  /** 0-based order of the row within its submission (ties keep it). */
  index: number;
  row: EventRow;
  range: DateRange | null;
};

export type ReportSection = {
  municipality: string;
  title: string;
  events: { number: number; row: EventRow }[];
};

/** What the consolidated report holds, before it is rendered. */
export type ReportModel = {
  quarter: QuarterId;
  /** «Отчет о мероприятиях … в II квартале 2023 года» */
  title: string;
  sections: ReportSection[];
  eventCount: number;
  /** Optional closing lists. */
  nilReports: string[];
  notSubmitted: string[];
  signOff: { signer: string; position: string | null; date: string } | null;
};
