// Saves the histories of a quarter's workflows into test/histories/, for the replay test that makes
// a workflow change which would break running quarters fail in CI. The Temporal CLI writes the
// histories in the proto-JSON form that historyFromJSON reads; each is labelled (labels.json) with
// the patch ids of the code in workflows/ now, which must be the code the worker ran.
//   TEMPORAL_ADDRESS=127.0.0.1:7233 node bin/run.js scripts/save-histories.ts 2023-Q2 vyazma group-0 … [--label L]
// A label (e.g. the shape of the quarter) keeps several quarters of the same id side by side:
// quarter_2023-Q2@L.json. scripts/record-histories.ts runs fresh quarters and saves them this way.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporalAddress } from '../client/temporal';
import { HISTORY_DIR, labelHistories } from '../test/histories/labels';
import { resolveTemporalCli } from '../worker/temporal-cli';
import { groupWorkflowId, quarterWorkflowId, submissionWorkflowId } from '../workflows/api';

/** Saves the quarter's history and those of the named municipalities and groups (group-N); returns the files. */
export function saveHistories(options: {
  address: string;
  quarter: string;
  codes: string[];
  label?: string;
}): string[] {
  const { quarter, label } = options;
  const cli = resolveTemporalCli({ install: false });
  if (!cli.path) throw new Error('Temporal CLI не найден: выполните npm install');
  const idOf = (code: string) =>
    /^group-\d+$/.test(code)
      ? groupWorkflowId(quarter, Number(code.slice('group-'.length)))
      : submissionWorkflowId(quarter, code);
  const temporal = (args: string[]) =>
    execFileSync(cli.path!, [...args, '--address', options.address], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  // A municipality's answer may take several runs (a correction or reopening after it settled):
  // every run is saved, the first under the id's name, the later ones as ~2, ~3 …
  const runsOf = (id: string): string[] =>
    (
      JSON.parse(temporal(['workflow', 'list', '--query', `WorkflowId = '${id}'`, '--output', 'json'])) as {
        execution: { runId: string };
        startTime: string;
      }[]
    )
      .sort((a, b) => a.startTime.localeCompare(b.startTime))
      .map((run) => run.execution.runId);
  const files: string[] = [];
  const targets = [quarterWorkflowId(quarter), ...options.codes.map(idOf)].flatMap((id) =>
    runsOf(id).map((runId, i) => ({
      id,
      runId,
      name: `${id.replaceAll('/', '_')}${i > 0 ? `~${i + 1}` : ''}`,
    })),
  );
  for (const { runId, name } of targets) {
    const json = temporal([
      'workflow',
      'show',
      '-w',
      targets.find((t) => t.name === name)!.id,
      '-r',
      runId,
      '--output',
      'json',
    ]);
    const file = `${name}${label ? `@${label}` : ''}.json`;
    writeFileSync(path.join(HISTORY_DIR, file), json);
    files.push(file);
    console.log(
      `test/histories/${file}: ${(JSON.parse(json) as { events: unknown[] }).events.length} events`,
    );
  }
  labelHistories(files);
  return files;
}

function main(): void {
  const args = process.argv.slice(2);
  const labelAt = args.indexOf('--label');
  const label = labelAt >= 0 ? args.splice(labelAt, 2)[1] : undefined;
  const [quarter, ...codes] = args;
  if (!quarter) {
    console.error('usage: node bin/run.js scripts/save-histories.ts <YYYY-Qn> [code …] [--label L]');
    process.exit(2);
  }
  saveHistories({ address: temporalAddress(), quarter, codes, label });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
