// `npm run bench`: Svodka's benchmark suite. Runs each section in its own process, one after the
// other (the machine has two cores), prints one table — each figure beside its peer or floor
// measured in the same run, and their ratio — and writes it all to bench/results.json.
//
// Sections (BENCH_ONLY=parse,render,email,portal,quarter,national,postgres,postgres-national picks some):
//   parse     4. parsing a 1,000-row submission vs mammoth
//   render    3. the consolidated DOCX for 65 / 10,000 / 100,000 events vs docxtemplater
//   email     6. a request round through the pooled transport vs raw SMTP
//   portal    5. the upload endpoint under load, end to end and without Temporal
//   quarter   1. a 27-municipality quarter vs empty child workflows
//   national  2. BENCH_NATIONAL (20,000; 0 skips) municipalities, bounded by BENCH_NATIONAL_TIMEOUT_S
//   postgres  7. section 1 on the production server (Temporal from Go on PostgreSQL, mTLS)
//   postgres-national  7. section 2 there, BENCH_PG_NATIONAL (2,000; 0 skips) municipalities
// See bench/README.md for every setting.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmtMs, log, NATIONAL_BOUND_S, profileDir, repoRoot, runChildResult } from './lib';
import type { Row } from './lib';
import { topFunctions } from './profile-top';

type Section = { key: string; title: string; script: string; args: string[]; timeoutMs: number };

const nationalBound = NATIONAL_BOUND_S * 1000;
const SECTIONS: Section[] = [
  { key: 'parse', title: '4. Parsing a submission', script: 'bench/parse.ts', args: [], timeoutMs: 5 * 60_000 },
  { key: 'render', title: '3. Rendering the DOCX', script: 'bench/render.ts', args: [], timeoutMs: 20 * 60_000 },
  { key: 'email', title: '6. Email request round', script: 'bench/email.ts', args: [], timeoutMs: 20 * 60_000 },
  { key: 'portal', title: '5. Portal upload endpoint', script: 'bench/portal.ts', args: [], timeoutMs: 20 * 60_000 },
  { key: 'quarter', title: '1. Quarter, 27 municipalities', script: 'bench/quarter.ts', args: ['region'], timeoutMs: 25 * 60_000 },
  {
    key: 'national',
    title: '2. National scale',
    script: 'bench/quarter.ts',
    args: ['national'],
    timeoutMs: nationalBound + 10 * 60_000,
  },
  // Both again on the production engine (the Go-built Temporal server on PostgreSQL, mTLS), each
  // against the floor on that server: what PostgreSQL changes against the dev server.
  { key: 'postgres', title: '7. On PostgreSQL, 27 municipalities', script: 'bench/quarter.ts', args: ['postgres-region'], timeoutMs: 25 * 60_000 },
  {
    key: 'postgres-national',
    title: '7. On PostgreSQL, national scale',
    script: 'bench/quarter.ts',
    args: ['postgres-national'],
    timeoutMs: nationalBound + 10 * 60_000,
  },
];

