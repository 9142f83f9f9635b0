// Finding 1 of issue 16: a hostile submission cannot burn the worker's CPU. Parsing is linear in the
// input whatever the element names, bounded in elements, depth, names, attributes and text, and runs
// in a pool of worker threads with a time budget while the main thread stays free.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createParsePool, parseSubmissionOffThread } from '../../infrastructure/docx/parse-pool';
import { parseSubmissionDocx } from '../../infrastructure/docx/parse';
import type { ParseResult } from '../../infrastructure/docx/parse';
import { scanDocumentXml } from '../../infrastructure/docx/xml-scan';
import { XmlScanError } from '../../infrastructure/docx/xml-text';
import type { Db } from '../../infrastructure/db/client';
import type { BlobStore } from '../../infrastructure/blobs';
import { reportBytes } from '../../activities/reports';
import { recordSubmission } from '../../activities/submissions';
import { sampleRow, wordSubmission } from '../fixtures/docx-builders';
import {
  collidingNames,
  collidingNamesFile,
  deepNestingFile,
  elementFloodFile,
  hash31,
} from '../fixtures/hostile-docx';

const CYRILLIC = /[а-яё]{4}/i;

function timed(parse: () => ParseResult): { result: ParseResult; ms: number } {
  const started = performance.now();
  const result = parse();
  return { result, ms: performance.now() - started };
}

function refusal(result: ParseResult): { code: string; message: string } {
  if (result.ok) throw new Error(`accepted with ${result.rows.length} rows`);
  return result;
}

describe('the parser against hostile element names', () => {
  const file = collidingNamesFile(8192, 3);

  it('is a 57 KB submission of 8,192 names that all share one 31-multiplier hash', () => {
    const names = collidingNames(8192);
    expect(new Set(names).size).toBe(8192);
    expect(new Set(names.map(hash31)).size).toBe(1);
    expect(file.length).toBeGreaterThan(50 * 1024);
    expect(file.length).toBeLessThan(64 * 1024);
  });

  it('refuses it in well under a second, in Russian (the chained hash took ~3 s)', () => {
    const { result, ms } = timed(() => parseSubmissionDocx(file));
    expect(ms).toBeLessThan(500);
    const { code, message } = refusal(result);
    expect(code).toBe('too-complex');
    expect(message).toContain('разных видов элементов разметки');
  });

  it('reads it in linear time even with the bound on names lifted', () => {
    const { result, ms } = timed(() => parseSubmissionDocx(file, { xml: { maxNames: 1_000_000 } }));
    // Some 40 ms on a quiet machine; the bound is loose for a busy one (the chain took 4–6 s).
    expect(ms).toBeLessThan(1000);
    expect(result).toMatchObject({ ok: true, rows: [sampleRow()] });
  });
});

describe('the parser bounds its work', () => {
  it('refuses deep nesting', () => {
    const { result, ms } = timed(() => parseSubmissionDocx(deepNestingFile(100_000)));
    expect(ms).toBeLessThan(500);
    expect(refusal(result)).toMatchObject({ code: 'too-complex' });
    expect(refusal(result).message).toContain('вложены друг в друга глубже 256 уровней');
  });

  it('refuses a flood of elements', () => {
    const { result } = timed(() => parseSubmissionDocx(elementFloodFile(1_100_000)));
    expect(refusal(result).code).toBe('too-complex');
    expect(refusal(result).message).toContain('больше 1\u00a0000\u00a0000 элементов разметки');
  });

  it('bounds text, attributes and namespace scopes', () => {
    const doc = (body: string) =>
      `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`;
    const over = (xml: string, limits: Parameters<typeof scanDocumentXml>[1]) => {
      try {
        scanDocumentXml(xml, limits);
      } catch (error) {
        expect(error).toBeInstanceOf(XmlScanError);
        return (error as XmlScanError).over?.limit;
      }
      return 'none';
    };
    expect(over(doc('<w:p><w:r><w:t>0123456789</w:t></w:r></w:p>'), { maxText: 5 })).toBe('text');
    expect(over(doc('<w:p><![CDATA[0123456789]]></w:p>'), { maxText: 5 })).toBe('text');
    expect(over(doc(`<x ${Array.from({ length: 300 }, (_, i) => `a${i}="1"`).join(' ')}/>`), {})).toBe(
      'attributes',
    );
    expect(over(doc('<x xmlns:a="urn:a"/>'.repeat(20)), { maxNamespaceScopes: 10 })).toBe('namespaces');
    expect(over(doc('<w:p><w:r><w:t>ok</w:t></w:r></w:p>'), {})).toBe('none');
  });
});

