// Merging accepted submissions into the consolidated report: order inside a section, sections in
// region order, continuous numbering.

import { formatQuarter, reportTitle } from './quarter';
import type { Municipality, Quarter, ReportModel, ReportSection, SubmittedEvent } from './types';

// Plain code-unit comparison: ISO dates need no locale, and workflow code must not depend on one.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The reference's order inside a section (DESIGN.md «Order inside a section»):
 *  1. by start month (year and month of range.start);
 *  2. within one start month, events with exact days first, by start day, then by end date —
 *     «20 марта» before «20 марта – 28 апреля», «31 марта» before «31 марта – 2 апреля»;
 *  3. then that month's month-only events by end month — «Апрель» before «Апрель – май», and both
 *     after «29 апреля – 4 мая»: a month-only event sorts by its start month, not its end, so
 *     «Февраль – апрель» opens the city of Smolensk's section;
 *  4. ties keep the submission's order (index) — the reference's three «21 мая» events;
 *  5. events whose dates could not be read come last, in submission order.
 * All eight sections of the 2023-Q2 reference follow exactly this rule.
 */
export function compareEvents(a: SubmittedEvent, b: SubmittedEvent): number {
  const ra = a.range;
  const rb = b.range;
  if (ra === null || rb === null) {
    if (ra !== rb) return ra === null ? 1 : -1;
    return a.index - b.index;
  }
  const byStartMonth = compareText(ra.start.slice(0, 7), rb.start.slice(0, 7));
  if (byStartMonth !== 0) return byStartMonth;
  if (ra.precision !== rb.precision) return ra.precision === 'day' ? -1 : 1;
  if (ra.precision === 'day') {
    const byStart = compareText(ra.start, rb.start);
    if (byStart !== 0) return byStart;
    const byEnd = compareText(ra.end, rb.end);
    if (byEnd !== 0) return byEnd;
  } else {
    const byEndMonth = compareText(ra.end.slice(0, 7), rb.end.slice(0, 7));
    if (byEndMonth !== 0) return byEndMonth;
  }
  return a.index - b.index;
}

/** A section's events in report order. Does not modify its argument; stable. */
export function sortSection(events: SubmittedEvent[]): SubmittedEvent[] {
  return [...events].sort(compareEvents);
}

export type BuildReportInput = {
  quarter: Quarter;
  municipalities: Municipality[];
  events: SubmittedEvent[];
  /** Codes of municipalities that reported «мероприятия не проводились». */
  nilReports?: string[];
  /** Codes of municipalities that did not report. */
  notSubmitted?: string[];
  signOff?: ReportModel['signOff'];
  /** The region in the title: «Тверской области» (Region.genitive, as the quarter's snapshot holds it). */
  regionGenitive: string;
};

export class UnknownMunicipalityError extends Error {
  constructor(readonly code: string) {
    super(`Муниципального образования с кодом «${code}» нет в реестре.`);
    this.name = 'UnknownMunicipalityError';
  }
}

/**
 * The consolidated report: one section per municipality that has events, in region order
 * (Municipality.position), events numbered 1..N across the whole report. A code that is not in the
 * registry is an error rather than a silently dropped row.
 */
export function buildReport(input: BuildReportInput): ReportModel {
  const ordered = [...input.municipalities].sort((a, b) => a.position - b.position);
  const byCode = new Map(ordered.map((m) => [m.code, m]));

  const eventsByCode = new Map<string, SubmittedEvent[]>();
  for (const e of input.events) {
    if (!byCode.has(e.municipality)) throw new UnknownMunicipalityError(e.municipality);
    const list = eventsByCode.get(e.municipality);
    if (list) list.push(e);
    else eventsByCode.set(e.municipality, [e]);
  }

  const sections: ReportSection[] = [];
  let number = 0;
  for (const m of ordered) {
    const events = eventsByCode.get(m.code);
    if (!events) continue;
    sections.push({
      municipality: m.code,
      title: m.sectionTitle,
      events: sortSection(events).map((e) => ({ number: ++number, row: e.row })),
    });
  }

  const namesInRegionOrder = (codes: string[] | undefined): string[] => {
    const wanted = new Set(codes ?? []);
    for (const code of wanted) if (!byCode.has(code)) throw new UnknownMunicipalityError(code);
    return ordered.filter((m) => wanted.has(m.code)).map((m) => m.name);
  };

  return {
    quarter: formatQuarter(input.quarter),
    title: reportTitle(input.quarter, input.regionGenitive),
    sections,
    eventCount: number,
    nilReports: namesInRegionOrder(input.nilReports),
    notSubmitted: namesInRegionOrder(input.notSubmitted),
    signOff: input.signOff ?? null,
  };
}
