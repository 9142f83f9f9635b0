import { strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseSubmissionDocx } from '../../infrastructure/docx/parse';
import type { ParseResult } from '../../infrastructure/docx/parse';
import { REPORT_COLUMNS } from '../../domain/quarter';
import type { EventRow } from '../../domain/types';
import {
  docmFile,
  doctypeFile,
  emptyTableFile,
  encryptedDocxFile,
  headerRowSpec,
  legacyDocFile,
  libreOfficeSubmission,
  libreOfficeSubmissionXml,
  loDocumentXml,
  loParagraph,
  loRun,
  loTable,
  malformedXmlFile,
  notDocxZip,
  pdfFile,
  pngFile,
  rawZip,
  sampleRow,
  tableDocx,
  textFile,
  truncatedZipFile,
  W_NS,
  wordSubmission,
  wrongColumnsFile,
  zipBombFile,
  zipDocx,
} from '../fixtures/docx-builders';
import type { RowSpec } from '../fixtures/docx-builders';

type Accepted = Extract<ParseResult, { ok: true }>;
type Rejected = Extract<ParseResult, { ok: false }>;

function accepted(result: ParseResult): Accepted {
  if (!result.ok) throw new Error(`rejected: ${result.code}: ${result.message}`);
  return result;
}

function rejected(result: ParseResult): Rejected {
  if (result.ok) throw new Error(`accepted with ${result.rows.length} rows`);
  return result;
}

const ROWS: EventRow[] = [
  sampleRow(),
  sampleRow({
    title: 'Панорама опыта\nс международным участием «Гражданско-патриотическое воспитание»',
    place: 'г. Минск,\nРеспублика Беларусь',
    dates: '3–5 апреля 2023 года',
    participants: 'Обучающиеся МБОУ «СШ № 3» & ГОУ «СШ № 3» г. Орши <Республика Беларусь>',
  }),
  sampleRow({ title: 'Турнир по волейболу', dates: 'Апрель – май 2023 года', place: 'пос. Хиславичи' }),
];

/** A plain data row of six cells (number + five texts). */
function dataRow(row: EventRow, n: number): RowSpec {
  return { cells: [`${n}.`, row.title, row.place, row.dates, row.purpose, row.participants] };
}

/** A document whose single table has the header and the given rows with raw cell XML. */
function rawCells(...cells: string[]): RowSpec {
  return { cells: cells.map((xml) => ({ xml })) };
}

const p = (inner: string): string => loParagraph(inner);
const r = (text: string): string => loRun(text);

