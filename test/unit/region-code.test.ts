import { describe, expect, it } from 'vitest';
import { regionCodeFromName } from '../../domain/region-code';
import { isRegionCode } from '../../domain/quarter';

describe('regionCodeFromName', () => {
  it.each([
    ['Калужская область', 'kaluzhskaya'],
    ['Тверская область', 'tverskaya'],
    ['Пермский край', 'permskiy'],
    ['Республика Карелия', 'kareliya'],
    ['Ханты-Мансийский автономный округ — Югра', 'khanty-mansiyskiy'],
    ['Moscow', 'moscow'],
  ])('%s → %s', (name, code) => {
    expect(regionCodeFromName(name)).toBe(code);
    expect(isRegionCode(code)).toBe(true);
  });

  it('gives null when nothing usable is left', () => {
    expect(regionCodeFromName('   ')).toBeNull();
    expect(regionCodeFromName('2024')).toBeNull();
  });
});
