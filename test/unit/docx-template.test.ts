import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseSubmissionDocx } from '../../infrastructure/docx/parse';
import { readReportDocx } from '../../infrastructure/docx/read';
import { buildTemplate, templateHeading, templateInstructions } from '../../infrastructure/docx/template';
import { createTemplateFactory } from '../../infrastructure/docx/template-cache';
import { REPORT_COLUMNS } from '../../domain/quarter';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import type { EventRow, Quarter } from '../../domain/types';
import { docxParts, sampleRow } from '../fixtures/docx-builders';

const vyazma = SMOLENSK_MUNICIPALITIES.find((m) => m.code === 'vyazma')!;
const Q2: Quarter = { year: 2023, quarter: 2 };

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Fills the template the way a clerk does: the empty row copied once per event, texts typed in. */
function fillTemplate(template: Uint8Array, rows: string[][]): Uint8Array {
  const files = unzipSync(template);
  const xml = new TextDecoder().decode(files['word/document.xml']);
  const start = xml.indexOf('<w:tr>', xml.indexOf('<w:tr>') + 1);
  const end = xml.indexOf('</w:tr>', start) + '</w:tr>'.length;
  const emptyRow = xml.slice(start, end);
  const filled = rows
    .map((cells) => {
      let i = 0;
      return emptyRow.replace(/<w:t xml:space="preserve"><\/w:t>/g, () => {
        const text = cells[i++] ?? '';
        return `<w:t xml:space="preserve">${escape(text).split('\n').join('</w:t><w:br/><w:t xml:space="preserve">')}</w:t>`;
      });
    })
    .join('');
  files['word/document.xml'] = strToU8(xml.slice(0, start) + filled + xml.slice(end));
  return zipSync(files);
}

const cellsOf = (row: EventRow, n: number): string[] => [
  `${n}.`,
  row.title,
  row.place,
  row.dates,
  row.purpose,
  row.participants,
];

describe('buildTemplate', () => {
  it('parses back: the header matches and there are no rows', async () => {
    const template = await buildTemplate({ municipality: vyazma, quarter: Q2 });
    const result = parseSubmissionDocx(template);
    expect(result).toMatchObject({ ok: true, rows: [], nil: false, numberColumn: true });
  });

  it('names the municipality and the quarter, has the official headers word for word and the instruction', async () => {
    const template = await buildTemplate({ municipality: vyazma, quarter: Q2 });
    const read = readReportDocx(template);
    expect(read.title).toBe(
      'Сведения о мероприятиях в международной сфере, проведенных органами местного самоуправления — ' +
        'Муниципальное образование «Вяземский район» Смоленской области — во II квартале 2023 года',
    );
    expect(read.title).toBe(templateHeading({ municipality: vyazma, quarter: Q2 }));
    expect(read.headers).toEqual([...REPORT_COLUMNS]);
    expect(read.sections).toEqual([{ title: '', rows: [{ number: '', cells: ['', '', '', '', ''] }] }]);
    expect(read.trailing).toEqual(templateInstructions({ municipality: vyazma, quarter: Q2 }));
    const instruction = read.trailing.join('\n');
    expect(instruction).toContain('«3 апреля 2023 года»');
    expect(instruction).toContain('«3–5 апреля 2023 года»');
    expect(instruction).toMatch(/Не объединяйте строки/);
    expect(instruction).toMatch(/не меняйте.*заголовки столбцов/);
    expect(instruction).toContain('«Мероприятия не проводились» в первой ячейке пустой строки');
  });

  it('is A4 landscape in Times New Roman, header lines as separate paragraphs, the header row repeated', async () => {
    const parts = docxParts(await buildTemplate({ municipality: vyazma, quarter: Q2 }));
    const xml = parts['word/document.xml']!;
    expect(xml).toMatch(/<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"\/>/);
    expect(parts['word/styles.xml']).toContain('w:ascii="Times New Roman"');
    expect(xml).toContain('<w:tblHeader/>');
    expect(xml).toContain('<w:t xml:space="preserve">Место проведения</w:t></w:r></w:p><w:p>');
    expect(parts['docProps/custom.xml']).toContain('vyazma');
  });

  it('filled in, its rows parse', async () => {
    const template = await buildTemplate({ municipality: vyazma, quarter: Q2 });
    const rows = [
      sampleRow(),
      sampleRow({ title: 'Круглый стол\n«Россия – Беларусь»', dates: '3–5 апреля 2023 года' }),
    ];
    const result = parseSubmissionDocx(fillTemplate(template, rows.map(cellsOf)));
    expect(result).toMatchObject({ ok: true, rows, nil: false, numberColumn: true, warnings: [] });
  });

  it('«Мероприятия не проводились» in the first cell of its empty row is a nil report', async () => {
    const template = await buildTemplate({ municipality: vyazma, quarter: Q2 });
    const result = parseSubmissionDocx(fillTemplate(template, [['Мероприятия не проводились']]));
    expect(result).toMatchObject({ ok: true, rows: [], nil: true });
  });

  it('uses «в» for other quarters', async () => {
    const q3: Quarter = { year: 2024, quarter: 3 };
    const read = readReportDocx(
      await buildTemplate({ municipality: SMOLENSK_MUNICIPALITIES[0]!, quarter: q3 }),
    );
    expect(read.title).toMatch(/— Город Смоленск — в III квартале 2024 года$/);
    expect(read.trailing.join(' ')).toContain('«3 апреля 2024 года»');
  });
});

describe('createTemplateFactory', () => {
  it('gives each municipality the same package buildTemplate would, name and code put in', async () => {
    const template = createTemplateFactory();
    const odd = { ...vyazma, code: 'odd&co', sectionTitle: 'Поселение «Тест» & <Ко> \'А\' "Б"' };
    for (const municipality of [vyazma, SMOLENSK_MUNICIPALITIES[0]!, odd]) {
      const fast = docxParts(await template({ municipality, quarter: Q2 }));
      const direct = docxParts(await buildTemplate({ municipality, quarter: Q2 }));
      expect(Object.keys(fast).sort()).toEqual(Object.keys(direct).sort());
      for (const name of Object.keys(direct)) {
        // docx stamps the creation time into core.xml; the rest is byte for byte the same.
        const strip = (xml: string) => xml.replace(/<dcterms:(created|modified)[^>]*>[^<]*<\/dcterms:\1>/g, '');
        expect(strip(fast[name]!), name).toBe(strip(direct[name]!));
      }
      const read = readReportDocx(await template({ municipality, quarter: Q2 }));
      expect(read.title).toBe(templateHeading({ municipality, quarter: Q2 }));
      expect(parseSubmissionDocx(await template({ municipality, quarter: Q2 }))).toMatchObject({ ok: true, rows: [] });
    }
  });

  it('keeps quarters apart', async () => {
    const template = createTemplateFactory();
    const q3: Quarter = { year: 2024, quarter: 3 };
    await template({ municipality: vyazma, quarter: Q2 });
    const read = readReportDocx(await template({ municipality: vyazma, quarter: q3 }));
    expect(read.title).toMatch(/в III квартале 2024 года$/);
  });
});
