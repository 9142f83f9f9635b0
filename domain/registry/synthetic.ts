// A synthetic registry for scale tests: a region of thousands of municipal formations.

import type { Municipality } from '../types';

/** count municipalities m00001, m00002, … named «Муниципальное образование № 1», … in that order. */
export function generateRegistry(count: number): Municipality[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(
      `Число муниципальных образований должно быть целым и неотрицательным, получено: ${count}`,
    );
  }
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const code = `m${String(n).padStart(5, '0')}`;
    const name = `Муниципальное образование № ${n}`;
    return {
      code,
      name,
      sectionTitle: name,
      position: n,
      email: `${code}@mo.example.ru`,
      headEmail: `glava.${code}@mo.example.ru`,
    };
  });
}
