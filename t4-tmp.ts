import { readFileSync } from 'node:fs';
import { parseSubmissionDocx } from './activities/docx/parse';
import { scanDocumentXml } from './activities/docx/xml-scan';
import { unzipSync } from 'fflate';
for (const f of ['/tmp/dx/big.docx', '/tmp/dx/big2.docx']) {
  const b = readFileSync(f);
  const xml = new TextDecoder().decode(unzipSync(b)['word/document.xml']);
  const ts: string[] = [];
  for (let k = 0; k < 10; k++) {
    let t = performance.now(); scanDocumentXml(xml); const a = performance.now() - t;
    t = performance.now(); const r = parseSubmissionDocx(b); const c = performance.now() - t;
    ts.push(a.toFixed(1) + '/' + c.toFixed(1));
  }
  console.log(f, ts.join(' '));
}
