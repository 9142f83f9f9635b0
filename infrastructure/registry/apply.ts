// Writing a whole registry file into a region, in one transaction: the file's order becomes the
// region order, new codes are added, known ones updated, «выведено» rows retired. Anything that
// does not fit (a code of another region, a municipality of the region the file leaves out, a merge
// into an unknown code) is reported by line and nothing is written.
import { defaultSectionTitle } from '../../domain/registry/region';
import type { RegistryRow } from '../../domain/registry/csv';
import type { Db } from '../db/client';

export class RegistryRejectedError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
    this.name = 'RegistryRejectedError';
  }
}

export type ApplyReport = {
  added: number;
  updated: number;
  unchanged: number;
  retired: number;
  total: number;
};

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** Moves a region's positions out of the way (negative) so they can be written afresh without clashing. */
export async function clearPositions(tx: Tx, regionId: number): Promise<void> {
  await tx.$executeRaw`UPDATE "Municipality" SET "position" = -"position" - 1 WHERE "regionId" = ${regionId}`;
}

export async function applyRegistryRows(
  db: Db,
  region: { id: number; genitive: string },
  rows: RegistryRow[],
  now: Date,
): Promise<ApplyReport> {
  return db.$transaction(async (tx) => {
    const codes = rows.map((r) => r.code);
    const existing = new Map<string, Awaited<ReturnType<typeof tx.municipality.findMany>>[number]>();
    for (let i = 0; i < codes.length; i += 500)
      for (const m of await tx.municipality.findMany({ where: { code: { in: codes.slice(i, i + 500) } } }))
        existing.set(m.code, m);
    const errors: string[] = [];
    for (const r of rows) {
      const m = existing.get(r.code);
      if (m && m.regionId !== region.id)
        errors.push(
          `Строка ${r.line}: код «${r.code}» уже занят муниципальным образованием другого региона («${m.name}»); коды в одной установке не повторяются.`,
        );
    }
    const inFile = new Set(codes);
    const left = await tx.municipality.findMany({
      where: { regionId: region.id, retiredAt: null, code: { notIn: codes } },
      orderBy: { position: 'asc' },
      select: { code: true },
    });
    if (left.length > 0)
      errors.push(
        `В файле нет муниципальных образований, которые есть в реестре региона: ${left.map((m) => m.code).join(', ')}. ` +
          'Добавьте их в файл или отметьте «выведено» в столбце status — реестр из файла заменяет реестр региона целиком.',
      );
    for (const r of rows) {
      if (!r.mergedInto || inFile.has(r.mergedInto)) continue;
      const target = await tx.municipality.findUnique({ where: { code: r.mergedInto } });
      // The one it joined may have been reformed since (retired in its turn): it need only be of the region.
      if (!target || target.regionId !== region.id)
        errors.push(
          `Строка ${r.line}: «${r.mergedInto}», к которому присоединено «${r.code}», нет в реестре региона.`,
        );
    }
    if (errors.length > 0) throw new RegistryRejectedError(errors);

    await clearPositions(tx, region.id);
    const report: ApplyReport = { added: 0, updated: 0, unchanged: 0, retired: 0, total: rows.length };
    // The active ones take places 1…n in the file's order; the retired ones follow.
    const ordered = [...rows.filter((r) => !r.retired), ...rows.filter((r) => r.retired)];
    for (const [i, r] of ordered.entries()) {
      const data = {
        name: r.name,
        sectionTitle: r.sectionTitle || defaultSectionTitle(r.name, region.genitive),
        email: r.email,
        headEmail: r.headEmail,
        headName: r.headName,
        mergedInto: r.mergedInto,
      };
      const m = existing.get(r.code);
      if (!m) {
        await tx.municipality.create({
          data: {
            code: r.code,
            regionId: region.id,
            position: i + 1,
            ...data,
            retiredAt: r.retired ? now : null,
          },
        });
        report.added++;
        if (r.retired) report.retired++;
        continue;
      }
      const retiredAt = r.retired ? (m.retiredAt ?? now) : null;
      const same =
        (Object.keys(data) as (keyof typeof data)[]).every((k) => m[k] === data[k]) &&
        Boolean(m.retiredAt) === r.retired &&
        m.position === i + 1;
      await tx.municipality.update({
        where: { code: r.code },
        data: { ...data, position: i + 1, retiredAt },
      });
      if (r.retired && !m.retiredAt) report.retired++;
      if (same) report.unchanged++;
      else report.updated++;
    }
    // Retired municipalities the file does not mention keep their relative order after the rest.
    const rest = await tx.municipality.findMany({
      where: { regionId: region.id, position: { lt: 0 } },
      orderBy: { position: 'desc' },
      select: { code: true },
    });
    for (const [i, m] of rest.entries())
      await tx.municipality.update({ where: { code: m.code }, data: { position: rows.length + i + 1 } });
    return report;
  });
}
