import { readFileSync } from 'node:fs';
import { scanDocumentXml } from './activities/docx/xml-scan';
import { unzipSync } from 'fflate';
for (const f of ['/tmp/dx/big.docx', '/tmp/dx/big2.docx']) {
const xml = new TextDecoder().decode(unzipSync(readFileSync(f))['word/document.xml']);
for (let k = 0; k < 10; k++) scanDocumentXml(xml);
const t = performance.now();
for (let k = 0; k < 40; k++) scanDocumentXml(xml);
console.log('scan avg', (performance.now() - t) / 40, xml.length);
}
