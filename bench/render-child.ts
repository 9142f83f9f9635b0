// One render in a fresh process, for a clean peak RSS:
//   node bin/run.js bench/render-child.ts svodka|docxtemplater EVENTS [REPEATS]
// Builds the consolidated report's rows (the reference's 65 events; more: the same 65 repeated in
// sections of 65 under synthetic municipalities), then times Svodka's renderReport(model) or
// docxtemplater filling an equivalent template (title + table: a section row and an event row in
// nested row loops) with the same rows. Only the render is timed; the rows are built before.
import Docxtemplater from 'docxtemplater';
import PizZip from 'pizzip';
import {
  AlignmentType,
  Document,
  Packer,
  PageOrientation,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { renderReport } from '../infrastructure/docx/render';
import { COLUMN_WIDTHS, MARGINS, TEXT_WIDTH } from '../infrastructure/docx/layout';
import { REPORT_COLUMNS, reportTitle } from '../domain/quarter';
import { readSeed } from '../infrastructure/registry/seed';
import type { ReportModel, ReportSection } from '../domain/types';
import { loadReference } from '../test/fixtures/reference';
import { childMain } from './lib';

export type RenderMeasure = {
  engine: string;
  events: number;
  /** Each timed render, ms (the first is the process's first). */
  runsMs: number[];
  bytes: number;
  /** RSS before the first render (rows built, modules loaded) and the process's peak, MB. */
  baseRssMb: number;
  peakRssMb: number;
};

export function buildModel(events: number): ReportModel {
  const reference = loadReference();
  const quarter = { year: 2023, quarter: 2 as const };
  let sections: ReportSection[];
  if (events === 65) {
    sections = reference.sections.map((s) => ({ municipality: s.code, title: s.title, events: s.rows }));
  } else {
    const rows = reference.sections.flatMap((s) => s.rows.map((r) => r.row));
    // Every cell its own string, as rows read from the database are (the texts repeat the reference's).
    const copy = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
    sections = [];
    for (let n = 0; n < events; ) {
      const i = sections.length + 1;
      const take = Math.min(rows.length, events - n);
      sections.push({
        municipality: `m${String(i).padStart(5, '0')}`,
        title: `Муниципальное образование № ${i}`,
        events: rows.slice(0, take).map((row, k) => ({
          number: n + k + 1,
          row: {
            title: copy(row.title),
            place: copy(row.place),
            dates: copy(row.dates),
            purpose: copy(row.purpose),
            participants: copy(row.participants),
          },
        })),
      });
      n += take;
    }
  }
  return {
    quarter: '2023-Q2',
    title: reportTitle(quarter, readSeed().genitive),
    sections,
    eventCount: events,
    nilReports: [],
    notSubmitted: [],
    signOff: null,
  };
}

const cell = (text: string, width: number, span?: number) =>
  new TableCell({
    width: { size: width, type: WidthType.DXA },
    columnSpan: span,
    children: [new Paragraph({ children: [new TextRun(text)] })],
  });

/** The docxtemplater template: the same page, title and table columns as Svodka's report. */
export async function docxtemplaterTemplate(): Promise<Buffer> {
  const w = COLUMN_WIDTHS;
  const doc = new Document({
    sections: [
      {
        properties: { page: { size: { orientation: PageOrientation.LANDSCAPE }, margin: MARGINS } },
        children: [
          new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: '{title}', bold: true })] }),
          new Table({
            width: { size: TEXT_WIDTH, type: WidthType.DXA },
            columnWidths: [...w],
            rows: [
              new TableRow({ tableHeader: true, children: REPORT_COLUMNS.map((t, i) => cell(t, w[i]!)) }),
              new TableRow({ children: [cell('{#sections}{title}', TEXT_WIDTH, 6)] }),
              new TableRow({
                children: [
                  cell('{#events}{number}.', w[0]!),
                  cell('{title}', w[1]!),
                  cell('{place}', w[2]!),
                  cell('{dates}', w[3]!),
                  cell('{purpose}', w[4]!),
                  cell('{participants}{/events}{/sections}', w[5]!),
                ],
              }),
            ],
          }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

function fillWithDocxtemplater(template: Buffer, model: ReportModel): Buffer {
  const zip = new PizZip(template);
  const doc = new Docxtemplater(zip, { paragraphLoop: true, linebreaks: true });
  doc.render({
    title: model.title,
    sections: model.sections.map((s) => ({
      title: s.title,
      events: s.events.map((e) => ({ number: e.number, ...e.row })),
    })),
  });
  return doc.getZip().generate({ type: 'nodebuffer', compression: 'DEFLATE' }) as Buffer;
}

if (process.argv[1]?.endsWith('render-child.ts')) {
  await childMain(async (): Promise<RenderMeasure> => {
    const engine = process.argv[2];
    const events = Number(process.argv[3]);
    const repeats = Number(process.argv[4] ?? 1);
    const model = buildModel(events);
    const template = engine === 'docxtemplater' ? await docxtemplaterTemplate() : null;
    const baseRss = process.memoryUsage().rss;
    const runsMs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      const out = template ? fillWithDocxtemplater(template, model) : await renderReport(model);
      runsMs.push(performance.now() - t);
      bytes = out.length;
    }
    return {
      engine: engine === 'docxtemplater' ? 'docxtemplater' : 'svodka',
      events,
      runsMs,
      bytes,
      baseRssMb: Math.round(baseRss / 1024 / 1024),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  });
}
