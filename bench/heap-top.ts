// The largest kinds of object in a V8 heap snapshot, by self size and count:
//   node bin/run.js bench/heap-top.ts FILE.heapsnapshot [N]
// (BENCH_HEAP_SNAPSHOT_S=N npm run bench writes snapshots of the worker's threads.)
import { readFileSync } from 'node:fs';

type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
};

const [file, countArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bin/run.js bench/heap-top.ts FILE.heapsnapshot [N]');
  process.exit(2);
}
const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const fields = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const width = fields.length;
const typeAt = fields.indexOf('type');
const nameAt = fields.indexOf('name');
const sizeAt = fields.indexOf('self_size');
const byKind = new Map<string, { size: number; count: number }>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += width) {
  const type = types[snap.nodes[i + typeAt]!]!;
  const name = snap.strings[snap.nodes[i + nameAt]!]!;
  const size = snap.nodes[i + sizeAt]!;
  total += size;
  const kind = type === 'object' || type === 'closure' ? `${type} ${name}` : type;
  const entry = byKind.get(kind) ?? { size: 0, count: 0 };
  entry.size += size;
  entry.count += 1;
  byKind.set(kind, entry);
}
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
console.log(`${file}: ${mb(total)} MB in ${snap.nodes.length / width} objects`);
for (const [kind, { size, count }] of [...byKind]
  .sort((a, b) => b[1].size - a[1].size)
  .slice(0, Number(countArg ?? 25)))
  console.log(`${mb(size).padStart(8)} MB ${String(count).padStart(9)}  ${kind.slice(0, 100)}`);