describe('the parse pool', () => {
  it('keeps the main thread free while a heavy file is parsed', async () => {
    const heavy = elementFloodFile(990_000);
    // Parsed on the calling thread it blocks it for this long: no timer can fire meanwhile.
    const { result: inline, ms: inlineMs } = timed(() => parseSubmissionDocx(heavy));
    expect(inline.ok).toBe(true);
    expect(inlineMs).toBeGreaterThan(50);

    await parseSubmissionOffThread(await wordSubmission({ rows: [sampleRow()] })); // a warm thread
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    const result = await parseSubmissionOffThread(heavy);
    const ms = performance.now() - started;
    clearInterval(timer);
    expect(result.ok).toBe(true);
    expect(ms).toBeGreaterThan(20);
    // The timer kept firing through the parse.
    expect(ticks).toBeGreaterThanOrEqual(2);
  });

  it('refuses a file over the time budget with a Russian message, then parses the next one', async () => {
    const pool = createParsePool({ timeoutMs: 20, threads: 1 });
    try {
      const result = await pool.parse(elementFloodFile(990_000));
      const { code, message } = refusal(result);
      expect(code).toBe('timeout');
      expect(message).toMatch(/^Файл не удалось прочитать за отведённое время \(20 мс\)/);
      expect(message).toMatch(CYRILLIC);
      const next = await pool.parse(await wordSubmission({ rows: [sampleRow()] }));
      expect(next).toMatchObject({ ok: true, rows: [sampleRow()] });
    } finally {
      await pool.destroy();
    }
  });

  it('reports the heap of each thread it keeps alive, none before the first parse', async () => {
    const pool = createParsePool({ threads: 1 });
    try {
      expect(await pool.heaps()).toEqual([]);
      await pool.parse(await wordSubmission({ rows: [sampleRow()] }));
      const heaps = await pool.heaps();
      expect(heaps).toHaveLength(1);
      expect(heaps[0]!.used_heap_size).toBeGreaterThan(0);
      expect(heaps[0]!.total_heap_size).toBeGreaterThanOrEqual(heaps[0]!.used_heap_size);
    } finally {
      await pool.destroy();
    }
  });

  it('records a hostile upload as a rejected version with the reason, never throwing', async () => {
    const bytes = collidingNamesFile(8192, 3);
    const created: { status: string; findings: string }[] = [];
    const db = {
      submission: {
        findUnique: async () => null,
        create: async ({ data }: { data: { status: string; findings: string } }) => created.push(data),
      },
      submissionRow: { createMany: async () => ({ count: 0 }) },
      upload: { findUnique: async () => ({ id: 'u1', blobSha256: 'sha' }) },
      $transaction: async (fn: (tx: unknown) => Promise<void>) => fn(db),
    };
    const files = { get: async () => Buffer.from(bytes) } as unknown as BlobStore;
    const result = await recordSubmission(db as unknown as Db, files, {
      quarter: '2023-Q2',
      municipality: 'vyazma',
      version: 1,
      payload: { kind: 'file', uploadId: 'u1', channel: 'web', actor: 'clerk' },
    });
    expect(result.accepted).toBe(false);
    expect(result.findings[0]).toMatchObject({ severity: 'error', code: 'too-complex' });
    expect(created[0]!.status).toBe('rejected');
  });
});

describe('permanent failures of activities are not retried', () => {
  it('a malformed quarter fails recordSubmission for good', async () => {
    const db = { submission: { findUnique: async () => null } } as unknown as Db;
    const error = await recordSubmission(db, {} as BlobStore, {
      quarter: '2023-Q9',
      municipality: 'vyazma',
      version: 1,
      payload: { kind: 'nil', channel: 'web', actor: 'clerk' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
  });

  it('a missing report fails for good', async () => {
    const db = { report: { findUnique: async () => null } } as unknown as Db;
    const error = await reportBytes(db, { get: async () => null } as unknown as BlobStore, 'r1').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as Error).message).toContain('не найден');
  });
});
