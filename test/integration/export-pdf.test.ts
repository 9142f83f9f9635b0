// The signed report as PDF through convertDocxToPdf, as a person sees it: LibreOffice prints the
// exact final DOCX; the PDF's text holds the title, every section, a known row, the last event's
// number and the signer. One conversion (~20 s).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDocxToPdf, MISSING_SOFFICE, PdfUnavailableError } from '../../infrastructure/export/report-pdf';
import { renderReport } from '../../infrastructure/docx/render';
import { parseDateRange } from '../../domain/dates';
import { buildReport } from '../../domain/merge';
import { parseQuarter } from '../../domain/quarter';
import { SMOLENSK_MUNICIPALITIES, SMOLENSK_REGION } from '../../domain/registry/smolensk';
import type { SubmittedEvent } from '../../domain/types';
import { loadReference, normalizeText } from '../fixtures/reference';

const dir = mkdtempSync(path.join(os.tmpdir(), 'svodka-export-pdf-'));

describe('the signed report as PDF', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is a real PDF of the final DOCX: title, a known row, the signer', { timeout: 180_000 }, async () => {
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
      regionGenitive: SMOLENSK_REGION.genitive,
      events,
      signOff: { signer: 'И. И. Иванов', position: 'Начальник департамента', date: '2023-07-14' },
    });
    const pdf = await convertDocxToPdf(await renderReport(model), { timeoutMs: 150_000 });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const file = path.join(dir, 'report.pdf');
    writeFileSync(file, pdf);
    const text = normalizeText(execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }));
    expect(text).toContain('Отчет о мероприятиях в международной сфере');
    expect(text).toContain('в II квартале 2023 года');
    expect(text).toContain('Дружба без границ');
    expect(text).toContain('Город Смоленск');
    expect(text).toContain('И. И. Иванов');
    expect(text).toContain('65.');
    for (const section of reference.sections)
      expect(text).toContain(normalizeText(section.title).slice(0, 40));
    expect(text).toMatch(/\b65\./);
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
    expect(pages).toBeGreaterThan(5);
  });

  it('names the Debian package when soffice is missing', async () => {
    const attempt = convertDocxToPdf(Buffer.from('PK'), { soffice: path.join(dir, 'no-such-soffice') });
    await expect(attempt).rejects.toBeInstanceOf(PdfUnavailableError);
    await expect(attempt).rejects.toThrow(MISSING_SOFFICE);
    expect(MISSING_SOFFICE).toContain('libreoffice-writer-nogui');
  });
});
