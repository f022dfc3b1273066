// Alerts API and the live WebSocket feed, each filtered by what the caller may see.
import type { LiveMsg } from '@odart/protocol/api';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { OUTCOMES } from '../alerts/index.js';
import { AppError } from '../errors.js';
import type { HttpDeps } from './app.js';
import { OPEN_ALERT_STATES } from '../store/index.js';
import { pagedAlertIds } from './paged.js';
import { idParam, type Sessions } from './session.js';

/** WebSocket close code when the caller's session has ended. */
export const LIVE_SESSION_ENDED = 4401;

export const ackBody = z.object({ naloxone: z.boolean().optional() }).strict();
export const resolveBody = z.object({ outcome: z.enum(OUTCOMES), note: z.string().max(2000).optional() });
const liveClientMessage = z.object({ type: z.literal('seen'), alertId: z.string().min(1).max(64) });
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/** What the alert routes and the live feed use: their slice of HttpDeps and what app.ts shares among domains. */
export type AlertRouteDeps = Pick<HttpDeps, 'alerts' | 'clock' | 'live' | 'repos'> & { sessions: Sessions };

/** The alert routes and the live feed, a fastify plugin: app.ts registers it with `app.register(alertRoutes, deps)`. */
export async function alertRoutes(app: FastifyInstance, d: AlertRouteDeps): Promise<void> {
  const { sessions } = d;
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
    const body = ackBody.parse(req.body ?? {});
    return d.alerts.ack(id, user, 'app', { naloxone: body.naloxone === true });
  });

  // The app received a page (so no reminder SMS is needed); the live socket's {"type":"seen"} does the same.
  app.post('/api/alerts/:id/seen', async (req) => {
    const user = await sessions.require(req);
    const { id } = idParam.parse(req.params);
    return { seen: await d.alerts.seen(id, user, 'app') };
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

  app.get(
    '/api/live',
    {
      websocket: true,
      preValidation: async (req) => {
        await sessions.require(req);
      },
    },
    async (socket, req) => {
      const s = await sessions.current(req);
      if (!s) return socket.close(LIVE_SESSION_ENDED, 'session ended');
      const { user } = s;
      // 4401: the sign-in ended (logout, expiry, disabled, password reset); the app shows sign-in, not retries.
      const end = () => socket.close(LIVE_SESSION_ENDED, 'session ended');
      const send = (ev: LiveMsg) => {
        // Belt and braces to the expiry timer: an expired session is never sent anything.
        if (d.clock.now() >= s.expiresAt) return end();
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(ev));
      };
      const unsubscribe = d.live.subscribe(user.id, send, { sessionId: s.sessionId, close: end });
      const expiry = d.clock.setTimeout(() => {
        unsubscribe();
        end();
      }, s.expiresAt - d.clock.now());
      const stop = () => {
        unsubscribe();
        expiry.cancel();
      };
      socket.on('close', stop);
      socket.on('error', stop);
      // The only message a client sends: {"type":"seen","alertId"} when a page reached it. Anything else
      // is answered with a coded error on the socket and otherwise ignored.
      socket.on('message', (raw) => {
        const msg = liveClientMessage.safeParse(parseJson(String(raw)));
        if (!msg.success) {
          send({ type: 'error', error: { code: 'ODART_ERR_VALIDATION', message: 'expected {"type":"seen","alertId":"..."}' } });
          return;
        }
        d.alerts.seen(msg.data.alertId, user, 'live').catch((err: unknown) => {
          const code = err instanceof AppError ? err.code : 'ODART_ERR_INTERNAL';
          if (code === 'ODART_ERR_INTERNAL') req.log.error({ err }, 'live seen failed');
          send({ type: 'error', error: { code, message: err instanceof AppError ? err.message : 'Internal error' } });
        });
      });
      // Catch-up: the current list, so a client that reconnects misses nothing, and which open alerts
      // paged this user while they were offline (the app sounds its alarm for those).
      const list = await d.alerts.list(user);
      send({
        type: 'hello',
        alerts: list,
        paged: await pagedAlertIds(
          d,
          user.id,
          list.filter((a) => OPEN_ALERT_STATES.includes(a.state)).map((a) => a.id),
        ),
      });
    },
  );
}
