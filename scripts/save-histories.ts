// Saves the histories of a quarter's workflows into test/histories/, for the replay test that makes
// a workflow change which would break running quarters fail in CI. The Temporal CLI writes the
// histories in the proto-JSON form that historyFromJSON reads.
//   TEMPORAL_ADDRESS=127.0.0.1:7233 node bin/run.js scripts/save-histories.ts 2023-Q2 vyazma group-0 … [--label L]
// A label (e.g. the change the quarter ran under) keeps several quarters of the same id side by side:
// quarter_2023-Q2@L.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporalAddress } from '../client/temporal';
import { resolveTemporalCli } from '../worker/temporal-cli';
import { groupWorkflowId, quarterWorkflowId, submissionWorkflowId } from '../workflows/api';

const args = process.argv.slice(2);
const labelAt = args.indexOf('--label');
const label = labelAt >= 0 ? args.splice(labelAt, 2)[1] : undefined;
const [quarter, ...codes] = args;
if (!quarter) {
  console.error('usage: node bin/run.js scripts/save-histories.ts <YYYY-Qn> [code …]');
  process.exit(2);
}
const cli = resolveTemporalCli({ install: false });
if (!cli.path) throw new Error('Temporal CLI не найден: выполните npm install');
const dir = path.resolve(import.meta.dirname, '../test/histories');
const idOf = (code: string) =>
  /^group-\d+$/.test(code)
    ? groupWorkflowId(quarter, Number(code.slice('group-'.length)))
    : submissionWorkflowId(quarter, code);
for (const id of [quarterWorkflowId(quarter), ...codes.map(idOf)]) {
  const json = execFileSync(
    cli.path,
    ['workflow', 'show', '-w', id, '--output', 'json', '--address', temporalAddress()],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const file = path.join(dir, `${id.replaceAll('/', '_')}${label ? `@${label}` : ''}.json`);
  writeFileSync(file, json);
  console.log(
    `${path.relative(process.cwd(), file)}: ${(JSON.parse(json) as { events: unknown[] }).events.length} events`,
  );
}
