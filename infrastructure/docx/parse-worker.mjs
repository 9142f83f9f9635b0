// A thread of the parser's pool (parse-pool.ts). Plain JavaScript, so that Node can load it in a
// worker thread as it is; it loads the TypeScript parser through tsx, as bin/run.js does.
import { register } from 'tsx/esm/api';

register();
// Word or Excel: parse-upload.ts tells them apart by the archive's content.
const { parseSubmissionFile } = await import('./parse-upload.ts');

/** @param {{ bytes: Uint8Array; limits?: object; started: import('node:worker_threads').MessagePort }} task */
export default function parse({ bytes, limits, started }) {
  // The time budget starts now, not while the thread was starting up (parse-pool.ts).
  started.postMessage(true);
  started.close();
  return parseSubmissionFile(bytes, limits);
}
