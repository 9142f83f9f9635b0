// Issue 16: a fuzz run of the parser over random mutations of real submissions (Word's layout and
// LibreOffice's), bounded in count and time. Whatever the bytes, the parser answers with rows or a
// Russian refusal: only DocxRejection ever leaves the package and table layers (nothing that
// parse.ts's catch-all would have to hide as «повреждён»), and no parse runs past its budget.
import fc from 'fast-check';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, parseSubmissionDocx } from '../../infrastructure/docx/parse';
import { openDocxPackage } from '../../infrastructure/docx/package';
import { DocxRejection } from '../../infrastructure/docx/rejection';
import { readSubmissionTable } from '../../infrastructure/docx/submission-table';
import { libreOfficeSubmission, sampleRow, wordSubmission } from '../fixtures/docx-builders';

/** One parse may take this long here (the pool's budget is 10 s; this bound is far tighter). */
const BUDGET_MS = 2_000;
const RUNS = 150;
const TIME_LIMIT_MS = 20_000;

const ROWS = [
  sampleRow(),
  sampleRow({
    title: 'Визит делегации',
    place: 'г. Минск,\nРеспублика Беларусь',
    dates: '3–5 апреля 2023 года',
  }),
];

/** Fragments that XML and WordprocessingML parsers trip on. */
const FRAGMENTS = [
  '<w:tbl>',
  '</w:tbl>',
  '<w:tr>',
  '</w:tr>',
  '<w:tc>',
  '</w:tc>',
  '<w:p>',
  '</w:p>',
  '<w:t>',
  '</w:t>',
  '<w:tcPr><w:gridSpan w:val="999999"/><w:vMerge/></w:tcPr>',
  '<w:trPr><w:gridBefore w:val="-5"/><w:tblHeader/></w:trPr>',
  '<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>',
  '<w:del>',
  '<w:ins>',
  '<w:rPr><w:vanish/></w:rPr>',
  '<!DOCTYPE x [<!ENTITY a "aaaa">]>',
  '&a;',
  '&amp;',
  '&#0;',
  '&#x10FFFF;',
  '&#xD800;',
  '<![CDATA[',
  ']]>',
  '<!--',
  '-->',
  '<?pi x?>',
  'xmlns:w="urn:other"',
  ' xmlns="http://schemas.openxmlformats.org/wordprocessingml/2006/main"',
  '<mc:AlternateContent><mc:Choice>',
  '<',
  '>',
  '"',
  "'",
  '/>',
  '\u0000',
  '\ufeff',
  'Мероприятия не проводились',
  '<x>'.repeat(300),
  '<w:p/>'.repeat(50),
];

type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number; to: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 12 })),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 400 }),
    to: fc.nat(),
  }),
);

function mutateText(text: string, mutations: Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    if (m.kind === 'insert') out = out.slice(0, at) + m.text + out.slice(at);
    else if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.length);
    else {
      const piece = out.slice(at, at + m.length);
      const to = m.to % (out.length + 1);
      out = out.slice(0, to) + piece + out.slice(to);
    }
  }
  return out;
}

const byteMutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
);

type ByteMutation = { kind: string; at: number; value?: number; length?: number };

function mutateBytes(bytes: Uint8Array, mutations: ByteMutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'set' && out.length > 0) out[at] = m.value ?? 0;
    else if (m.kind === 'truncate') out = out.slice(0, at);
    else if (m.kind === 'splice')
      out = new Uint8Array([...out.subarray(0, at), ...out.subarray(at + (m.length ?? 1))]);
  }
  return out;
}

const CODES = new Set([
  'empty',
  'too-large',
  'not-zip',
  'legacy-doc',
  'encrypted',
  'macro',
  'not-docx',
  'zip-bomb',
  'doctype',
  'corrupt',
  'no-table',
  'too-many-rows',
  'too-complex',
  'duplicate-entry',
]);

/** Parses through the layers, so an unexpected error is seen rather than caught by parse.ts. */
function check(bytes: Uint8Array): void {
  const started = performance.now();
  try {
    const document = openDocxPackage(bytes, {
      maxBytes: DEFAULT_PARSE_LIMITS.maxBytes,
      maxUncompressed: DEFAULT_PARSE_LIMITS.maxUncompressed,
    });
    const table = readSubmissionTable(document, DEFAULT_PARSE_LIMITS.maxRows);
    expect(Array.isArray(table.rows)).toBe(true);
  } catch (error) {
    if (!(error instanceof DocxRejection)) throw error;
    expect(CODES.has(error.code)).toBe(true);
    expect(error.message).toMatch(/[А-Яа-яЁё]{4}/);
  }
  expect(performance.now() - started).toBeLessThan(BUDGET_MS);
  // And the public entry agrees: rows, or a refusal in Russian.
  const result = parseSubmissionDocx(bytes);
  if (!result.ok) expect(result.message).toMatch(/[А-Яа-яЁё]{4}/);
}

describe('parser fuzz', () => {
  const seeds: { name: string; bytes: Uint8Array }[] = [];
  beforeAll(async () => {
    seeds.push({ name: 'word', bytes: await wordSubmission({ rows: ROWS }) });
    seeds.push({ name: 'libreoffice', bytes: libreOfficeSubmission({ rows: ROWS, wrappers: true }) });
  });

  it('mutated document.xml inside a valid archive', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), (pick, mutations) => {
        const seed = seeds[pick % seeds.length]!;
        const parts = unzipSync(seed.bytes);
        const xml = new TextDecoder().decode(parts['word/document.xml']!);
        parts['word/document.xml'] = strToU8(mutateText(xml, mutations));
        check(zipSync(parts));
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
  });

  it('mutated archive bytes', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(byteMutation, { minLength: 1, maxLength: 8 }), (pick, mutations) => {
        check(mutateBytes(seeds[pick % seeds.length]!.bytes, mutations));
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
  });
});
