// What changed between two versions of a municipality's answer: the one computation behind
// `svodka quarter diff` and the portal's comparison page.
import { z } from 'zod';
import { diffVersions } from '../domain/diff';
import type { VersionDiff } from '../domain/diff';
import type { EventRow } from '../domain/types';
import { RefusedError } from './refusal';
import { municipalityField, quarterField } from './review-schemas';
import { defineUseCase } from './use-case';

const versionField = z.coerce
  .number({ error: 'Номер версии — целое положительное число.' })
  .int('Номер версии — целое положительное число.')
  .positive('Номер версии — целое положительное число.')
  .optional();

export type VersionFacts = {
  version: number;
  status: 'accepted' | 'rejected';
  kind: string;
  channel: string;
  rowCount: number;
  createdAt: Date;
};

export type VersionComparison = {
  quarter: string;
  municipality: { code: string; name: string };
  /** Every version of the answer, oldest first: what the surfaces offer to choose from. */
  versions: VersionFacts[];
  from: VersionFacts;
  to: VersionFacts;
  diff: VersionDiff;
};

const eventRow = (r: EventRow): EventRow => ({
  title: r.title,
  place: r.place,
  dates: r.dates,
  purpose: r.purpose,
  participants: r.participants,
});

export const compareVersions = defineUseCase({
  name: 'compareVersions',
  input: z.object({
    quarter: quarterField,
    municipality: municipalityField,
    /** Default: the version before `to`. */
    from: versionField,
    /** Default: the latest version. */
    to: versionField,
  }),
  async run(ctx, input): Promise<VersionComparison> {
    const m = await ctx.db.municipality.findUnique({ where: { code: input.municipality } });
    if (!m)
      throw new RefusedError(`Нет муниципального образования с кодом «${input.municipality}».`, 'not-found');
    const versions = await ctx.db.submission.findMany({
      where: { quarter: input.quarter, municipality: m.code },
      orderBy: { version: 'asc' },
      include: { rows: { orderBy: { position: 'asc' } } },
    });
    if (versions.length < 2 && !(input.from && input.to))
      throw new RefusedError(
        `У «${m.name}» за ${input.quarter} ${versions.length === 0 ? 'нет ни одной версии' : 'только одна версия'}: сравнивать не с чем.`,
        'conflict',
      );
    const to = input.to ?? versions.at(-1)!.version;
    const from = input.from ?? to - 1;
    const pick = (n: number) => {
      const v = versions.find((x) => x.version === n);
      if (!v)
        throw new RefusedError(
          `Нет версии ${n}; есть: ${versions.map((x) => x.version).join(', ') || 'ни одной'}.`,
          'not-found',
        );
      return v;
    };
    const [a, b] = [pick(from), pick(to)];
    const facts = (v: (typeof versions)[number]): VersionFacts => ({
      version: v.version,
      status: v.status === 'accepted' ? 'accepted' : 'rejected',
      kind: v.kind,
      channel: v.channel,
      rowCount: v.rowCount,
      createdAt: v.createdAt,
    });
    return {
      quarter: input.quarter,
      municipality: { code: m.code, name: m.name },
      versions: versions.map(facts),
      from: facts(a),
      to: facts(b),
      diff: diffVersions(a.rows.map(eventRow), b.rows.map(eventRow)),
    };
  },
});