describe('parseSubmissionDocx: accepted files', () => {
  it('reads a Word-style file with the № column and text around the table', async () => {
    const bytes = await wordSubmission({
      rows: ROWS,
      before: ['Сведения о мероприятиях', 'Вяземский район'],
      after: ['Глава муниципального образования', 'И. И. Иванов'],
    });
    const result = accepted(parseSubmissionDocx(bytes));
    expect(result.rows).toEqual(ROWS);
    expect(result.numberColumn).toBe(true);
    expect(result.nil).toBe(false);
    expect(result.warnings).toEqual([]);
  });

  it('reads a Word-style file without the № column, with soft line breaks', async () => {
    const bytes = await wordSubmission({ rows: ROWS, numberColumn: false, lineBreaks: 'breaks' });
    const result = accepted(parseSubmissionDocx(bytes));
    expect(result.rows).toEqual(ROWS);
    expect(result.numberColumn).toBe(false);
  });

  it('reads a LibreOffice-style file with sdt, smartTag and hyperlink wrappers', () => {
    const result = accepted(
      parseSubmissionDocx(libreOfficeSubmission({ rows: ROWS, wrappers: true, before: ['Шапка'] })),
    );
    expect(result.rows).toEqual(ROWS);
    expect(result.numberColumn).toBe(true);
  });

  it('recognises WordprocessingML by namespace, whatever the prefix', () => {
    const result = accepted(
      parseSubmissionDocx(libreOfficeSubmission({ rows: ROWS, prefix: 'ns7', numberColumn: false })),
    );
    expect(result.rows).toEqual(ROWS);
  });

  it('reads the strict OOXML namespace and a UTF-8 BOM', () => {
    const xml = libreOfficeSubmissionXml({ rows: ROWS }).replaceAll(
      W_NS,
      'http://purl.oclc.org/ooxml/wordprocessingml/main',
    );
    const result = accepted(parseSubmissionDocx(zipDocx(`\ufeff${xml}`)));
    expect(result.rows).toEqual(ROWS);
  });

  it('finds the main part through _rels/.rels', () => {
    const files = unzipSync(libreOfficeSubmission({ rows: ROWS }));
    files['word/main.xml'] = files['word/document.xml']!;
    delete files['word/document.xml'];
    files['_rels/.rels'] = strToU8(
      '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/main.xml"/>' +
        '</Relationships>',
    );
    expect(accepted(parseSubmissionDocx(zipSync(files))).rows).toEqual(ROWS);
  });

  it('ignores the header repeated on the next page, a row of column numbers and empty rows', async () => {
    const many = Array.from({ length: 7 }, (_, i) => sampleRow({ title: `Мероприятие ${i + 1}` }));
    const bytes = await wordSubmission({
      rows: many,
      repeatHeaderAfter: 3,
      columnNumbersRow: true,
      trailingEmptyRows: 3,
    });
    const result = accepted(parseSubmissionDocx(bytes));
    expect(result.rows.map((row) => row.title)).toEqual(many.map((row) => row.title));
    expect(result.warnings).toEqual([]);
  });

  it('ignores a title row merged across the table above the header', () => {
    const bytes = tableDocx(
      [
        { cells: [{ text: 'Сведения о мероприятиях Велижского района', span: 6 }] },
        headerRowSpec(),
        dataRow(ROWS[0]!, 1),
      ],
      6,
    );
    expect(accepted(parseSubmissionDocx(bytes)).rows).toEqual([ROWS[0]]);
  });

  it('copies a vertically merged cell down to each row it spans, with a warning', () => {
    const row = (n: number, dates: { text?: string; vMerge: 'restart' | 'continue' }): RowSpec => ({
      cells: [`${n}.`, `Мероприятие ${n}`, 'г. Смоленск', dates, 'Цель', 'Участники из Республики Беларусь'],
    });
    const bytes = tableDocx(
      [
        headerRowSpec(),
        row(1, { text: '3 апреля\n2023 года', vMerge: 'restart' }),
        row(2, { vMerge: 'continue' }),
        row(3, { vMerge: 'continue' }),
        dataRow(ROWS[0]!, 4),
      ],
      6,
    );
    const result = accepted(parseSubmissionDocx(bytes));
    expect(result.rows.map((x) => x.dates)).toEqual([
      '3 апреля\n2023 года',
      '3 апреля\n2023 года',
      '3 апреля\n2023 года',
      ROWS[0]!.dates,
    ]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /^Строки 1–3: ячейки столбца «Сроки проведения мероприятия» объединены/,
    );
  });

  it('maps horizontally merged cells by grid column (gridSpan, gridBefore)', () => {
    // A 7-column grid: «Наименование» spans two grid columns in the header; a data row splits it.
    const header: RowSpec = {
      cells: [REPORT_COLUMNS[0], { text: REPORT_COLUMNS[1], span: 2 }, ...REPORT_COLUMNS.slice(2)],
    };
    const split: RowSpec = {
      cells: ['1.', 'Участие', 'в форуме', 'г. Гомель', '5 мая 2023 года', 'Цель', 'Делегации'],
    };
    const spanned: RowSpec = {
      cells: ['2.', { text: 'Встреча', span: 2 }, 'г. Орша', '6 мая 2023 года', 'Цель', 'Гости'],
    };
    const shifted: RowSpec = {
      gridBefore: 1,
      cells: [{ text: 'Семинар', span: 2 }, 'г. Витебск', '7 мая 2023 года', 'Цель', 'Учителя'],
    };
    const result = accepted(parseSubmissionDocx(tableDocx([header, split, spanned, shifted], 7)));
    expect(result.rows.map((x) => [x.title, x.place, x.participants])).toEqual([
      ['Участие\nв форуме', 'г. Гомель', 'Делегации'],
      ['Встреча', 'г. Орша', 'Гости'],
      ['Семинар', 'г. Витебск', 'Учителя'],
    ]);
  });

  it('keeps paragraphs and soft breaks as "\\n", tabs as spaces, and normalises each cell', () => {
    const bytes = tableDocx(
      [
        headerRowSpec(),
        rawCells(
          p(r('1.')),
          p(r('Первая строка')) + p(r('вторая')) + p(''),
          p('<w:r><w:t>г.</w:t><w:tab/><w:t>Смоленск</w:t></w:r>'),
          p('<w:r><w:t xml:space="preserve">  3 апреля  </w:t><w:br/><w:t>2023 года</w:t></w:r>'),
          p('<w:r><w:t>&lt;Цель&gt; &amp; &#x41;&#1041;</w:t></w:r>'),
          p('<w:r><w:t><![CDATA[Участники <из> Беларуси]]></w:t></w:r>'),
        ),
      ],
      6,
    );
    const [row] = accepted(parseSubmissionDocx(bytes)).rows;
    expect(row).toEqual({
      title: 'Первая строка\nвторая',
      place: 'г. Смоленск',
      dates: '3 апреля\n2023 года',
      purpose: '<Цель> & AБ',
      participants: 'Участники <из> Беларуси',
    });
  });

  it('keeps tracked insertions, drops tracked deletions, and says so', () => {
    const bytes = tableDocx(
      [
        headerRowSpec(),
        rawCells(
          p(r('1.')),
          p(
            `${r('Форум ')}<w:del w:id="1" w:author="A"><w:r><w:delText>старый </w:delText></w:r></w:del><w:ins w:id="2" w:author="A">${r('молодежи')}</w:ins>`,
          ),
          p(
            `<w:moveFrom w:id="3">${r('г. Минск')}</w:moveFrom><w:moveTo w:id="4">${r('г. Гомель')}</w:moveTo>`,
          ),
          p(r('5 мая 2023 года')),
          p(r('Цель')),
          p(r('Делегации Республики Беларусь')),
        ),
        // A row deleted with tracked changes disappears.
        {
          trPrXml: '<w:del w:id="9" w:author="A"/>',
          cells: [{ xml: p(`<w:del w:id="8">${r('2.')}</w:del>`) }, 'Удалённое', 'x', 'y', 'z', 'w'],
        },
      ],
      6,
    );
    const result = accepted(parseSubmissionDocx(bytes));
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]!.title).toBe('Форум молодежи');
    expect(result.rows[0]!.place).toBe('г. Гомель');
    expect(result.warnings.join(' ')).toMatch(/непринятые исправления/);
  });

  it('reads field results but not field instructions; ignores drawings, text boxes and hidden text', () => {
    const bytes = tableDocx(
      [
        headerRowSpec(),
        rawCells(
          p(r('1.')),
          p(`<w:fldSimple w:instr=" MERGEFIELD Name ">${r('Фестиваль')}</w:fldSimple>`),
          p(
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> HYPERLINK "http://x" </w:instrText></w:r>' +
              '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' +
              r('г. Смоленск') +
              '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
          ),
          p(
            r('6 мая 2023 года') +
              '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:inline><w:txbxContent>' +
              p(r('надпись')) +
              '</w:txbxContent></wp:inline></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>' +
              p(r('надпись')) +
              '</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>',
          ),
          p(`${r('Цель')}<w:r><w:rPr><w:vanish/></w:rPr><w:t> скрытый текст</w:t></w:r>`),
          p(r('Гости из Республики Беларусь')),
        ),
      ],
      6,
    );
    const result = accepted(parseSubmissionDocx(bytes));
    expect(result.warnings).toEqual(['В документе есть скрытый текст (формат «скрытый»); он не учтён.']);
    expect(result.rows[0]).toEqual({
      title: 'Фестиваль',
      place: 'г. Смоленск',
      dates: '6 мая 2023 года',
      purpose: 'Цель',
      participants: 'Гости из Республики Беларусь',
    });
  });

  it('treats a content control still showing its placeholder as empty', () => {
    const placeholder =
      '<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>' +
      p(r('Место для ввода текста.')) +
      '</w:sdtContent></w:sdt>';
    const bytes = tableDocx(
      [
        headerRowSpec(),
        rawCells(
          p(r('1.')),
          p(r('Встреча')),
          p(r('г. Смоленск')),
          p(r('4 мая 2023 года')),
          placeholder,
          p(r('Гости')),
        ),
      ],
      6,
    );
    expect(accepted(parseSubmissionDocx(bytes)).rows[0]!.purpose).toBe('');
  });

  it('reads a table wrapped in a block-level content control', () => {
    const table = loTable([headerRowSpec(), dataRow(ROWS[0]!, 1)], 6);
    const xml = loDocumentXml(
      `<w:sdt><w:sdtPr><w:id w:val="7"/></w:sdtPr><w:sdtContent>${table}</w:sdtContent></w:sdt>`,
    );
    expect(accepted(parseSubmissionDocx(zipDocx(xml))).rows).toEqual([ROWS[0]]);
  });

  it('ignores a table nested in a cell, with a warning', () => {
    const nested = loTable([{ cells: ['вложенная', 'таблица'] }], 2);
    const bytes = tableDocx(
      [
        headerRowSpec(),
        rawCells(
          p(r('1.')),
          p(r('Встреча')) + nested + p(''),
          p(r('г. Смоленск')),
          p(r('4 мая 2023 года')),
          p(r('Цель')),
          p(r('Гости')),
        ),
      ],
      6,
    );
    const result = accepted(parseSubmissionDocx(bytes));
    expect(result.rows[0]!.title).toBe('Встреча');
    expect(result.warnings.join(' ')).toMatch(/Строка 1: таблица, вложенная в ячейку, не учтена/);
  });

  it('skips a row one merged cell wide (a municipality name) with a warning', () => {
    const bytes = tableDocx(
      [headerRowSpec(), { cells: [{ text: 'Вяземский район', span: 6 }] }, dataRow(ROWS[0]!, 1)],
      6,
    );
    const result = accepted(parseSubmissionDocx(bytes));
    expect(result.rows).toEqual([ROWS[0]]);
    expect(result.warnings[0]).toMatch(/«Вяземский район» занимает всю ширину таблицы/);
  });

  it('reads the first of several matching tables, with a warning', () => {
    const t1 = loTable([headerRowSpec(), dataRow(ROWS[0]!, 1)], 6);
    const t2 = loTable([headerRowSpec(), dataRow(ROWS[1]!, 1)], 6);
    const result = accepted(parseSubmissionDocx(zipDocx(loDocumentXml(t1 + p(r('Ещё')) + t2))));
    expect(result.rows).toEqual([ROWS[0]]);
    expect(result.warnings.join(' ')).toMatch(/несколько таблиц/);
  });

  it('skips tables that are not the event table', () => {
    const other = loTable([{ cells: ['Согласовано', 'Утверждаю'] }], 2);
    const table = loTable([headerRowSpec(false), { cells: Object.values(ROWS[0]!) }], 5);
    expect(accepted(parseSubmissionDocx(zipDocx(loDocumentXml(other + table)))).rows).toEqual([ROWS[0]]);
  });

  it('returns zero rows and a warning for an empty table', async () => {
    const result = accepted(parseSubmissionDocx(await emptyTableFile()));
    expect(result.rows).toEqual([]);
    expect(result.nil).toBe(false);
    expect(result.warnings[0]).toMatch(/нет ни одного мероприятия/);
  });
});

