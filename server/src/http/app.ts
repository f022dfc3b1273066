// The fastify app: REST API, live WebSocket, MQTT over WebSocket, Twilio webhooks, static responder app.
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify';
import { createWebSocketStream } from 'ws';
import { ZodError } from 'zod';
import type { AlertService, LiveHub, NoticeBoard } from '../alerts/index.js';
import type { DeviceBroker } from '../broker/index.js';
import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import type { Config } from '../config.js';
import type { Escalator } from '../escalation/index.js';
import { AppError, errorBody, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { SmsSender } from '../notify/index.js';
import type { Repos } from '../store/index.js';
import type { WearerService } from '../wearers/index.js';
import type { Calibration } from '../detection/index.js';
import { Sessions } from './session.js';
import { authRoutes } from './routes-auth.js';
import { alertRoutes } from './routes-alerts.js';
import { opsRoutes } from './routes-ops.js';
import { webhookRoutes } from './routes-webhooks.js';
import { adminRoutes } from './routes-admin.js';
import { thresholdRoutes } from './routes-thresholds.js';
import { chainRoutes } from './routes-chains.js';
import { channelRoutes } from './routes-channels.js';
import { bulkRoutes } from './routes-bulk.js';
import type { ConsentService } from '../consent/index.js';
import type { VitalsStore } from '../store/vitals.js';
import { testPageRoutes } from './routes-test-page.js';
import { registerSecurity } from './security.js';
import { consoleRoutes } from './routes-console.js';
import { responderRoutes } from './routes-responder.js';
import { consentRoutes } from './routes-consent.js';
import { serviceRoutes } from './routes-service.js';
import { rotaRoutes } from './routes-rotas.js';
import { accountRoutes } from './routes-accounts.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { pageRoutes } from './routes-page.js';
import { pushRoutes } from './routes-push.js';
import { kitRoutes } from './routes-kits.js';
import { handoffRoutes } from './routes-handoff.js';
import { openApiRoutes, trackRoutes } from './openapi.js';

/** Everything the HTTP layer is built from (server.ts); each route plugin is typed with only its slice. */
/** What a node says about the core (cluster/ CoreStatus and the tick lag): `role` is a contract (DESIGN.md). */
export interface NodeStatus {
  nodeId: string;
  role: 'active' | 'standby';
  epoch: number | null;
  holder: string | null;
  holderKnown: boolean;
  lastHolder: string | null;
  coreActive: boolean;
  leaseAgeMs: number | null;
  leaseRemainingMs: number | null;
  leaseFailures: number;
  /** ms since the core's 1 s tick last ran on this node */
  lagMs: number;
}

export interface HttpDeps {
  config: Config;
  repos: Repos;
  alerts: AlertService;
  live: LiveHub;
  broker: DeviceBroker;
  metrics: Metrics;
  sms: SmsSender;
  clock: Clock;
  ids: Ids;
  /** what follows a change of a wearer or device (wearers/): the admin, bulk and thresholds routes call it */
  wearers: WearerService;
  log: Logger;
  escalator: Escalator;
  /** true once broker, store and detection core are up and ticking */
  ready: () => Promise<boolean>;
  /** this node's role in the core lease (issue 14), for /healthz, /metrics and the console's no-core banner */
  coreStatus?: () => NodeStatus;
  staticDir: string;
  consent: ConsentService;
  vitals: VitalsStore;
  notices: NoticeBoard;
  /** the VAPID public key the app subscribes with (GET /api/push/vapid-public-key) */
  vapidPublicKey: string;
  /** what the detector has learnt about a wearer (GET /api/admin/wearers/:id/calibration); null: no data yet */
  calibration: (wearerId: string) => Calibration | null;
}

export async function buildHttpApp(d: HttpDeps): Promise<FastifyInstance> {
  // HTTPS with the MQTT TLS files when they are set (the app, /api/live and MQTT over WebSocket alike);
  // the cast: fastify types an https server apart, though routes and plugins are the same.
  const app = (Fastify as (o: object) => FastifyInstance)({
    ...(d.config.tls ? { https: { cert: d.config.tls.cert, key: d.config.tls.key, minVersion: 'TLSv1.2' } } : {}),
    loggerInstance: d.log.child({ part: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    trustProxy: d.config.TRUST_PROXY,
    return503OnClosing: true,
  });
  // Every route from here on is recorded, so a test can hold the OpenAPI catalogue to what is registered.
  trackRoutes(app);
  const sessions = new Sessions(d.repos, d.clock, d.config.SESSION_TTL_H * 3600_000, d.config.PUBLIC_URL.startsWith('https:'), d.live);

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
  await app.register(fastifyWebsocket, { options: { maxPayload: 256 * 1024 } });
  await registerSecurity(app, { publicUrl: d.config.PUBLIC_URL, mqttWsPath: d.config.MQTT_WS_PATH });

  app.setErrorHandler((err: FastifyError | AppError | ZodError | Error, req, reply) => {
    if (err instanceof AppError) return reply.code(err.statusCode).send(errorBody(err.code, err.message, err.fields));
    if (err instanceof ZodError) {
      const fields = [...new Set(err.issues.map((i) => i.path.join('.') || '(body)'))];
      // The first message per field, so a form can show it at the field (the shape stays {code, message}).
      const byField: Record<string, string> = {};
      for (const i of err.issues) byField[i.path.join('.') || '(body)'] ??= i.message;
      return reply.code(400).send(errorBody('ODART_ERR_VALIDATION', `invalid fields: ${fields.join(', ')}`, byField));
    }
    const fe = err as FastifyError;
    const map: Record<string, ErrorCode> = {
      FST_ERR_CTP_BODY_TOO_LARGE: 'ODART_ERR_PAYLOAD_TOO_LARGE',
      FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ODART_ERR_UNSUPPORTED_MEDIA',
      FST_ERR_CTP_INVALID_JSON_BODY: 'ODART_ERR_BAD_JSON',
      FST_ERR_CTP_EMPTY_JSON_BODY: 'ODART_ERR_BAD_JSON',
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ODART_ERR_VALIDATION',
      FST_ERR_VALIDATION: 'ODART_ERR_VALIDATION',
    };
    const code =
      (fe.code && map[fe.code]) || (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? 'ODART_ERR_VALIDATION' : undefined);
    if (code) {
      const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 400;
      return reply.code(status).send(errorBody(code));
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send(errorBody('ODART_ERR_INTERNAL'));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(errorBody('ODART_ERR_NOT_FOUND')));

  // MQTT over WebSocket on the HTTP port.
  app.get(d.config.MQTT_WS_PATH, { websocket: true }, (socket, req) => {
    const stream = createWebSocketStream(socket);
    stream.on('error', () => socket.terminate());
    d.broker.handleStream(stream, req.ip);
  });

  // One fastify plugin per domain; each plugin's deps type (XRouteDeps in its file) names only the parts
  // it uses, so the type checker keeps a domain off the rest. They are registered after the security
  // hooks, the error and not-found handlers and the cookie, form and websocket plugins, all on the root
  // context, so every plugin's (encapsulated) routes inherit them; plugins add no hooks of their own.
  const loginThrottle = new LoginThrottle(() => d.clock.now());
  const deps = { ...d, sessions, throttle: loginThrottle };
  await app.register(opsRoutes, deps);
  await app.register(authRoutes, deps);
  await app.register(accountRoutes, deps);
  await app.register(alertRoutes, deps);
  await app.register(webhookRoutes, deps);
  await app.register(adminRoutes, deps);
  await app.register(thresholdRoutes, deps);
  await app.register(chainRoutes, deps);
  await app.register(channelRoutes, deps);
  await app.register(bulkRoutes, deps);
  await app.register(consoleRoutes, deps);
  await app.register(responderRoutes, deps);
  await app.register(consentRoutes, deps);
  await app.register(serviceRoutes, deps);
  await app.register(pageRoutes, deps);
  await app.register(pushRoutes, deps);
  await app.register(kitRoutes, deps);
  await app.register(rotaRoutes, deps);
  await app.register(handoffRoutes, deps);
  await app.register(testPageRoutes, deps);
  await app.register(openApiRoutes, { publicUrl: d.config.PUBLIC_URL, mqttWsPath: d.config.MQTT_WS_PATH });

  if (existsSync(d.staticDir)) {
    await app.register(fastifyStatic, { root: path.resolve(d.staticDir), prefix: '/', index: ['index.html'] });
  } else {
    app.get('/', (_req, reply) => reply.type('text/plain').send('Responder app not built: run `npm run build:app`.\n'));
  }
  return app;
}

export { AppError };
