// A large report is rendered in a process of its own (infrastructure/docx/render-process.ts): the
// coordinator must get the same document either way, and a render that fails there must fail the
// activity with the reason, not hang it.
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../infrastructure/docx/render';
import {
  renderChildPeakRssMb,
  renderInChild,
  renderProcessThreshold,
  renderReportBounded,
} from '../../infrastructure/docx/render-process';
import type { ReportModel } from '../../domain/types';
import { sampleReportModel } from '../fixtures/docx-builders';

function model(): ReportModel {
  return sampleReportModel({
    nilReports: ['Муниципальное образование «Велижский район» Смоленской области'],
    signOff: { signer: 'И. И. Иванов', position: 'Начальник департамента', date: '2023-07-10' },
  });
}

describe('rendering a report in a process of its own', () => {
  it('renders a report under the threshold in place, starting no process', async () => {
    const bytes = await renderReportBounded(model(), 4);
    expect(bytes.equals(await renderReport(model()))).toBe(true);
    expect(renderChildPeakRssMb()).toBe(0);
  });

  it('gives the same document, byte for byte, as rendering in place', async () => {
    const m = model();
    const inPlace = await renderReport(m);
    const inChild = await renderInChild(m);
    expect(inChild.length).toBeGreaterThan(1000);
    expect(inChild.equals(inPlace)).toBe(true);
  }, 60_000);

  it('sends a report at or over the threshold to the child, and that render still answers', async () => {
    const bytes = await renderReportBounded(model(), 2);
    expect(bytes.equals(await renderReport(model()))).toBe(true);
    // The child says how much memory it took: the figure the bench prints beside the worker's.
    expect(renderChildPeakRssMb()).toBeGreaterThan(20);
  }, 60_000);

  it('fails with the reason when the render fails in the child', async () => {
    const broken = { ...model(), sections: null } as unknown as ReportModel;
    await expect(renderInChild(broken)).rejects.toThrow(
      /Не удалось сформировать отчет \(3 мероприятия\): .+/,
    );
  }, 60_000);

  it('reads its threshold from SVODKA_RENDER_PROCESS_EVENTS and refuses a wrong one', () => {
    expect(renderProcessThreshold({})).toBe(2_000);
    expect(renderProcessThreshold({ SVODKA_RENDER_PROCESS_EVENTS: '0' })).toBe(0);
    expect(() => renderProcessThreshold({ SVODKA_RENDER_PROCESS_EVENTS: 'много' })).toThrow(
      /SVODKA_RENDER_PROCESS_EVENTS/,
    );
  });
});
