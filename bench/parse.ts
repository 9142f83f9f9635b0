// Section 4: reading a 1,000-row submission (built as Word would write it: the `docx` library),
// Svodka's parseSubmissionDocx against mammoth converting the same file to HTML. Both run warm in
// one process, alternately, BENCH_PARSE_RUNS times after a warm-up each; medians are compared.
import mammoth from 'mammoth';
import { parseSubmissionDocx } from '../infrastructure/docx/parse';
import { childMain, envInt, median } from './lib';
import type { Row } from './lib';
import { submissionOf } from './submissions';

await childMain(async (): Promise<Row[]> => {
  const runs = Math.max(1, envInt('BENCH_PARSE_RUNS', 7));
  const bytes = await submissionOf(1000);
  const buffer = Buffer.from(bytes);
  const svodka: number[] = [];
  const peer: number[] = [];
  let rows = 0;
  let html = 0;
  for (let i = -1; i < runs; i++) {
    let t = performance.now();
    const parsed = parseSubmissionDocx(bytes);
    const s = performance.now() - t;
    if (!parsed.ok) throw new Error(`parseSubmissionDocx refused the file: ${parsed.message}`);
    rows = parsed.rows.length;
    t = performance.now();
    const converted = await mammoth.convertToHtml({ buffer });
    const m = performance.now() - t;
    html = converted.value.length;
    if (i >= 0) {
      svodka.push(s);
      peer.push(m);
    }
  }
  if (rows !== 1000) throw new Error(`parsed ${rows} rows, expected 1000`);
  const ms = median(svodka);
  const mm = median(peer);
  return [
    {
      section: '4. Parsing a submission',
      measure: `parseSubmissionDocx, 1,000 rows (${Math.round(bytes.length / 1024)} KiB .docx)`,
      value: ms,
      unit: 'ms',
      peer: { name: 'mammoth.convertToHtml, same file', value: mm, unit: 'ms' },
      ratio: mm / ms,
      ratioNote: 'mammoth ÷ Svodka (times faster)',
      target: '≥ 5× faster than mammoth',
      met: mm / ms >= 5,
      runs: svodka.map((x) => Math.round(x * 10) / 10),
      note: `medians of ${runs} warm runs; mammoth runs ${peer.map(Math.round).join(', ')} ms; ${rows} rows read, ${Math.round(html / 1024)} KiB of HTML`,
    },
  ];
});
