// The registry's use cases against a real SQLite database: each change lands, is audited once per
// action, and a quarter's snapshot keeps the registry as it was when the quarter opened; a bad
// registry file changes nothing; a second region comes from a file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMunicipality } from '../../application/add-municipality';
import { exportRegistry } from '../../application/export-registry';
import { importRegistry, RegistryRejectedError } from '../../application/import-registry';
import { mergeMunicipality } from '../../application/merge-municipality';
import { moveMunicipality } from '../../application/move-municipality';
import { retireMunicipality } from '../../application/retire-municipality';
import { setMunicipality } from '../../application/set-municipality';
import { execute, InvalidInputError } from '../../application/use-case';
import type { UseCaseContext } from '../../application/use-case';
import { createDbBlobStore } from '../../infrastructure/blobs';
import {
  activeMunicipalities,
  quarterRegion,
  quarterRegistry,
  snapshotRegistry,
} from '../../infrastructure/registry/snapshot';
import { currentRegion } from '../../infrastructure/registry/region';
import { compileReport } from '../../activities/reports';
import { readReportDocx } from '../../infrastructure/docx/read';
import { SMOLENSK_MUNICIPALITIES } from '../../domain/registry/smolensk';
import { createTestDb } from '../e2e/fakes';
import type { TestDb } from '../e2e/fakes';

let t: TestDb;
let ctx: UseCaseContext;

beforeAll(async () => {
  t = await createTestDb();
  ctx = {
    db: t.db,
    files: createDbBlobStore(t.db),
    temporal: () => Promise.reject(new Error('no Temporal here')),
    clock: () => new Date('2024-05-15T09:00:00Z'),
    actor: { name: 'coord', channel: 'cli', origin: 'cli@test' },
  };
});
afterAll(async () => {
  await t?.close();
});

const codes = async () =>
  (await activeMunicipalities(t.db, (await currentRegion(t.db)).id)).map((m) => m.code);
const registryState = async () =>
  (await t.db.municipality.findMany({ orderBy: { code: 'asc' } })).map(({ updatedAt: _u, ...m }) => m);
const audit = (action: string) => t.db.auditEntry.findMany({ where: { action }, orderBy: { id: 'asc' } });

