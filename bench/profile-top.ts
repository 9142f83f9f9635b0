// The top functions of a V8 CPU profile (node --cpu-prof), by self time and by total time:
//   node bin/run.js bench/profile-top.ts bench/profiles/worker-….cpuprofile [N]
// BENCH_PROFILE=1 npm run bench writes one profile per worker and per child process.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
};
type Profile = { nodes: Node[]; samples?: number[]; timeDeltas?: number[]; startTime: number; endTime: number };

export type ProfileLine = { name: string; selfMs: number; totalMs: number; selfPct: number };

function label(n: Node): string {
  const f = n.callFrame;
  const file = f.url ? path.basename(f.url.replace(/^file:\/\//, '')) : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
}

/** Samples taken before fromUs (the profile's clock, µs) are left out: start-up, bundling. */
export function topFunctions(
  file: string,
  count = 15,
  fromUs = 0,
): { totalMs: number; self: ProfileLine[]; total: ProfileLine[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let t = profile.startTime;
  let firstUs = Math.max(profile.startTime, fromUs);
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    if (t < fromUs) continue;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + (deltas[i] ?? 0));
  }
  firstUs = Math.min(firstUs, profile.endTime);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totalMs = (profile.endTime - firstUs) / 1000;

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    self.set(label(n), (self.get(label(n)) ?? 0) + us);
    // Each distinct function on the stack gets the sample's time once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + us);
    }
  }
  const lines = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name]) => ({
        name,
        selfMs: Math.round((self.get(name) ?? 0) / 1000),
        totalMs: Math.round((total.get(name) ?? 0) / 1000),
        selfPct: Math.round(((self.get(name) ?? 0) / 1000 / totalMs) * 1000) / 10,
      }));
  return { totalMs, self: lines(self), total: lines(total).filter((l) => !/^\(root\)|^\(program\)/.test(l.name)) };
}

/** The files to read: a profile, or every profile of a directory (one per thread). */
function profilesOf(target: string): { files: string[]; fromUs: number } {
  if (!statSync(target).isDirectory()) return { files: [target], fromUs: 0 };
  const names = readdirSync(target);
  const ready = names.find((n) => /^ready-\d+\.json$/.test(n));
  const fromUs = ready ? (JSON.parse(readFileSync(path.join(target, ready), 'utf8')) as { readyUs: number }).readyUs : 0;
  return { files: names.filter((n) => n.endsWith('.cpuprofile')).sort().map((n) => path.join(target, n)), fromUs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node bin/run.js bench/profile-top.ts FILE.cpuprofile|DIR [N]');
    process.exit(2);
  }
  const { files, fromUs } = profilesOf(target);
  if (fromUs) console.log('(from the moment the worker was ready: start-up and bundling left out)');
  for (const file of files) {
    const { totalMs, self, total } = topFunctions(file, Number(process.argv[3] ?? 15), fromUs);
    console.log(`\n${path.basename(file)}: ${(totalMs / 1000).toFixed(1)} s profiled`);
    console.log('self time:');
    for (const l of self) console.log(`  ${String(l.selfMs).padStart(7)} ms ${String(l.selfPct).padStart(5)}%  ${l.name}`);
    console.log('total time (inclusive):');
    for (const l of total) console.log(`  ${String(l.totalMs).padStart(7)} ms  ${l.name}`);
  }
}
