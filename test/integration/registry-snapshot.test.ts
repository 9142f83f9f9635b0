// The registry a quarter opened with, on a real dev server: a quarter started before a rename keeps
// the old name in its report while a quarter started after gets the new one; an address corrected
// in the portal mid-quarter is where that quarter's next reminder goes. Policy time is compressed:
// a day lasts 6 s.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../domain/calendar/working-days';
import { moscowDate } from '../../domain/schedule';
import { readReportDocx } from '../../infrastructure/docx/read';
import { hiddenValue, signInAs, testPortal } from '../e2e/fakes';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';

const SCALE = 86_400 / 6;
const BEFORE = '2031-Q1';
const AFTER = '2031-Q2';
let stack: Stack;
let client: Client;
let portal: FastifyInstance;

beforeAll(async () => {
  stack = await startStack({ database: 'sqlite' });
  client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  // Two municipalities are enough, and spare the shared machine 25 others' emails.
  await stack.db.municipality.deleteMany({ where: { code: { notIn: ['velizh', 'vyazma'] } } });
  portal = await testPortal(stack.db, client);
}, 120_000);

afterAll(async () => {
  await portal?.close();
  await client?.connection.close();
  await stack?.stop();
});

async function draftText(quarter: string): Promise<{ title: string; trailing: string[] }> {
  const out = path.join(stack.dir, `${quarter}.docx`);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const r = await stack.cli(['report', 'draft', quarter, '--out', out]);
    if (r.code === 0) break;
    if (Date.now() > deadline) throw new Error(`no draft for ${quarter}: ${r.stderr}`);
    await new Promise((done) => setTimeout(done, 1_000));
  }
  const read = readReportDocx(readFileSync(out));
  return { title: read.title, trailing: read.trailing };
}

async function answerNil(quarter: string): Promise<void> {
  for (const code of ['velizh', 'vyazma']) {
    const r = await stack.cli(['submit', quarter, code, '--nil']);
    expect(r.code, r.stderr).toBe(0);
  }
}

describe('a quarter keeps the registry it opened with', () => {
  it(
    'old name in the running quarter’s report, new name in the next; the corrected address gets the next reminder',
    { timeout: 300_000 },
    async () => {
      const deadline = addDays(moscowDate(Date.now()), 7);
      const start = await stack.cli([
        'quarter',
        'start',
        BEFORE,
        '--deadline',
        deadline,
        '--time-scale',
        String(SCALE),
      ]);
      expect(start.code, start.stderr).toBe(0);
      await stack.mail.waitFor((all) => all.some((m) => m.to.includes('vyazma@mo.example.ru')), 60_000);

      // Mid-quarter, the coordinator corrects the address in the portal and renames the municipality.
      const cookies = await signInAs(portal, stack.db, {
        login: 'coord',
        name: 'Координатор',
        role: 'coordinator',
        password: 'Zvezda-Dnepr-7311',
      });
      const form = await portal.inject({ method: 'GET', url: '/registry/vyazma', cookies });
      expect(form.statusCode).toBe(200);
      const saved = await portal.inject({
        method: 'POST',
        url: '/registry/vyazma',
        cookies,
        payload: {
          _csrf: hiddenValue(form.body, '_csrf'),
          requestId: hiddenValue(form.body, 'requestId'),
          name: 'Вяземский муниципальный округ',
          sectionTitle: 'Муниципальное образование «Вяземский район» Смоленской области',
          email: 'priemnaya@vyazma.example.ru',
          headName: '',
          headEmail: 'glava.vyazma@mo.example.ru',
        },
      });
      expect(saved.statusCode, saved.body).toBe(303);

      // The running quarter's next reminder goes to the corrected address, and none to the old one.
      const reminder = (m: { to: string; subject: string }) =>
        m.subject.startsWith('Напоминание') && m.subject.includes('Вяз');
      await stack.mail.waitFor(
        (all) => all.some((m) => m.to.includes('priemnaya@vyazma.example.ru') && reminder(m)),
        120_000,
      );
      expect(stack.mail.messages.filter((m) => m.to.includes('vyazma@mo.example.ru') && reminder(m))).toEqual(
        [],
      );

      await answerNil(BEFORE);
      const before = await draftText(BEFORE);
      expect(before.title).toMatch(/Смоленской области в I квартале 2031 года$/);
      expect(before.trailing).toContain('Вяземский район');
      expect(before.trailing).not.toContain('Вяземский муниципальный округ');

      // A quarter opened after the rename gets the new name.
      const next = await stack.cli([
        'quarter',
        'start',
        AFTER,
        '--deadline',
        deadline,
        '--time-scale',
        String(SCALE),
      ]);
      expect(next.code, next.stderr).toBe(0);
      await answerNil(AFTER);
      const after = await draftText(AFTER);
      expect(after.trailing).toContain('Вяземский муниципальный округ');
      expect(after.trailing).not.toContain('Вяземский район');

      // The quarter's own status names it as it opened; the audit log has the portal's change.
      const status = await stack.cli(['quarter', 'status', BEFORE]);
      expect(status.stdout).toContain('Вяземский район');
      const entry = await stack.db.auditEntry.findFirstOrThrow({
        where: { action: 'registry.set', municipality: 'vyazma' },
      });
      expect(entry.actor).toBe('coord');
    },
  );
});
