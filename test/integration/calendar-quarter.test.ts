// A quarter on an imported production calendar, on a real dev server, from the CLI as a coordinator
// runs it: `calendar import` declares days off around the deadline and `quarter start` hands the
// calendar to the workflow in its input. That the workflow then sends every reminder, the overdue
// ones and the escalation on that calendar's working days is the workflow tests' claim
// (test/workflows/municipality.test.ts, the May holidays of 2024), in seconds of wall time.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, isWeekend } from '../../domain/calendar/working-days';
import { moscowDate } from '../../domain/schedule';
import { formatQuarter } from '../../domain/quarter';
import { quarterWorkflowId } from '../../workflows/api';
import type { QuarterInput } from '../../workflows/api';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';

let stack: Stack;
let client: Client;

beforeAll(async () => {
  stack = await startStack({ database: 'sqlite' });
  client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  // One municipality is enough, and spares the shared machine 26 others' reminders.
  await stack.db.municipality.deleteMany({ where: { code: { not: 'velizh' } } });
}, 120_000);

afterAll(async () => {
  await client?.connection.close();
  await stack?.stop();
});

describe('a quarter on the production calendar', () => {
  it('hands the imported days off to the workflow', async () => {
    const today = moscowDate(Date.now());
    const deadline = addDays(today, 8);
    const d = (n: number) => addDays(deadline, n);
    // Days off around the deadline; every Saturday and Sunday of the stretch is declared a working
    // day, so what is expected does not depend on the weekday the test runs on.
    const daysOff = [d(-3), d(-1), d(2), d(4)];
    const lines = ['дата,вид,примечание'];
    for (let day = addDays(today, -1); day <= d(12); day = addDays(day, 1)) {
      if (daysOff.includes(day)) lines.push(`${day},выходной,для теста`);
      else if (isWeekend(day)) lines.push(`${day},рабочий,для теста`);
    }
    const csv = path.join(stack.dir, 'календарь.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const imported = await stack.cli(['calendar', 'import', csv]);
    expect(imported.code, imported.stderr).toBe(0);

    const [y, m] = today.split('-').map(Number) as [number, number];
    const quarter = formatQuarter({ year: y, quarter: Math.ceil(m / 3) as 1 | 2 | 3 | 4 });
    const start = await stack.cli(['quarter', 'start', quarter, '--deadline', deadline]);
    expect(start.code, start.stderr).toBe(0);
    // The imported years are covered (a year further on may not be: that warning depends on the date).
    for (const year of new Set(lines.slice(1).map((l) => l.slice(0, 4)))) {
      expect(start.stdout).not.toMatch(new RegExp(`на [^.]*${year}[^.]* (год|годы) (нет|известны)`));
    }

    // The calendar reached the workflow as data: the quarter's input carries the imported days.
    const history = await client.workflow.getHandle(quarterWorkflowId(quarter)).fetchHistory();
    const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const input = JSON.parse(Buffer.from(payload.data!).toString('utf8')) as QuarterInput;
    for (const day of daysOff.filter((x) => !isWeekend(x)))
      expect(input.policy.calendar!.daysOff).toContain(day);
    const workingWeekends = lines.filter((l) => l.includes(',рабочий,')).map((l) => l.slice(0, 10));
    expect(workingWeekends.length).toBeGreaterThan(0);
    for (const day of workingWeekends) expect(input.policy.calendar!.workingWeekends).toContain(day);
  });
});
