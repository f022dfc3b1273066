// Per-wearer detection thresholds, set by the wearer's service: GET shows defaults, overrides and
// the effective values; PUT replaces the overrides (validated, stored in wearers.thresholds) and
// the running detector takes them at once. GET .../calibration shows what the detector has learnt
// (each room sensor's motion scale, the personal baselines). Another service's wearer answers 404.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_THRESHOLDS, effectiveThresholds, parseStoredThresholds, thresholdsSchema } from '../detection/index.js';
import type { CalibrationView } from '@odart/protocol/api';
import type { UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { idParam, ownWearer, type Sessions } from './session.js';

/** What the threshold routes use: their slice of HttpDeps and what app.ts shares among domains. */
export type ThresholdRouteDeps = Pick<HttpDeps, 'log' | 'repos' | 'wearers' | 'calibration'> & { sessions: Sessions };

/** The threshold routes, a fastify plugin: app.ts registers it with `app.register(thresholdRoutes, deps)`. */
export async function thresholdRoutes(app: FastifyInstance, d: ThresholdRouteDeps): Promise<void> {
  const { sessions } = d;
  const adminWearer = async (req: FastifyRequest): Promise<{ user: UserRow; id: string; stored: string | null }> => {
    // Not an admin, or not this service's wearer: the same 404, so ids leak nothing.
    const user = await sessions.requireAdmin(req);
    const { id } = idParam.parse(req.params);
    const w = await ownWearer(d.repos, user, id);
    return { user, id, stored: w.thresholds };
  };
  const view = (id: string, overrides: ReturnType<typeof parseStoredThresholds>) => ({
    wearerId: id,
    defaults: DEFAULT_THRESHOLDS,
    overrides,
    effective: effectiveThresholds(overrides),
  });

  app.get('/api/admin/wearers/:id/thresholds', async (req) => {
    const { id, stored } = await adminWearer(req);
    return view(id, parseStoredThresholds(stored));
  });

  app.put('/api/admin/wearers/:id/thresholds', async (req) => {
    const { id } = await adminWearer(req);
    const overrides = thresholdsSchema.parse(req.body ?? {});
    const text = Object.keys(overrides).length > 0 ? JSON.stringify(overrides) : null;
    await d.repos.wearers.updateWearer(id, { thresholds: text });
    await d.wearers.wearerChanged(id);
    d.log.info({ wearerId: id, keys: Object.keys(overrides) }, 'detection thresholds changed');
    return view(id, overrides);
  });

  app.get('/api/admin/wearers/:id/calibration', async (req): Promise<CalibrationView> => {
    const { id } = await adminWearer(req);
    const c = d.calibration(id);
    return { wearerId: id, running: c !== null, room: c?.room ?? [], baselines: c?.baselines ?? { rr: null, spo2: null, hr: null } };
  });
}
