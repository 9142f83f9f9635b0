// Finding 10 of issue 16: what Word shows and what Svodka reads must not differ. An archive that
// holds the same part twice (under names equal up to case, slashes or Unicode normal form), or whose
// local header names another file than its central directory, is refused in Russian.
import { strToU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseSubmissionDocx } from '../../infrastructure/docx/parse';
import type { ParseResult } from '../../infrastructure/docx/parse';
import { libreOfficeSubmission, rawZip, sampleRow } from '../fixtures/docx-builders';
import type { RawEntry } from '../fixtures/docx-builders';

const shown = libreOfficeSubmission({ rows: [sampleRow({ title: 'То, что видно в Word' })] });
const hidden = libreOfficeSubmission({ rows: [sampleRow({ title: 'То, что прочла бы Сводка' })] });

function partsOf(bytes: Uint8Array): RawEntry[] {
  return Object.entries(unzipSync(bytes)).map(([name, data]) => ({ name, data }));
}

const DOCUMENT = 'word/document.xml';
const hiddenDocument = unzipSync(hidden)[DOCUMENT]!;

function refused(result: ParseResult): string {
  if (result.ok) throw new Error(`accepted: ${result.rows.map((r) => r.title).join(', ')}`);
  expect(result.code).toBe('duplicate-entry');
  expect(result.message).toContain('Архив документа устроен неоднозначно');
  return result.message;
}

describe('ZIP ambiguity', () => {
  it('reads the honest archive', () => {
    expect(parseSubmissionDocx(rawZip(partsOf(shown)))).toMatchObject({ ok: true });
  });

  it('refuses two entries of the same name', () => {
    const message = refused(
      parseSubmissionDocx(rawZip([...partsOf(shown), { name: DOCUMENT, data: hiddenDocument }])),
    );
    expect(message).toContain('«word/document.xml»');
  });

  it('refuses names that differ only in case, slashes or a leading slash', () => {
    for (const name of ['Word/Document.XML', '/word/document.xml', 'word\\document.xml']) {
      refused(parseSubmissionDocx(rawZip([...partsOf(shown), { name, data: hiddenDocument }])));
    }
  });

  it('refuses names that differ only in Unicode normal form', () => {
    const composed = 'word/m\u00e9dia.xml';
    const decomposed = 'word/me\u0301dia.xml';
    const bytes = rawZip([
      ...partsOf(shown),
      { name: composed, data: strToU8('<a/>') },
      { name: decomposed, data: strToU8('<b/>') },
    ]);
    refused(parseSubmissionDocx(bytes));
  });

  it('refuses a local header that names another file than the central directory', () => {
    const bytes = rawZip(partsOf(shown));
    // The first local header naming word/document.xml now says word/documenT.xml.
    const name = strToU8(DOCUMENT);
    let at = -1;
    for (let i = 0; i + 30 + name.length <= bytes.length && at < 0; i++) {
      if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 3 && bytes[i + 3] === 4) {
        if (name.every((b, k) => bytes[i + 30 + k] === b)) at = i;
      }
    }
    expect(at).toBeGreaterThanOrEqual(0);
    bytes[at + 30 + name.length - 5] = 'T'.charCodeAt(0);
    refused(parseSubmissionDocx(bytes));
  });
});