describe('parseSubmissionDocx: nil reports', () => {
  const nilIn = (cells: RowSpec['cells']): Accepted =>
    accepted(
      parseSubmissionDocx(tableDocx([headerRowSpec(), { cells }, { cells: ['', '', '', '', '', ''] }], 6)),
    );

  it.each([
    'Мероприятия не проводились',
    'мероприятия не проводились.',
    'Мероприятий не проводилось',
    'Международные мероприятия во II квартале 2023 года не проводились',
    'МЕРОПРИЯТИЯ В МЕЖДУНАРОДНОЙ СФЕРЕ НЕ ПРОВОДИЛИСЬ!',
    'Не проводились',
    'Мероприятий нет',
  ])('«%s» in the first cell is a nil report', (phrase) => {
    const result = nilIn([phrase, '', '', '', '', '']);
    expect(result.nil).toBe(true);
    expect(result.rows).toEqual([]);
  });

  it('accepts the phrase in another cell, in a merged row, or with dashes in the other cells', () => {
    expect(nilIn(['', 'Мероприятия не проводились', '', '', '', '']).nil).toBe(true);
    expect(nilIn([{ text: 'Мероприятия не проводились', span: 6 }]).nil).toBe(true);
    expect(nilIn(['1.', 'Мероприятия не проводились', '–', '–', '-', '—']).nil).toBe(true);
  });

  it('does not take an event for a nil report', () => {
    const result = nilIn([
      '1.',
      'Встреча, которая ранее не проводилась',
      'г. Смоленск',
      '3 мая 2023 года',
      'Цель',
      'Гости',
    ]);
    expect(result.nil).toBe(false);
    expect(result.rows).toHaveLength(1);
  });

  it('drops the phrase with a warning when there are events too', () => {
    const bytes = tableDocx(
      [headerRowSpec(), { cells: ['Мероприятия не проводились', '', '', '', '', ''] }, dataRow(ROWS[0]!, 1)],
      6,
    );
    const result = accepted(parseSubmissionDocx(bytes));
    expect(result.nil).toBe(false);
    expect(result.rows).toEqual([ROWS[0]]);
    expect(result.warnings.join(' ')).toMatch(/мероприятия не проводились» пропущена/);
  });
});

