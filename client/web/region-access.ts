// Accounts per region: a coordinator or auditor of one region (User.regionId) sees and acts on that
// region's quarters only. One hook for every route with a quarter in its path, so no page (status,
// report, review, exports, sign-off, timeline) can forget the check; another region's quarter is a
// 404, as if it did not exist. The page's header and footer name the quarter's region (on a
// municipality's page too), or the account's own.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { parseQuarterKey } from '../../domain/quarter';
import type { Db } from '../../infrastructure/db/client';
import { resolveToken } from '../../infrastructure/tokens';
import { keyRegionCode, regionOfQuarter, RegionNotFoundError } from '../../infrastructure/registry/region';
import type { RegionRecord } from '../../infrastructure/registry/region';
import type { Viewer } from './auth';
import type { PortalContext } from './context';
import { forbidden, notFound } from './errors';

/** The region a quarter belongs to: as recorded when it opened, else as its key names it; null: no such region. */
export async function regionOfQuarterRecord(db: Db, quarter: string): Promise<RegionRecord | null> {
  const snap = await db.quarterRegion.findUnique({ where: { quarter } });
  if (snap) {
    const region = await db.region.findUnique({ where: { id: snap.regionId } });
    return { id: snap.regionId, name: snap.name, genitive: snap.genitive, code: region?.code ?? null };
  }
  try {
    parseQuarterKey(quarter);
    return await regionOfQuarter(db, quarter);
  } catch (err) {
    if (err instanceof RegionNotFoundError || (err as Error).name === 'QuarterFormatError') return null;
    throw err;
  }
}

function quarterOf(request: FastifyRequest): string | null {
  const quarter = (request.params as { quarter?: unknown } | undefined)?.quarter;
  return typeof quarter === 'string' ? quarter : null;
}

/** The opener schedule an account sees and sets: its region's (null: the home region's). */
export async function viewerScheduleRegion(ctx: PortalContext, viewer: Viewer): Promise<string | null> {
  const own = viewer.user.regionId ?? null;
  if (own === null) return null;
  const region = await ctx.db.region.findUnique({ where: { id: own } });
  return keyRegionCode(ctx.db, region?.code ?? null);
}

/**
 * Pages of the whole installation: accounts and their lockouts, the coordinator's notifications,
 * replies not matched to any municipality (of any region). The administrator's, not one region's.
 */
const INSTALLATION_PAGES = ['/users', '/notifications', '/mail'];

/** A quarter's region is recorded once, when it opens; its name and code show within this long. */
const QUARTER_REGION_TTL_MS = 5_000;

export function registerRegionAccess(app: FastifyInstance, ctx: PortalContext): void {
  // Every municipality's request names its quarter's region: one lookup per quarter every few
  // seconds, not two queries per request (the upload path's budget is a few milliseconds).
  // fetch() shares one lookup among the requests that arrive while it runs; a quarter with no
  // region (not opened, its region gone) is not kept.
  const quarterRegions = new LRUCache<string, RegionRecord>({
    max: 1000,
    ttl: QUARTER_REGION_TTL_MS,
    fetchMethod: async (quarter) => (await regionOfQuarterRecord(ctx.db, quarter)) ?? undefined,
  });
  const regionOf = async (quarter: string): Promise<RegionRecord | null> =>
    (await quarterRegions.fetch(quarter)) ?? null;
  app.addHook('preHandler', async (request) => {
    const quarter = quarterOf(request);
    const path = request.url.split('?')[0] ?? '';
    // A municipality's page names its quarter's region, whichever region that is.
    const token = (request.params as { token?: unknown } | undefined)?.token;
    if (path.startsWith('/m/') && typeof token === 'string') {
      // Resolved once per request: the route reads it from here (revocation still counts at once).
      const scope = await resolveToken(ctx.db, token);
      request.svodkaToken = { token, scope };
      const region = scope ? await regionOf(scope.quarter) : null;
      if (region) request.svodkaRegion = region;
      return;
    }
    const installationWide = INSTALLATION_PAGES.some((p) => path === p || path.startsWith(`${p}/`));
    const scoped =
      quarter !== null || path === '/quarters' || path.startsWith('/registry') || installationWide;
    if (!scoped) return;
    const quarterRegion = quarter ? await regionOf(quarter) : null;
    if (quarterRegion) request.svodkaRegion = quarterRegion;
    // An unsigned visitor is sent to sign in by the route itself.
    const viewer = await ctx.viewer(request);
    const own = viewer?.user.regionId ?? null;
    if (own === null) return;
    if (installationWide)
      throw forbidden(
        'Эта страница — общая для всех регионов установки (учетные записи, уведомления, неразобранная почта): ' +
          'она доступна администратору установки, а не координатору одного региона.',
      );
    if (quarter !== null && quarterRegion?.id !== own)
      throw notFound(`Квартала ${quarter} нет среди кварталов вашего региона.`);
    // A municipality's registry page and its changes: of the account's region only.
    const code = (request.params as { code?: unknown } | undefined)?.code;
    if (path.startsWith('/registry/') && typeof code === 'string') {
      const m = await ctx.db.municipality.findUnique({ where: { code }, select: { regionId: true } });
      if (m && m.regionId !== own)
        throw notFound('Такого муниципального образования нет в реестре вашего региона.');
    }
    if (!quarterRegion) {
      const region = await ctx.db.region.findUnique({ where: { id: own } });
      if (region)
        request.svodkaRegion = {
          id: region.id,
          name: region.name,
          genitive: region.genitive,
          code: region.code,
        };
    }
  });
}
