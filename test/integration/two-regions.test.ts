// Two regions side by side in one installation, on a real dev server: the seed region (Smolensk) and
// one loaded from a registry file (Kaluga) each run a quarter for the same period at the same time.
// Each municipality's request names its own region, each draft's title its own region, and a
// coordinator of one region cannot open the other's quarter in the portal. A day lasts 6 s.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../domain/calendar/working-days';
import { moscowDate } from '../../domain/schedule';
import { readReportDocx } from '../../infrastructure/docx/read';
import { OPENER_SCHEDULE_ID, openerScheduleId, openerWorkflowId } from '../../workflows/api';
import { hiddenValue, signInAs, testPortal } from '../e2e/fakes';
import { startStack } from '../support/stack';
import type { Stack } from '../support/stack';

const SCALE = 86_400 / 6;
const PERIOD = '2031-Q3';
const KALUGA = `${PERIOD}.kaluga`;
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/registry/kaluga.csv');
let stack: Stack;
let client: Client;
let portal: FastifyInstance;

beforeAll(async () => {
  stack = await startStack({ database: 'sqlite' });
  client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  // Two municipalities a region are enough, and spare the shared machine 25 others' emails.
  await stack.db.municipality.deleteMany({ where: { code: { notIn: ['velizh', 'vyazma'] } } });
  portal = await testPortal(stack.db, client);
}, 120_000);

afterAll(async () => {
  await client?.schedule
    .getHandle(openerScheduleId('kaluga'))
    .delete()
    .catch(() => undefined);
  await portal?.close();
  await client?.connection.close();
  await stack?.stop();
});

async function draftTitle(args: string[], file: string): Promise<string> {
  const out = path.join(stack.dir, file);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const r = await stack.cli(['report', 'draft', ...args, '--out', out]);
    if (r.code === 0) break;
    if (Date.now() > deadline) throw new Error(`no draft for ${args.join(' ')}: ${r.stderr}`);
    await new Promise((done) => setTimeout(done, 1_000));
  }
  return readReportDocx(readFileSync(out)).title;
}

async function coordinatorOf(region: string | null, login: string): Promise<{ svodka_session: string }> {
  const regionId = region ? (await stack.db.region.findUniqueOrThrow({ where: { code: region } })).id : null;
  const account = { login, name: login, role: 'coordinator' as const, password: 'Zvezda-Dnepr-7311', regionId };
  return signInAs(portal, stack.db, account);
}