describe('the registry use cases', () => {
  it('seeds the region and its 27 municipalities once; db setup again keeps the coordinator’s registry', async () => {
    const region = await currentRegion(t.db);
    expect(region.name).toBe('Смоленская область');
    expect(await codes()).toEqual(SMOLENSK_MUNICIPALITIES.map((m) => m.code));
  });

  it('add, set, move, retire and merge change the registry, each audited once per action', async () => {
    await execute(addMunicipality, ctx, {
      code: 'novy',
      name: 'Новый район',
      email: 'novy@mo.example.ru',
      headName: 'Петров П. П.',
      position: 3,
      actionId: 'add-1',
    });
    // The same action again (a retried request): refused, and no second entry.
    await expect(
      execute(addMunicipality, ctx, {
        code: 'novy',
        name: 'Новый район',
        email: 'novy@mo.example.ru',
        actionId: 'add-1',
      }),
    ).rejects.toThrow('Код «novy» уже занят: «Новый район».');
    expect((await codes()).slice(0, 4)).toEqual(['smolensk', 'velizh', 'novy', 'vyazma']);
    const added = await t.db.municipality.findUniqueOrThrow({ where: { code: 'novy' } });
    expect(added.sectionTitle).toBe('Муниципальное образование «Новый район» Смоленской области');
    expect((await audit('registry.add')).map((e) => [e.municipality, e.actor, e.actionId])).toEqual([
      ['novy', 'coord', 'add-1'],
    ]);

    const set = await execute(setMunicipality, ctx, {
      code: 'novy',
      name: 'Новый муниципальный округ',
      email: 'priemnaya@novy.example.ru',
      headEmail: '',
    });
    expect(set.changed.sort()).toEqual(['email', 'name', 'sectionTitle']);
    const renamed = await t.db.municipality.findUniqueOrThrow({ where: { code: 'novy' } });
    expect(renamed.sectionTitle).toBe(
      'Муниципальное образование «Новый муниципальный округ» Смоленской области',
    );
    const [setEntry] = await audit('registry.set');
    expect(JSON.parse(setEntry!.detail).changed.email).toEqual({
      from: 'novy@mo.example.ru',
      to: 'priemnaya@novy.example.ru',
    });

    await execute(moveMunicipality, ctx, { code: 'novy', position: '1' });
    expect((await codes()).slice(0, 2)).toEqual(['novy', 'smolensk']);
    await execute(moveMunicipality, ctx, { code: 'novy', position: 99 });
    expect((await codes()).at(-1)).toBe('novy');

    await execute(mergeMunicipality, ctx, { code: 'velizh', into: 'novy' });
    await execute(retireMunicipality, ctx, { code: 'novy' });
    expect(await codes()).not.toContain('velizh');
    expect(await codes()).not.toContain('novy');
    expect((await codes()).length).toBe(26);
    const velizh = await t.db.municipality.findUniqueOrThrow({ where: { code: 'velizh' } });
    expect([velizh.mergedInto, velizh.retiredAt?.toISOString()]).toEqual([
      'novy',
      '2024-05-15T09:00:00.000Z',
    ]);
    expect((await audit('registry.merge')).length).toBe(1);
    expect((await audit('registry.retire')).length).toBe(1);
    expect((await audit('registry.move')).length).toBe(2);
  });

  it('refuses, in Russian and changing nothing: unknown codes, retired ones, bad addresses, formulas', async () => {
    const before = await codes();
    const refusals: [Promise<unknown>, RegExp][] = [
      [
        execute(setMunicipality, ctx, { code: 'nope', email: 'a@b.ru' }),
        /Нет муниципального образования с кодом «nope»/,
      ],
      [
        execute(setMunicipality, ctx, { code: 'velizh', email: 'a@b.ru' }),
        /выведено из реестра \(присоединено к novy\)/,
      ],
      [
        execute(setMunicipality, ctx, { code: 'vyazma', email: 'не адрес' }),
        /не похоже на адрес электронной почты/,
      ],
      [execute(setMunicipality, ctx, { code: 'vyazma', name: '=1+1' }), /так начинаются формулы/],
      [execute(setMunicipality, ctx, { code: 'vyazma' }), /Нечего менять/],
      [execute(mergeMunicipality, ctx, { code: 'vyazma', into: 'vyazma' }), /к самому себе/],
      [
        execute(addMunicipality, ctx, { code: 'Bad Code', name: 'X', email: 'x@y.ru' }),
        /латинские строчные буквы/,
      ],
      [execute(moveMunicipality, ctx, { code: 'vyazma', position: '0' }), /целое число от 1/],
    ];
    for (const [promise, message] of refusals) {
      const err = await promise.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toMatch(message);
    }
    expect(await codes()).toEqual(before);
  });

  it('export → import round-trips; a bad file names its lines and changes nothing', async () => {
    const exported = await execute(exportRegistry, ctx, {});
    expect(exported.count).toBe(28);
    expect(exported.active).toBe(26);
    const before = await registryState();
    const again = await execute(importRegistry, ctx, { csv: exported.csv });
    expect(again).toMatchObject({ total: 28, added: 0, updated: 0, unchanged: 28, retired: 0 });
    expect(await registryState()).toEqual(before);

    // The whole file or nothing: the good rows before the bad one are not written either.
    const lines = exported.csv.trimEnd().split('\r\n');
    lines[2] = lines[2]!.replace('@mo.example.ru', '@new.example.ru');
    lines.push('extra,Лишний район,,not-an-address,,,,');
    const err = await execute(importRegistry, ctx, { csv: lines.join('\r\n') }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RegistryRejectedError);
    expect((err as RegistryRejectedError).errors).toEqual([
      'Строка 30: адрес «not-an-address» не похож на адрес электронной почты.',
    ]);
    expect(await registryState()).toEqual(before);

    // Leaving out a municipality of the region is refused: a registry file replaces the region's whole.
    const short = [lines[0], ...lines.slice(2, 10)].join('\r\n');
    const left = await execute(importRegistry, ctx, { csv: short }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((left as RegistryRejectedError).errors[0]).toMatch(
      /^В файле нет муниципальных образований, которые есть в реестре региона: smolensk, /,
    );
    expect(await registryState()).toEqual(before);
    expect((await audit('registry.import')).length).toBe(1);
  });

  it('a quarter keeps the registry as it opened: a rename and a new order after the start do not reach its report', async () => {
    const opened = await snapshotRegistry(t.db, '2024-Q1');
    expect(opened).toEqual(await codes());
    await execute(setMunicipality, ctx, {
      code: 'vyazma',
      name: 'Вяземский муниципальный округ',
      email: 'new@vyazma.example.ru',
    });
    await execute(moveMunicipality, ctx, { code: 'yartsevo', position: 1 });
    // A repeated start keeps the first snapshot.
    expect(await snapshotRegistry(t.db, '2024-Q1')).toEqual(opened);

    const old = await quarterRegistry(t.db, '2024-Q1');
    const vyazma = old.find((m) => m.code === 'vyazma')!;
    expect(vyazma.name).toBe('Вяземский район');
    expect(vyazma.sectionTitle).toBe('Муниципальное образование «Вяземский район» Смоленской области');
    // … but the address is the live one: the next email of the running quarter goes there.
    expect(vyazma.email).toBe('new@vyazma.example.ru');
    expect(old[0]!.code).toBe('smolensk');

    await snapshotRegistry(t.db, '2024-Q2');
    const fresh = await quarterRegistry(t.db, '2024-Q2');
    expect(fresh[0]!.code).toBe('yartsevo');
    expect(fresh.find((m) => m.code === 'vyazma')!.name).toBe('Вяземский муниципальный округ');

    // The report of each quarter: its own section titles.
    const sub = async (quarter: string) => {
      const id = `${quarter}-vyazma`;
      await t.db.submission.create({
        data: {
          id,
          quarter,
          municipality: 'vyazma',
          version: 1,
          kind: 'rows',
          channel: 'web',
          status: 'accepted',
          findings: '[]',
          rowCount: 1,
          rows: {
            create: [
              {
                position: 0,
                title: 'Встреча',
                place: 'Вязьма',
                dates: '10.02.2024',
                purpose: 'Дружба',
                participants: 'Делегация',
              },
            ],
          },
        },
      });
      const r = await compileReport(t.db, ctx.files, {
        quarter,
        kind: 'draft',
        entries: [{ code: 'vyazma', state: 'accepted', submissionId: id, nil: false }],
      });
      return readReportDocx((await ctx.files.get(r.sha256))!);
    };
    const q1 = await sub('2024-Q1');
    const q2 = await sub('2024-Q2');
    expect(q1.sections.map((s) => s.title)).toContain(
      'Муниципальное образование «Вяземский район» Смоленской области',
    );
    expect(q2.sections.map((s) => s.title)).toContain(
      'Муниципальное образование «Вяземский муниципальный округ» Смоленской области',
    );
    expect(q1.title).toMatch(/Смоленской области в I квартале 2024 года$/);
  });

  it('a second region comes from a registry file, with its own name in its titles', async () => {
    const csv =
      'code;name;email\ntver;город Тверь;tver@mo.example.ru\nrzhev;Ржевский муниципальный округ;rzhev@mo.example.ru\n';
    const r = await execute(importRegistry, ctx, { csv, region: 'Тверская область' });
    expect(r).toMatchObject({ region: 'Тверская область', createdRegion: true, added: 2 });
    const tver = await currentRegion(t.db, 'Тверская область');
    expect(tver.genitive).toBe('Тверской области');
    expect((await activeMunicipalities(t.db, tver.id)).map((m) => m.sectionTitle)).toEqual([
      'Муниципальное образование «город Тверь» Тверской области',
      'Муниципальное образование «Ржевский муниципальный округ» Тверской области',
    ]);
    // Codes are the installation's: another region's file may not take one.
    const clash = await execute(importRegistry, ctx, {
      csv: 'code,name,email\nvyazma,Вязьма,v@x.ru\n',
      region: 'Новгородская область',
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((clash as RegistryRejectedError).errors[0]).toMatch(
      /^Строка 2: код «vyazma» уже занят муниципальным образованием другого региона/,
    );
    expect(await t.db.region.findUnique({ where: { name: 'Новгородская область' } })).toBeNull();

    // The installation's region is chosen by SVODKA_REGION; its quarter's snapshot and title follow it.
    process.env.SVODKA_REGION = 'Тверская область';
    try {
      expect(await snapshotRegistry(t.db, '2031-Q1')).toEqual(['tver', 'rzhev']);
      expect((await quarterRegion(t.db, '2031-Q1')).genitive).toBe('Тверской области');
    } finally {
      delete process.env.SVODKA_REGION;
    }
    expect((await quarterRegion(t.db, '2024-Q1')).name).toBe('Смоленская область');
  });
});
