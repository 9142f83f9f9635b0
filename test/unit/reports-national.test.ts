// A tree-run region's report is compiled from the database: for a national quarter that means
// thousands of accepted submissions at once, more than one query may name (SQLite's bound-parameter
// limit stopped the first 1,000-municipality run at its draft).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbBlobStore } from '../../infrastructure/blobs';
import { readReportDocx } from '../../infrastructure/docx/read';
import { compileReport, reportBytes } from '../../activities/reports';
import { renderChildPeakRssMb, renderRequestedReport } from '../../infrastructure/docx/render-process';
import type { RenderRequest } from '../../workflows/api';
import { generateRegistry } from '../../domain/registry/synthetic';
import { createTestDb } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';

const Q = '2023-Q2';
const COUNT = 1_200;
let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
  await t.db.municipality.deleteMany();
  const registry = generateRegistry(COUNT);
  await t.db.municipality.createMany({ data: registry });
  // Every municipality but the last sends one event; the last sends a nil report.
  await t.db.submission.createMany({
    data: registry.map((m, i) => ({
      id: `s-${m.code}`,
      quarter: Q,
      municipality: m.code,
      version: 1,
      kind: i === COUNT - 1 ? 'nil' : 'file',
      channel: 'web',
      status: 'accepted',
      findings: '[]',
      rowCount: i === COUNT - 1 ? 0 : 1,
    })),
  });
  await t.db.submissionRow.createMany({
    data: registry.slice(0, -1).map((m, i) => ({
      submissionId: `s-${m.code}`,
      position: 1,
      title: `Встреча ${i + 1}`,
      place: 'г. Смоленск',
      dates: '12 апреля 2023 года',
      purpose: 'Развитие сотрудничества',
      participants: 'Делегация Республики Беларусь',
      startDate: '2023-04-12',
      endDate: '2023-04-12',
      precision: 'day',
    })),
  });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('a national draft from the database', () => {
  it(`holds the events of all ${COUNT} municipalities`, async () => {
    const files = createDbBlobStore(t.db);
    const result = await compileReport(t.db, files, {
      quarter: Q,
      kind: 'draft',
      entries: [],
      fromDatabase: { excused: [], notSubmitted: [] },
    });
    expect(result.eventCount).toBe(COUNT - 1);
    const read = readReportDocx(await reportBytes(t.db, files, result.reportId));
    const titles = read.sections.flatMap((s) => s.rows.map((r) => r.cells[0]));
    expect(new Set(titles).size).toBe(COUNT - 1);
    expect(titles).toContain(`Встреча ${COUNT - 1}`);
  }, 120_000);
});

describe('a large report read and rendered in a process of its own', () => {
  const request: RenderRequest = {
    quarter: Q,
    kind: 'draft',
    entries: [],
    fromDatabase: { excused: [], notSubmitted: [] },
  };

  it('gives the same document, byte for byte, as reading and rendering it in the worker', async () => {
    const inPlace = await renderRequestedReport(t.db, request, Number.MAX_SAFE_INTEGER);
    expect(renderChildPeakRssMb()).toBe(0);
    const inChild = await renderRequestedReport(t.db, request, COUNT - 1);
    // The child opened the database itself and said how much memory it took.
    expect(renderChildPeakRssMb()).toBeGreaterThan(20);
    expect(inChild.eventCount).toBe(COUNT - 1);
    expect(inChild.bytes.equals(inPlace.bytes)).toBe(true);
  }, 120_000);

  it('fails with the reason when the child cannot read the report', async () => {
    // A quarter whose registry was never taken and whose region is unknown: the child's read fails.
    const broken: RenderRequest = { ...request, quarter: '2023-Q5' };
    await expect(renderRequestedReport(t.db, broken, 0)).rejects.toThrow(
      /Не удалось сформировать отчет за 2023-Q5: .+/,
    );
  }, 60_000);
});
