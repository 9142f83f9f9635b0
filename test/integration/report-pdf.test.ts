// The rendered report as a person sees it: LibreOffice (headless) opens the consolidated DOCX and
// prints it to PDF; the PDF's text holds the title, every section and the last event's number.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../activities/docx/render';
import { parseDateRange } from '../../domain/dates';
import { buildReport } from '../../domain/merge';
import { parseQuarter } from '../../domain/quarter';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import type { SubmittedEvent } from '../../domain/types';
import { loadReference, normalizeText } from '../fixtures/reference';

const dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-pdf-'));

describe('the consolidated report in LibreOffice', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('converts to a PDF that reads as the official report', { timeout: 180_000 }, async () => {
    const quarter = parseQuarter('2023-Q2');
    const reference = loadReference();
    const events: SubmittedEvent[] = reference.sections.flatMap((s) =>
      s.rows.map((r, index) => {
        const parsed = parseDateRange(r.row.dates, quarter);
        return { municipality: s.code, index, row: r.row, range: parsed.ok ? parsed.range : null };
      }),
    );
    const model = buildReport({
      quarter,
      municipalities: SMOLENSK_MUNICIPALITIES,
      events,
      signOff: { signer: 'И. И. Иванов', position: 'Начальник департамента', date: '2023-07-14' },
    });
    const docx = path.join(dir, 'svodka-2023-Q2.docx');
    writeFileSync(docx, await renderReport(model));

    execFileSync(
      'soffice',
      [
        '--headless',
        `-env:UserInstallation=file://${dir}/profile`,
        '--convert-to',
        'pdf',
        '--outdir',
        dir,
        docx,
      ],
      {
        timeout: 150_000,
        stdio: 'ignore',
      },
    );
    const pdf = path.join(dir, 'svodka-2023-Q2.pdf');
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const text = normalizeText(execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }));
    expect(text).toContain('Отчет о мероприятиях в международной сфере');
    expect(text).toContain('в II квартале 2023 года');
    for (const section of reference.sections)
      expect(text).toContain(normalizeText(section.title).slice(0, 40));
    expect(text).toMatch(/\b65\./);
    expect(text).toContain('И. И. Иванов');
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))?.[1]);
    expect(pages).toBeGreaterThan(5);
  });
});