describe('parseSubmissionDocx: rejections', () => {
  const reject = (bytes: Uint8Array, limits?: Parameters<typeof parseSubmissionDocx>[1]): Rejected =>
    rejected(parseSubmissionDocx(bytes, limits));

  it('an empty file', () => {
    const result = reject(new Uint8Array(0));
    expect(result.code).toBe('empty');
    expect(result.message).toMatch(/Файл пустой/);
  });

  it('a PDF, an image, a plain text file: not-zip, saying what it looks like', () => {
    expect(reject(pdfFile())).toMatchObject({
      code: 'not-zip',
      message: expect.stringMatching(/^Это файл PDF/),
    });
    expect(reject(pngFile())).toMatchObject({
      code: 'not-zip',
      message: expect.stringMatching(/изображение \(PNG\)/),
    });
    expect(reject(textFile())).toMatchObject({
      code: 'not-zip',
      message: expect.stringMatching(/простой текстовый файл/),
    });
    expect(reject(strToU8('{\\rtf1\\ansi Текст}'))).toMatchObject({
      code: 'not-zip',
      message: expect.stringMatching(/RTF/),
    });
    expect(reject(strToU8('<!DOCTYPE html><html><body>x</body></html>'))).toMatchObject({
      code: 'not-zip',
      message: expect.stringMatching(/HTML/),
    });
  });

  it('a legacy .doc', () => {
    expect(reject(legacyDocFile())).toEqual({
      ok: false,
      code: 'legacy-doc',
      message:
        'Файл в старом формате Word (.doc). Сохраните его как «Документ Word (.docx)» и отправьте снова.',
    });
  });

  it('a password-protected document', () => {
    const result = reject(encryptedDocxFile());
    expect(result.code).toBe('encrypted');
    expect(result.message).toMatch(/защищён паролем/);
  });

  it('a macro-enabled .docm, by content type or by vbaProject.bin', () => {
    expect(reject(docmFile()).code).toBe('macro');
    expect(reject(docmFile({ vbaOnly: true })).code).toBe('macro');
    expect(reject(docmFile()).message).toMatch(/макросы/);
  });

  it('a ZIP without word/document.xml, an ODT, an XLSX', () => {
    expect(reject(notDocxZip()).code).toBe('not-docx');
    expect(reject(zipSync({ 'Отчет/svodka.docx': new Uint8Array([1, 2, 3]) }))).toMatchObject({
      code: 'not-docx',
      message: expect.stringMatching(/^Это ZIP-архив с файлом «svodka\.docx» внутри/),
    });
    const odt = zipSync({
      mimetype: strToU8('application/vnd.oasis.opendocument.text'),
      'content.xml': strToU8('<x/>'),
    });
    expect(reject(odt)).toMatchObject({
      code: 'not-docx',
      message: expect.stringMatching(/OpenDocument \(\.odt\)/),
    });
    const xlsx = zipSync({
      '[Content_Types].xml': strToU8('<Types/>'),
      'xl/workbook.xml': strToU8('<workbook/>'),
    });
    expect(reject(xlsx)).toMatchObject({ code: 'not-docx', message: expect.stringMatching(/Excel/) });
  });

  it('no matching table: says which headers were expected and what the table had', () => {
    const result = reject(wrongColumnsFile());
    expect(result.code).toBe('no-table');
    for (const header of [
      'Наименование мероприятия',
      'Место проведения мероприятия',
      'Сроки проведения мероприятия',
      'Участники мероприятия',
    ]) {
      expect(result.message).toContain(`«${header}»`);
    }
    expect(result.message).toContain(
      'Первая строка таблицы в документе: «Дата», «Событие», «Место», «Ответственный»',
    );
  });

  it('no table at all', () => {
    const result = reject(zipDocx(loDocumentXml(p(r('Мероприятия: встреча 3 апреля в г. Смоленске.')))));
    expect(result.code).toBe('no-table');
    expect(result.message).toMatch(/^В документе нет таблицы мероприятий/);
  });

  it('too large', async () => {
    const result = reject(await wordSubmission({ rows: ROWS }), { maxBytes: 1000 });
    expect(result.code).toBe('too-large');
    expect(result.message).toMatch(/Файл слишком большой: \d+,?\d* КБ при допустимых 1000 байт/);
  });

  it('too many rows', () => {
    const rows = Array.from({ length: 6 }, (_, i) => sampleRow({ title: `Мероприятие ${i}` }));
    const result = reject(libreOfficeSubmission({ rows }), { maxRows: 5 });
    expect(result.code).toBe('too-many-rows');
    expect(result.message).toMatch(/В таблице 6 строк с мероприятиями — больше допустимых 5/);
  });

  it('a zip bomb: declared sizes over the limit', () => {
    const result = reject(zipBombFile({ megabytes: 60 }));
    expect(result.code).toBe('zip-bomb');
    expect(result.message).toMatch(/больше допустимых 50 МБ/);
  });

  it('a zip bomb whose headers lie about the size: inflation is capped', () => {
    const started = performance.now();
    expect(reject(zipBombFile({ megabytes: 60, declaredSize: 1000 })).code).toBe('zip-bomb');
    expect(
      reject(zipBombFile({ megabytes: 3, declaredSize: 1000 }), { maxUncompressed: 1024 * 1024 }).code,
    ).toBe('zip-bomb');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a zip bomb spread over many parts', () => {
    const part = new Uint8Array(2 * 1024 * 1024);
    const entries = Array.from({ length: 30 }, (_, i) => ({ name: `word/media/image${i}.png`, data: part }));
    expect(reject(rawZip(entries)).code).toBe('zip-bomb');
  });

  it('XML with a DOCTYPE or an ENTITY', () => {
    expect(reject(doctypeFile('doctype')).code).toBe('doctype');
    expect(reject(doctypeFile('entity')).code).toBe('doctype');
    const types = zipDocx(libreOfficeSubmissionXml({ rows: ROWS }), {
      '[Content_Types].xml': '<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY x "y">]><Types/>',
    });
    expect(reject(types).code).toBe('doctype');
  });

  it('a truncated or damaged archive', async () => {
    const good = await wordSubmission({ rows: ROWS });
    expect(reject(truncatedZipFile(good)).code).toBe('corrupt');
    expect(reject(good.slice(0, 200)).code).toBe('corrupt');
    // Damage the compressed document.xml: inflation or the CRC check fails.
    const damaged = libreOfficeSubmission({ rows: ROWS });
    const at = findBytes(damaged, strToU8('word/document.xml')) + 40;
    for (let i = at; i < at + 64; i++) damaged[i] = damaged[i]! ^ 0x5a;
    expect(reject(damaged).code).toBe('corrupt');
  });

  it('malformed XML and invalid UTF-8', () => {
    expect(reject(malformedXmlFile())).toMatchObject({
      code: 'corrupt',
      message: expect.stringMatching(/ошибка в разметке XML/),
    });
    const cut = libreOfficeSubmissionXml({ rows: ROWS });
    expect(reject(zipDocx(cut.slice(0, cut.length - 40))).code).toBe('corrupt');
    expect(reject(zipDocx(cut.replace('г. Смоленск', 'г. &nbsp; Смоленск'))).code).toBe('corrupt');
    expect(reject(zipDocx(cut.replace('<w:tbl>', '<w:tbl attr=unquoted>'))).code).toBe('corrupt');
    const bytes = strToU8(cut);
    const broken = new Uint8Array([...bytes.slice(0, 1000), 0xff, 0xfe, ...bytes.slice(1000)]);
    expect(reject(zipSync({ ...unzipSync(zipDocx(cut)), 'word/document.xml': broken })).code).toBe('corrupt');
  });

  it('never throws, whatever the bytes', async () => {
    const good = await wordSubmission({ rows: ROWS });
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let k = 0; k < 300; k++) {
      const bytes = good.slice(0, k % 3 === 0 ? random(good.length) : good.length);
      for (let flips = 0; flips < 1 + random(8); flips++) {
        if (bytes.length > 0) bytes[random(bytes.length)] = random(256);
      }
      const result = parseSubmissionDocx(bytes);
      expect(typeof result.ok).toBe('boolean');
      if (!result.ok) expect(result.message.length).toBeGreaterThan(10);
    }
  });
});

describe('parseSubmissionDocx: speed', () => {
  it('parses a 1,000-row table quickly', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) =>
      sampleRow({
        title: `Мероприятие № ${i + 1}`,
        purpose: 'Укрепление связей в области культуры. '.repeat(8).trim(),
      }),
    );
    const word = await wordSubmission({ rows });
    const libre = libreOfficeSubmission({ rows, wrappers: true });
    parseSubmissionDocx(word); // warm up
    const started = performance.now();
    const fromWord = accepted(parseSubmissionDocx(word));
    const wordMs = performance.now() - started;
    const fromLibre = accepted(parseSubmissionDocx(libre));
    expect(fromWord.rows).toEqual(rows);
    expect(fromLibre.rows).toEqual(rows);
    // The target is well under 100 ms; the bound is loose for busy CI machines.
    expect(wordMs).toBeLessThan(1000);
  });
});

function findBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}
