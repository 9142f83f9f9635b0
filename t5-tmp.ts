import { readFileSync } from 'node:fs';
import { parseSubmissionDocx } from './activities/docx/parse';
import { openDocxPackage } from './activities/docx/package';
import { readSubmissionTable } from './activities/docx/submission-table';
for (const f of ['/tmp/dx/big.docx', '/tmp/dx/big2.docx']) {
  const b = readFileSync(f);
  for (let k = 0; k < 10; k++) parseSubmissionDocx(b);
  let t = performance.now();
  for (let k = 0; k < 20; k++) parseSubmissionDocx(b);
  const total = (performance.now() - t) / 20;
  const d = openDocxPackage(b, { maxBytes: 1e8, maxUncompressed: 1e8 });
  t = performance.now();
  for (let k = 0; k < 20; k++) readSubmissionTable(d, 5000);
  console.log(f, 'parse avg', total.toFixed(1), 'table avg', ((performance.now() - t) / 20).toFixed(1));
}
