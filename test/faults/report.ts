// The reliability report: each fault test file adds what it injected and what it found to a JSON
// Lines file of the current run under test-results/reliability/, and prints the run's totals so far
// when it ends. Test files run in separate processes of one vitest run: they share the run's file,
// named after the vitest process (their parent) and its start time.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { LOG_DIR, RESULTS_DIR } from './support';

export type Tally = {
  /** Faults injected: worker kills, server restarts, outages. */
  faultsInjected: number;
  quartersCompleted: number;
  submissionsSent: number;
  submissionsLost: number;
  submissionsDoubled: number;
  emailsReceived: number;
  /** The same email under two Message-IDs, or a second copy of one key. */
  emailsDuplicated: number;
  /** The same Message-ID delivered again after a crash (a receiver drops it). */
  emailsRedelivered: number;
  badInputsTried: number;
  badInputsRejectedCleanly: number;
};

export type Entry = Tally & { file: string; at: string; seconds: number; notes: string[] };

const ZERO: Tally = {
  faultsInjected: 0,
  quartersCompleted: 0,
  submissionsSent: 0,
  submissionsLost: 0,
  submissionsDoubled: 0,
  emailsReceived: 0,
  emailsDuplicated: 0,
  emailsRedelivered: 0,
  badInputsTried: 0,
  badInputsRejectedCleanly: 0,
};

/** The vitest run: its main process (the parent of this test file's process) and when it started. */
function runId(): string {
  let started = '0';
  try {
    // /proc/<pid>/stat: the 22nd field is the start time in clock ticks since boot.
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '0';
  } catch {
    // not Linux: the parent's pid alone
  }
  return `${process.ppid}-${started}`;
}

export const RUN_FILE = path.join(RESULTS_DIR, `run-${runId()}.jsonl`);

export type Reliability = {
  tally: Tally;
  notes: string[];
  add(patch: Partial<Tally>): void;
  note(text: string): void;
  /** Appends this file's entry to the run's file and prints the run's totals so far. */
  finish(): void;
};

/** Runs and worker logs older than a day go: every `npm test` on the machine leaves some. */
function pruneOld(): void {
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
  for (const dir of [RESULTS_DIR, LOG_DIR]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!/^run-.*\.jsonl$|\.log$/.test(name)) continue;
      const file = path.join(dir, name);
      try {
        if (statSync(file).mtimeMs < dayAgo) rmSync(file, { force: true });
      } catch {
        // another run's file, gone meanwhile
      }
    }
  }
}

export function reliability(file: string): Reliability {
  pruneOld();
  const started = Date.now();
  const tally: Tally = { ...ZERO };
  const notes: string[] = [];
  return {
    tally,
    notes,
    add(patch) {
      for (const [k, v] of Object.entries(patch)) tally[k as keyof Tally] += v ?? 0;
    },
    note(text) {
      notes.push(text);
    },
    finish() {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const entry: Entry = {
        file,
        at: new Date().toISOString(),
        seconds: Math.round((Date.now() - started) / 1000),
        ...tally,
        notes,
      };
      appendFileSync(RUN_FILE, `${JSON.stringify(entry)}\n`);
      const entries = readEntries(RUN_FILE);
      const text = formatReport(entries);
      writeFileSync(path.join(RESULTS_DIR, 'latest.txt'), `${text}\n`);
      console.log(text);
    },
  };
}

export function readEntries(file: string): Entry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Entry);
}

export function formatReport(entries: Entry[]): string {
  const total: Tally = { ...ZERO };
  for (const e of entries) for (const k of Object.keys(ZERO) as (keyof Tally)[]) total[k] += e[k];
  const lines = [
    `Reliability report (${entries.length} fault test file${entries.length === 1 ? '' : 's'} so far in this run: ${entries
      .map((e) => `${e.file} ${e.seconds}s`)
      .join(', ')})`,
    `  faults injected ............... ${total.faultsInjected}`,
    `  quarters completed ............ ${total.quartersCompleted}`,
    `  submissions sent .............. ${total.submissionsSent}`,
    `  submissions lost .............. ${total.submissionsLost}`,
    `  submissions doubled ........... ${total.submissionsDoubled}`,
    `  emails received ............... ${total.emailsReceived}`,
    `  emails duplicated ............. ${total.emailsDuplicated}`,
    `  emails redelivered (same Message-ID, after a crash) ... ${total.emailsRedelivered}`,
    `  bad inputs tried .............. ${total.badInputsTried}`,
    `  bad inputs rejected cleanly ... ${total.badInputsRejectedCleanly}`,
  ];
  const notes = entries.flatMap((e) => e.notes.map((n) => `  - ${e.file}: ${n}`));
  if (notes.length) lines.push('  notes:', ...notes);
  return lines.join('\n');
}
