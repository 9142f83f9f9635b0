// Quarter keys against the installation's regions: the home region's quarters keep the bare period,
// another region's carry its code, and one quarter never has two keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importRegistry } from '../../application/import-registry';
import { execute } from '../../application/use-case';
import type { UseCaseContext } from '../../application/use-case';
import { createDbBlobStore } from '../../infrastructure/blobs';
import {
  canonicalQuarterKey,
  keyRegionCode,
  regionOfQuarter,
  RegionNotFoundError,
} from '../../infrastructure/registry/region';
import { quarterRegion, snapshotRegistry } from '../../infrastructure/registry/snapshot';
import { seedRegistryInto } from '../../infrastructure/registry/seed';
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
  await execute(importRegistry, ctx, {
    csv: 'code,name,email\nkaluga-city,город Калуга,k@x.ru\nobninsk,город Обнинск,o@x.ru\n',
    region: 'Калужская область',
    code: 'kaluga',
  });
});
afterAll(async () => {
  await t?.close();
});

describe('quarter keys of the installation’s regions', () => {
  it('gives the seed region its code, and each key its region', async () => {
    expect((await t.db.region.findFirstOrThrow({ orderBy: { id: 'asc' } })).code).toBe('smolensk');
    expect((await regionOfQuarter(t.db, '2024-Q2')).name).toBe('Смоленская область');
    expect((await regionOfQuarter(t.db, '2024-Q2.kaluga')).name).toBe('Калужская область');
    await expect(regionOfQuarter(t.db, '2024-Q2.tver')).rejects.toThrow(
      /Региона с кодом «tver» в установке нет; коды регионов установки: smolensk, kaluga/,
    );
  });

  it('forms one key per quarter', async () => {
    expect(await canonicalQuarterKey(t.db, '2024-q2')).toBe('2024-Q2');
    expect(await canonicalQuarterKey(t.db, '2024-Q2', 'kaluga')).toBe('2024-Q2.kaluga');
    expect(await canonicalQuarterKey(t.db, '2024-Q2.KALUGA')).toBe('2024-Q2.kaluga');
    // The home region named by its code is still the bare key: no second quarter under another name.
    expect(await canonicalQuarterKey(t.db, '2024-Q2.smolensk')).toBe('2024-Q2');
    expect(await canonicalQuarterKey(t.db, '2024-Q2', 'smolensk')).toBe('2024-Q2');
    await expect(canonicalQuarterKey(t.db, '2024-Q2.kaluga', 'smolensk')).rejects.toThrow(RegionNotFoundError);
    await expect(canonicalQuarterKey(t.db, '2024-Q2', 'tver')).rejects.toThrow(RegionNotFoundError);
    expect(await keyRegionCode(t.db, 'smolensk')).toBeNull();
    expect(await keyRegionCode(t.db, 'kaluga')).toBe('kaluga');
    expect(await keyRegionCode(t.db, undefined)).toBeNull();
  });

  it('snapshots each quarter with its own region’s registry', async () => {
    expect(await snapshotRegistry(t.db, '2031-Q1.kaluga')).toEqual(['kaluga-city', 'obninsk']);
    expect((await quarterRegion(t.db, '2031-Q1.kaluga')).genitive).toBe('Калужской области');
    expect((await snapshotRegistry(t.db, '2031-Q1')).length).toBe(27);
    expect((await quarterRegion(t.db, '2031-Q1')).name).toBe('Смоленская область');
  });

  it('derives a new region’s code from its name, refuses a taken or malformed one', async () => {
    const tver = await execute(importRegistry, ctx, {
      csv: 'code,name,email\ntver,город Тверь,t@x.ru\n',
      region: 'Тверская область',
    });
    expect(tver).toMatchObject({ createdRegion: true, regionCode: 'tverskaya' });
    await expect(
      execute(importRegistry, ctx, {
        csv: 'code,name,email\nbryansk,город Брянск,b@x.ru\n',
        region: 'Брянская область',
        code: 'kaluga',
      }),
    ).rejects.toThrow(/Код региона «kaluga» уже занят/);
    await expect(
      execute(importRegistry, ctx, {
        csv: 'code,name,email\nbryansk,город Брянск,b@x.ru\n',
        region: 'Брянская область',
        code: '../x',
      }),
    ).rejects.toThrow(/Код региона: латинские буквы/);
    expect(await t.db.region.findUnique({ where: { name: 'Брянская область' } })).toBeNull();
  });

  it('gives an installation set up before codes its seed code at the next db setup', async () => {
    await t.db.region.update({ where: { code: 'smolensk' }, data: { code: null } });
    await seedRegistryInto(t.db);
    expect((await t.db.region.findFirstOrThrow({ orderBy: { id: 'asc' } })).code).toBe('smolensk');
  });
});
