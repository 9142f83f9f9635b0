import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { readReportDocx } from '../../infrastructure/docx/read';
import {
  formatSignOffDate,
  NIL_REPORTS_HEADING,
  NOT_SUBMITTED_HEADING,
  renderReport,
} from '../../infrastructure/docx/render';
import { REPORT_COLUMNS, reportTitle } from '../../domain/quarter';
import { docxParts, sampleReportModel, sampleRow } from '../fixtures/docx-builders';
import { SMOLENSK_REGION } from '../../domain/registry/smolensk';

const model = sampleReportModel;

/** Every XML part must be well formed for an independent parser. */
function assertWellFormed(bytes: Uint8Array): void {
  for (const [name, text] of Object.entries(docxParts(bytes))) {
    if (!/\.(xml|rels)$/.test(name)) continue;
    const parser = new SaxesParser({ xmlns: true });
    let error: Error | null = null;
    parser.on('error', (e) => {
      error ??= e;
    });
    parser.write(text).close();
    expect(error, name).toBeNull();
  }
}

describe('renderReport', () => {
  it('writes the title, the six headers word for word, section rows and numbered events', async () => {
    const bytes = await renderReport(model());
    assertWellFormed(bytes);
    const read = readReportDocx(bytes);
    expect(read.title).toBe(reportTitle({ year: 2023, quarter: 2 }, SMOLENSK_REGION.genitive));
    expect(read.headers).toEqual([...REPORT_COLUMNS]);
    expect(read.sections.map((s) => s.title)).toEqual([
      'Город Смоленск',
      'Муниципальное образование «Вяземский район» Смоленской области',
    ]);
    expect(read.sections.flatMap((s) => s.rows.map((r) => r.number))).toEqual(['1.', '2.', '3.']);
    expect(read.sections[0]!.rows[1]!.cells).toEqual([
      'Панорама опыта\nс международным участием',
      'г. Минск,\nРеспублика Беларусь',
      '21 мая 2023 года',
      sampleRow().purpose,
      sampleRow().participants,
    ]);
    expect(read.trailing).toEqual([]);
  });

  it('lays the page out as the official report: A4 landscape, Times New Roman, repeated header, page numbers', async () => {
    const parts = docxParts(await renderReport(model()));
    const xml = parts['word/document.xml']!;
    expect(xml).toMatch(/<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"\/>/);
    expect(parts['word/styles.xml']).toContain('w:ascii="Times New Roman"');
    expect(parts['word/styles.xml']).toMatch(/w:styleId="SvodkaTable".*<w:sz w:val="22"\/>/);
    // The header row repeats on every page; section rows span the table, bold and centred.
    expect(xml).toMatch(/<w:tr><w:trPr><w:cantSplit\/><w:tblHeader\/><\/w:trPr>/);
    expect(xml).toContain(
      '<w:gridSpan w:val="6"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="SvodkaTable"/><w:keepNext/><w:jc w:val="center"/></w:pPr>' +
        '<w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space="preserve">Город Смоленск</w:t>',
    );
    // The title: centred, bold.
    expect(xml).toMatch(
      /<w:jc w:val="center"\/><\/w:pPr><w:r><w:rPr><w:b\/><w:bCs\/><\/w:rPr><w:t xml:space="preserve">Отчет о мероприятиях/,
    );
    const headers = Object.entries(parts).filter(([name]) => /^word\/header\d+\.xml$/.test(name));
    expect(headers.some(([, text]) => /PAGE/.test(text))).toBe(true);
    expect(parts['[Content_Types].xml']).toContain('wordprocessingml.document.main+xml');
  });

  it('adds the closing lists and the sign-off block', async () => {
    const bytes = await renderReport(
      model({
        nilReports: ['Велижский район', 'Глинковский район'],
        notSubmitted: ['Угранский район'],
        signOff: {
          signer: 'А. В. Петров',
          position: 'Начальник управления\nпо внешним связям',
          date: '2023-07-10',
        },
      }),
    );
    assertWellFormed(bytes);
    expect(readReportDocx(bytes).trailing).toEqual([
      NIL_REPORTS_HEADING,
      'Велижский район',
      'Глинковский район',
      NOT_SUBMITTED_HEADING,
      'Угранский район',
      'Начальник управления',
      'по внешним связям А. В. Петров',
      '10.07.2023',
    ]);
    const xml = docxParts(bytes)['word/document.xml']!;
    expect(xml).toMatch(/<w:tab w:val="right" w:pos="14854"\/>/);
  });

  it('signs without a position as «Подписано: …»', async () => {
    const bytes = await renderReport(
      model({ signOff: { signer: 'А. В. Петров', position: null, date: '2023-07-10T09:30:00Z' } }),
    );
    expect(readReportDocx(bytes).trailing).toEqual(['Подписано: А. В. Петров', '10.07.2023']);
    expect(formatSignOffDate('10 июля 2023 года')).toBe('10 июля 2023 года');
  });

  it('escapes XML and drops characters XML 1.0 cannot hold', async () => {
    const nasty = sampleRow({
      title: 'Форум <«Россия & Беларусь»> "2023"',
      place: 'г. Смоленск\u0001\u000b\ufffe',
      purpose: 'Цель \ud800 и \ud83d\ude00',
      participants: ']]> &amp; <w:t>',
    });
    const bytes = await renderReport(
      model({ sections: [{ municipality: 'x', title: 'Раздел <&>', events: [{ number: 1, row: nasty }] }] }),
    );
    assertWellFormed(bytes);
    const read = readReportDocx(bytes);
    expect(read.sections[0]!.title).toBe('Раздел <&>');
    expect(read.sections[0]!.rows[0]!.cells).toEqual([
      'Форум <«Россия & Беларусь»> "2023"',
      'г. Смоленск',
      nasty.dates,
      'Цель  и \ud83d\ude00',
      ']]> &amp; <w:t>',
    ]);
  });

  it('renders the same model to the same bytes, dated by the sign-off or the quarter end', async () => {
    const signed = model({ signOff: { signer: 'А. В. Петров', position: null, date: '2023-07-10' } });
    const first = await renderReport(signed);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(Buffer.compare(first, await renderReport(signed))).toBe(0);
    expect(docxParts(first)['docProps/core.xml']).toContain('>2023-07-10T00:00:00Z</dcterms:created>');
    expect(docxParts(await renderReport(model()))['docProps/core.xml']).toContain(
      '>2023-06-30T00:00:00Z</dcterms:modified>',
    );
  });

  it('writes an empty table when there are no events', async () => {
    const read = readReportDocx(
      await renderReport(model({ sections: [], eventCount: 0, nilReports: ['Велижский район'] })),
    );
    expect(read.headers).toEqual([...REPORT_COLUMNS]);
    expect(read.sections).toEqual([]);
    expect(read.trailing).toEqual([NIL_REPORTS_HEADING, 'Велижский район']);
  });

  it('renders 10,000 events in a few seconds at most and reads them back', async () => {
    const events = Array.from({ length: 10_000 }, (_, i) => ({
      number: i + 1,
      row: sampleRow({
        title: `Мероприятие № ${i + 1}`,
        purpose: 'Укрепление связей в области культуры.\n'.repeat(3).trim(),
      }),
    }));
    const sections = Array.from({ length: 10 }, (_, s) => ({
      municipality: `m${s}`,
      title: `Муниципальное образование № ${s + 1}`,
      events: events.slice(s * 1000, (s + 1) * 1000),
    }));
    const started = performance.now();
    const bytes = await renderReport(model({ sections, eventCount: events.length }));
    const ms = performance.now() - started;
    const read = readReportDocx(bytes);
    expect(read.sections).toHaveLength(10);
    const numbers = read.sections.flatMap((s) => s.rows.map((r) => r.number));
    expect(numbers).toHaveLength(10_000);
    expect(numbers[9_999]).toBe('10000.');
    expect(read.sections[9]!.rows[999]!.cells[0]).toBe('Мероприятие № 10000');
    expect(ms).toBeLessThan(10_000);
  });
});
