// Alerts API and the live WebSocket feed, each filtered by what the caller may see.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { OUTCOMES, type LiveEvent } from '../alerts/index.js';
import type { HttpDeps } from './app.js';
import { OPEN_ALERT_STATES } from '../store/index.js';
import { pagedAlertIds } from './paged.js';
import { idParam, type Sessions } from './session.js';

const resolveBody = z.object({ outcome: z.enum(OUTCOMES), note: z.string().max(2000).optional() });

export function registerAlertRoutes(app: FastifyInstance, d: HttpDeps, sessions: Sessions): void {
  app.get('/api/alerts', async (req) => {
    const user = await sessions.require(req);
    return d.alerts.list(user);
  });

  app.get('/api/alerts/:id', async (req) => {
    const user = await sessions.require(req);
    const { id } = idParam.parse(req.params);
    return d.alerts.detail(id, user);
  });

  app.post('/api/alerts/:id/ack', async (req) => {
    const user = await sessions.require(req);
    const { id } = idParam.parse(req.params);
    return d.alerts.ack(id, user, 'app');
  });

  // "I can't go": the chain moves on at once when nobody else in the current step can come.
  app.post('/api/alerts/:id/decline', async (req) => {
    const user = await sessions.require(req);
    const { id } = idParam.parse(req.params);
    return d.alerts.declineAsUser(id, user, 'app');
  });

  app.post('/api/alerts/:id/arrived', async (req) => {
    const user = await sessions.require(req);
    const { id } = idParam.parse(req.params);
    return d.alerts.arrived(id, user, 'app');
  });

  app.post('/api/alerts/:id/resolve', async (req) => {
    const user = await sessions.require(req);
    const { id } = idParam.parse(req.params);
    const body = resolveBody.parse(req.body ?? {});
    return d.alerts.resolve(id, user, body.outcome, body.note ?? null);
  });

  app.get('/api/live', {
    websocket: true,
    preValidation: async (req) => {
      await sessions.require(req);
    },
  }, async (socket, req) => {
    const user = await sessions.require(req);
    const send = (ev: LiveEvent | { type: 'hello'; alerts: unknown; paged: string[] }) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(ev));
    };
    const unsubscribe = d.live.subscribe(user.id, send);
    socket.on('close', unsubscribe);
    socket.on('error', unsubscribe);
    // Catch-up: the current list, so a client that reconnects misses nothing, and which open alerts
    // paged this user while they were offline (the app sounds its alarm for those).
    const list = await d.alerts.list(user);
    send({ type: 'hello', alerts: list, paged: await pagedAlertIds(d, user.id, list.filter((a) => OPEN_ALERT_STATES.includes(a.state)).map((a) => a.id)) });
  });
}