describe('two regions in one installation', () => {
  it(
    'each runs its quarter of the same period: its own emails, its own title, its own coordinators',
    { timeout: 300_000 },
    async () => {
      const loaded = await stack.cli([
        'registry',
        'import',
        FIXTURE,
        '--region',
        'Калужская область',
        '--code',
        'kaluga',
      ]);
      expect(loaded.code, loaded.stderr).toBe(0);
      expect(loaded.stdout).toContain('Создан регион «Калужская область», код kaluga');

      const deadline = addDays(moscowDate(Date.now()), 7);
      const common = ['--deadline', deadline, '--time-scale', String(SCALE), '--json'];
      const smolensk = await stack.cli(['quarter', 'start', PERIOD, ...common]);
      expect(smolensk.code, smolensk.stderr).toBe(0);
      expect(JSON.parse(smolensk.stdout)).toMatchObject({ quarter: PERIOD, started: true, municipalities: 2 });
      const kaluga = await stack.cli(['quarter', 'start', PERIOD, '--region', 'kaluga', ...common]);
      expect(kaluga.code, kaluga.stderr).toBe(0);
      expect(JSON.parse(kaluga.stdout)).toMatchObject({ quarter: KALUGA, started: true, municipalities: 2 });
      // The home region's quarter has one key: named with its code it is the same quarter, not a second.
      const again = await stack.cli(['quarter', 'start', `${PERIOD}.smolensk`, ...common]);
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ quarter: PERIOD, started: false });
      const unknown = await stack.cli(['quarter', 'start', PERIOD, '--region', 'tver', ...common]);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toContain('Региона с кодом «tver» в установке нет');

      // Each municipality's request names its own region.
      const addresses = [
        'velizh@mo.example.ru',
        'vyazma@mo.example.ru',
        'kaluga@mo-kaluga.example.ru',
        'obninsk@mo-kaluga.example.ru',
      ];
      await stack.mail.waitFor(
        (all) => addresses.every((a) => all.some((m) => m.to.includes(a) && m.subject.startsWith('Запрос'))),
        90_000,
      );
      for (const address of addresses) {
        const request = stack.mail.messages.find((m) => m.to.includes(address) && m.subject.startsWith('Запрос'))!;
        const [own, other] = address.includes('kaluga')
          ? ['Калужская область', 'Смоленская область']
          : ['Смоленская область', 'Калужская область'];
        expect(request.text, address).toContain(own);
        expect(request.text, address).not.toContain(other);
      }

      for (const [quarter, code] of [
        [PERIOD, 'velizh'],
        [PERIOD, 'vyazma'],
        [KALUGA, 'kaluga-city'],
      ] as const) {
        const r = await stack.cli(['submit', quarter, code, '--nil']);
        expect(r.code, r.stderr).toBe(0);
      }
      const viaFlag = await stack.cli(['submit', PERIOD, 'obninsk', '--nil', '--region', 'kaluga']);
      expect(viaFlag.code, viaFlag.stderr).toBe(0);

      expect(await draftTitle([PERIOD], 'smolensk.docx')).toMatch(/Смоленской области в III квартале 2031 года$/);
      expect(await draftTitle([PERIOD, '--region', 'kaluga'], 'kaluga.docx')).toMatch(
        /Калужской области в III квартале 2031 года$/,
      );

      // A coordinator of one region sees its quarters only; the other's page is a Russian 404.
      const ofKaluga = await coordinatorOf('kaluga', 'coord-kaluga');
      const ofSmolensk = await coordinatorOf('smolensk', 'coord-smolensk');
      const admin = await coordinatorOf(null, 'admin');
      const get = (url: string, cookies: { svodka_session: string }) =>
        portal.inject({ method: 'GET', url, cookies });

      // A Kaluga municipality's page (its link from the request) names its region.
      const kalugaRequest = stack.mail.messages.find(
        (m) => m.to.includes('obninsk@mo-kaluga.example.ru') && m.subject.startsWith('Запрос'),
      )!;
      const token = /\/m\/([A-Za-z0-9_-]+)/.exec(kalugaRequest.text)?.[1];
      expect(token, kalugaRequest.text).toBeDefined();
      const page = await portal.inject({ method: 'GET', url: `/m/${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Калужской области');
      expect(page.body).not.toMatch(/Смоленск/);

      const own = await get(`/quarters/${KALUGA}`, ofKaluga);
      expect(own.statusCode).toBe(200);
      expect(own.body).toContain('<h1>III квартал 2031 года — Калужская область</h1>');
      expect((await get(`/quarters/${KALUGA}/report`, ofKaluga)).body).toContain(
        '<h1>Отчет: III квартал 2031 года — Калужская область</h1>',
      );
      expect((await get(`/quarters/${PERIOD}`, ofSmolensk)).body).toContain('<h1>III квартал 2031 года</h1>');
      for (const url of [`/quarters/${PERIOD}`, `/quarters/${PERIOD}/report`, `/quarters/${PERIOD}/audit`]) {
        const foreign = await get(url, ofKaluga);
        expect(foreign.statusCode, url).toBe(404);
        expect(foreign.body).toContain('нет среди кварталов вашего региона');
      }
      expect((await get(`/quarters/${PERIOD}`, ofSmolensk)).statusCode).toBe(200);
      for (const url of [`/quarters/${KALUGA}`, `/quarters/${KALUGA}/report`, `/quarters/${KALUGA}/report.docx`])
        expect((await get(url, ofSmolensk)).statusCode, url).toBe(404);

      const listOfKaluga = (await get('/quarters', ofKaluga)).body;
      // Its «start a quarter» form means its own region's quarter: the period already runs there.
      const restart = await portal.inject({
        method: 'POST',
        url: '/quarters',
        cookies: ofKaluga,
        payload: {
          _csrf: hiddenValue(listOfKaluga, '_csrf'),
          requestId: hiddenValue(listOfKaluga, 'requestId'),
          quarter: PERIOD,
          timeScale: '1',
        },
      });
      expect(restart.statusCode, restart.body).toBe(303);
      expect(restart.headers.location).toBe(`/quarters/${KALUGA}?done=already`);
      expect(listOfKaluga).toContain(`/quarters/${KALUGA}"`);
      expect(listOfKaluga).not.toContain(`/quarters/${PERIOD}"`);
      const listOfAdmin = (await get('/quarters', admin)).body;
      expect(listOfAdmin).toContain(`/quarters/${KALUGA}"`);
      expect(listOfAdmin).toContain(`/quarters/${PERIOD}"`);
      expect(listOfAdmin).toContain('Калужская область');
      expect(listOfAdmin).toContain('Смоленская область');

      // The installation's own pages are the administrator's: not offered to a region's account.
      for (const link of ['href="/users"', 'href="/mail"']) {
        expect(listOfKaluga, link).not.toContain(link);
        expect(listOfAdmin, link).toContain(link);
      }
      for (const url of ['/users', '/notifications', '/mail']) {
        const refused = await get(url, ofKaluga);
        expect(refused.statusCode, url).toBe(403);
        expect(refused.body).toContain('доступна администратору установки');
        expect((await get(url, admin)).statusCode, url).toBe(200);
      }

      // The table across quarters (who is late) is the account's region's too.
      const timeliness = await get('/timeliness', ofKaluga);
      expect(timeliness.body).toContain('город Обнинск');
      expect(timeliness.body).toContain(KALUGA);
      expect(timeliness.body).not.toContain('Велижский район');

      // The registry page is the account's region's.
      const registry = await get('/registry', ofKaluga);
      expect(registry.body).toContain('Реестр: Калужская область');
      expect(registry.body).toContain('город Обнинск');
      expect(registry.body).not.toContain('Велижский район');
      expect((await get('/registry/vyazma', ofKaluga)).statusCode).toBe(404);
      const ownForm = await get('/registry/obninsk', ofKaluga);
      expect(ownForm.statusCode).toBe(200);
      const foreignChange = await portal.inject({
        method: 'POST',
        url: '/registry/vyazma',
        cookies: ofKaluga,
        payload: {
          _csrf: hiddenValue(ownForm.body, '_csrf'),
          requestId: hiddenValue(ownForm.body, 'requestId'),
          name: 'Захвачено',
          sectionTitle: 'Захвачено',
          email: 'evil@example.ru',
          headName: '',
          headEmail: '',
        },
      });
      expect(foreignChange.statusCode).toBe(404);
      expect((await stack.db.municipality.findUniqueOrThrow({ where: { code: 'vyazma' } })).email).toBe(
        'vyazma@mo.example.ru',
      );

      // Each region has its own opener schedule; «open now» of Kaluga's opens Kaluga's quarter only.
      expect((await stack.cli(['schedule', 'create', '--region', 'kaluga'])).code).toBe(0);
      expect((await client.schedule.getHandle(openerScheduleId('kaluga')).describe()).action).toMatchObject({
        workflowId: openerWorkflowId('kaluga'),
      });
      await expect(client.schedule.getHandle(OPENER_SCHEDULE_ID).describe()).rejects.toThrow();
      const opened = await stack.cli(['schedule', 'trigger', '--region', 'kaluga', '--json']);
      expect(opened.code, opened.stderr).toBe(0);
      const due = JSON.parse(opened.stdout) as { opened: boolean; quarter: string };
      expect(due).toMatchObject({ opened: true });
      expect(due.quarter).toMatch(/^\d{4}-Q[1-4]\.kaluga$/);
      expect((await stack.db.quarterRegion.findUniqueOrThrow({ where: { quarter: due.quarter } })).name).toBe(
        'Калужская область',
      );
      expect(await stack.db.quarterRegion.findUnique({ where: { quarter: due.quarter.split('.')[0]! } })).toBeNull();
    },
  );
});