function fmt(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (unit === 'ms') return fmtMs(value);
  if (unit === 'MB') return `${Math.round(value)} MB`;
  if (unit === 'events') return `${Math.round(value).toLocaleString('en')} ev`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function cellValue(row: Row): string {
  return row.display ?? fmt(row.value, row.unit);
}

function table(rows: Row[]): string {
  const header = ['#', 'measure', 'Svodka', 'peer / floor', 'ratio', 'target', 'met'];
  const lines = rows.map((r, i) => [
    String(i + 1),
    `${r.section.split('.')[0]}. ${r.measure}`,
    cellValue(r),
    r.peer ? `${r.peer.display ?? fmt(r.peer.value, r.peer.unit)} (${r.peer.name})` : '',
    r.ratio !== undefined && r.ratio !== null && Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : '',
    r.target ?? '',
    r.met === undefined || r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const max = [4, 70, 70, 70, 8, 26, 4];
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const cells = [header, ...lines].map((l) => l.map((c, i) => clip(c, max[i]!)));
  const widths = header.map((_, i) => Math.max(...cells.map((l) => l[i]!.length)));
  const out = cells.map((l) => `| ${l.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`);
  out.splice(1, 0, `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  const notes = rows.flatMap((r, i) => {
    const n: string[] = [];
    if (r.ratioNote) n.push(`ratio = ${r.ratioNote}`);
    if (r.display && r.display.length > max[2]!) n.push(`Svodka: ${r.display}`);
    if (r.peer?.display && r.peer.display.length > 40) n.push(`peer: ${r.peer.display}`);
    if (r.runs && r.runs.length > 1) n.push(`runs: ${r.runs.join(', ')}`);
    if (r.note) n.push(r.note);
    return n.length ? [`  ${i + 1}. ${n.join('; ')}`] : [];
  });
  return `${out.join('\n')}\n\nNotes:\n${notes.join('\n')}`;
}

function profileSummaries(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!existsSync(profileDir)) return out;
  const files: { file: string; fromUs: number }[] = [];
  for (const name of readdirSync(profileDir)) {
    const p = path.join(profileDir, name);
    if (statSync(p).isDirectory()) {
      const ready = readdirSync(p).find((n) => /^ready-\d+\.json$/.test(n));
      const fromUs = ready ? (JSON.parse(readFileSync(path.join(p, ready), 'utf8')) as { readyUs: number }).readyUs : 0;
      for (const f of readdirSync(p).filter((f) => f.endsWith('.cpuprofile'))) files.push({ file: path.join(p, f), fromUs });
    } else if (name.endsWith('.cpuprofile')) files.push({ file: p, fromUs: 0 });
  }
  for (const { file, fromUs } of files) {
    try {
      const { totalMs, self } = topFunctions(file, 12, fromUs);
      const busy = self.filter((l) => !/^\((idle|program|garbage collector|root)\)/.test(l.name)).slice(0, 8);
      const idle = self.find((l) => l.name === '(idle)');
      out[path.relative(profileDir, file)] = [
        `${(totalMs / 1000).toFixed(1)} s profiled, ${idle ? idle.selfPct : 0}% idle`,
        ...busy.map((l) => `${l.selfMs} ms self (${l.selfPct}%) ${l.name}`),
      ];
    } catch (err) {
      out[path.relative(profileDir, file)] = [`unreadable: ${String(err)}`];
    }
  }
  return out;
}

const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const chosen = SECTIONS.filter((s) => only.length === 0 || only.includes(s.key));
const started = new Date();
const t0 = performance.now();
const load0 = os.loadavg();
const rows: Row[] = [];
const sections: { key: string; ms: number; error: string | null }[] = [];
for (const s of chosen) {
  if (s.key === 'national' && Number(process.env.BENCH_NATIONAL ?? 20_000) === 0) continue;
  log(`— ${s.title} —`);
  const t = performance.now();
  try {
    rows.push(...(await runChildResult<Row[]>(s.script, s.args, { timeoutMs: s.timeoutMs })));
    sections.push({ key: s.key, ms: Math.round(performance.now() - t), error: null });
  } catch (err) {
    const error = String((err as Error).message ?? err).split('\n')[0]!.slice(0, 300);
    log(`${s.title} failed: ${error}`);
    rows.push({ section: s.title, measure: 'section failed', value: null, unit: '', display: `FAILED: ${error}`, met: false });
    sections.push({ key: s.key, ms: Math.round(performance.now() - t), error });
  }
  log(`  ${s.key}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
}
const totalMs = performance.now() - t0;
const text = table(rows);
console.log(`\nSvodka benchmark — ${started.toISOString()}, ${os.cpus().length} cores, Node ${process.version}, load average at start ${load0.map((x) => x.toFixed(1)).join(' ')}, at end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; total ${(totalMs / 1000).toFixed(0)} s\n`);
console.log(text);
const profiles = process.env.BENCH_PROFILE === '1' ? profileSummaries() : undefined;
if (profiles) {
  console.log('\nCPU profiles (bench/profiles; top functions by self time; node bin/run.js bench/profile-top.ts FILE for more):');
  for (const [name, lines] of Object.entries(profiles)) console.log(`  ${name}\n${lines.map((l) => `    ${l}`).join('\n')}`);
}
const settings = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')));
writeFileSync(
  path.join(repoRoot, 'bench/results.json'),
  `${JSON.stringify(
    {
      startedAt: started.toISOString(),
      totalSeconds: Math.round(totalMs / 1000),
      machine: { cores: os.cpus().length, node: process.version, loadAverageAtStart: load0, loadAverageAtEnd: os.loadavg() },
      settings,
      sections,
      rows,
      table: text,
      profiles,
    },
    null,
    2,
  )}\n`,
);
log(`written bench/results.json; total ${(totalMs / 1000).toFixed(0)} s`);
