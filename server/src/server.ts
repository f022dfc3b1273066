// Composition root as a function: config -> store -> broker -> core -> http, and orderly shutdown.
// main.ts calls it for `npm start`; integration tests call it on random ports.
import type { Agent } from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { CoreLease } from './cluster/index.js';
import { AlertService, ClusterPresence, LiveHub, NoticeBoard, liveAppPager, relayLive, subscribeLiveFanOut } from './alerts/index.js';
import { Broker, ExternalBroker, MosquittoDynsec, type BrokerProvisioning, type DeviceBroker } from './broker/index.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { Config } from './config.js';
import { seedDemo, type DemoCredentials } from './demo/seed.js';
import { DetectionEngine, ROOM, SNAPSHOT_VERSION, TICK_PARTS, WEARABLE } from './detection/index.js';
import { Escalator } from './escalation/index.js';
import { ClusterBus, InProcessBus, crossesNodes, type Bus, type Events } from './events/index.js';
import { buildHttpApp } from './http/app.js';
import { randomIds, randomUUID, type Ids } from './ids.js';
import { DURABLE_STREAMS, DetectorSnapshotter, DeviceDirectory, Ingest, rebuildDetectors } from './ingest/index.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import {
  createChannels,
  FakeSms,
  FakeVoice,
  loadVapidKeys,
  TwilioSms,
  TwilioVoice,
  type SmsSender,
  type VoiceCaller,
} from './notify/index.js';
import { openStore, type PgNotifyTransport, type Repos } from './store/index.js';
import type { VitalsStore } from './store/vitals.js';
import { ConsentService } from './consent/index.js';
import { loadServerSecret } from './auth/server-secret.js';
import { PageLinks } from './escalation/page-links.js';
import { WearerService, WearerThresholds } from './wearers/index.js';
import { CoreHealth, Heartbeat, MonitoringBeacon } from './health/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_STATIC_DIR = path.resolve(here, '../../responder-app/dist');
/** Cluster mode: each node sends its whole list of live connections this often (a silent node counts after 3 times it). */
const PRESENCE_EVERY_MS = 5000;

export interface ServerOptions {
  clock?: Clock;
  ids?: Ids;
  log?: Logger;
  sms?: SmsSender;
  voice?: VoiceCaller;
  staticDir?: string;
  metricsDefaults?: boolean;
  /** tests only: the HTTPS agent of Web Push requests (trusting a local push service's certificate) */
  pushAgent?: Agent;
  /** tests only: the HTTPS agent of alarm-centre hand-off requests (trusting a local centre's certificate) */
  handoffAgent?: Agent;
}

export interface RunningServer {
  httpPort: number;
  /** the port devices connect to: the embedded broker's, or in external mode MQTT_URL's */
  mqttPort: number;
  /** MQTT over TLS (MQTT_TLS_PORT), null without TLS settings */
  mqttTlsPort: number | null;
  http: FastifyInstance;
  /** the device broker port: the embedded broker or the external broker's client (MQTT_URL) */
  broker: DeviceBroker;
  /** the embedded aedes broker; null in external mode */
  embeddedBroker: Broker | null;
  /** external mode: device credentials and ACL in the broker; null with the embedded broker */
  provisioning: BrokerProvisioning | null;
  repos: Repos;
  alerts: AlertService;
  engine: DetectionEngine;
  escalator: Escalator;
  metrics: Metrics;
  log: Logger;
  ingest: Ingest;
  clock: Clock;
  demo: DemoCredentials | null;
  consent: ConsentService;
  vitals: VitalsStore;
  live: LiveHub;
  notices: NoticeBoard;
  bus: Bus;
  /** DATABASE_URL: the cross-node bus and its LISTEN/NOTIFY transport; null in one process (SQLite) */
  crossNode: { nodeId: string; bus: ClusterBus<Events>; transport: PgNotifyTransport; presence: ClusterPresence } | null;
  wearers: WearerService;
  /** the core lease: this node's role (active or standby) and fence; the embedded single node is always active */
  core: CoreLease;
  /** ingest, detection, escalation and the store all doing their job (health/core-health.ts) */
  health: CoreHealth;
  /** the dead man's switch; null without HEARTBEAT_URL */
  heartbeat: Heartbeat | null;
  /** the `monitoring` command to devices every minute */
  monitoring: MonitoringBeacon;
  close(): Promise<void>;
}

export async function startServer(config: Config, opts: ServerOptions = {}): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  const metrics = createMetrics({ defaults: opts.metricsDefaults ?? true });

  const leaseMs = config.CORE_LEASE_S * 1000;
  const renewMs = Math.floor(leaseMs / 3);
  // A query not answered within the renew window cannot serve the core before its deadline: it fails, counted.
  const store = await openStore(config.DATA_DIR, config.DATABASE_URL, {
    queryTimeoutMs: leaseMs - renewMs,
    onQueryTimeout: () => metrics.storeQueryTimeouts.inc(),
    onConnectionLost: (err) => log.warn({ err }, 'a PostgreSQL connection in use was ended (it is closed; its query or transaction fails)'),
  });
  const { repos } = store;
  // Production never seeds: the demo chain pages made-up numbers and its accounts have printed passwords.
  const demo =
    config.NODE_ENV === 'production'
      ? null
      : await seedDemo(repos, {
          demoPassword: config.DEMO_PASSWORD,
          demoDeviceSecret: config.DEMO_DEVICE_SECRET,
          now: clock.now(),
          dataDir: config.DATA_DIR,
          passwordCost: config.passwordCost,
        });

  // One process: the in-process bus. On PostgreSQL (DATABASE_URL) other nodes may share the database: the
  // catalogue's `cluster` events cross over LISTEN/NOTIFY (events/cluster-bus.ts, store/pg-notify.ts).
  const busLog = log.child({ part: 'events' });
  const onHandlerError = (event: string) => metrics.eventHandlerErrors.inc({ event });
  const transport = store.eventTransport({ clock, log: busLog });
  const nodeId = `node_${randomUUID()}`;
  let resync: () => Promise<void> = async () => {};
  const clusterBus = transport
    ? new ClusterBus<Events>({
        log: busLog,
        onHandlerError,
        nodeId,
        transport,
        crosses: crossesNodes,
        metrics,
        onResync: () => resync(),
      })
    : null;
  const bus: Bus = clusterBus ?? new InProcessBus<Events>({ log: busLog, onHandlerError });
  const live = new LiveHub();
  subscribeLiveFanOut(bus, { repos, live });
  if (clusterBus) relayLive(bus, live);
  // Cluster mode: which users have the app open on the other nodes (an app page reaches them there too).
  const presence = clusterBus ? new ClusterPresence({ bus, live, nodeId, clock, everyMs: PRESENCE_EVERY_MS }) : null;
  const notices = new NoticeBoard({ repos, clock, ids, live, log: log.child({ part: 'notices' }) });
  notices.attach();
  const directory = new DeviceDirectory(repos);
  await directory.load();
  const thresholds = new WearerThresholds();
  await thresholds.load(repos);
  const checkinWindowMs = config.CHECKIN_WINDOW_S * 1000;
  // Node roles (cluster/, issue 14): on PostgreSQL the holder of the core lease runs the core; with SQLite the one
  // node holds it alone. onActive and onStandby are set once the parts they start and stop exist.
  const coreHooks: { active(): Promise<void>; standby(): Promise<void> } = { active: async () => {}, standby: async () => {} };
  const core = new CoreLease({
    lease: config.DATABASE_URL ? repos.lease : undefined,
    clock,
    log: log.child({ part: 'cluster' }),
    nodeId: config.NODE_ID,
    leaseMs,
    renewMs,
    onActive: () => coreHooks.active(),
    onStandby: () => coreHooks.standby(),
    metrics,
  });
  const engine = new DetectionEngine((id) => ({ checkinWindowMs, ...thresholds.get(id) }));

  // The SDK's own timeout is only a backstop: the dispatcher times calls out on the injected clock.
  const providerTimeoutMs = config.NOTIFY_TIMEOUT_MS + 5000;
  const sms = opts.sms ?? (config.twilio ? new TwilioSms(config.twilio, providerTimeoutMs) : new FakeSms(repos, clock));
  const voice = opts.voice ?? (config.twilio ? new TwilioVoice(config.twilio, providerTimeoutMs) : new FakeVoice(repos.esc, clock));
  const vapid = loadVapidKeys(
    config.DATA_DIR,
    { publicKey: config.VAPID_PUBLIC_KEY, privateKey: config.VAPID_PRIVATE_KEY },
    config.VAPID_SUBJECT,
  );
  // The channels pages go out on (notify/registry.ts); webhook URLs only with a real provider.
  const channels = createChannels({
    app: liveAppPager(live),
    sms,
    voice,
    smsStatusCallback: config.twilio ? `${config.PUBLIC_URL}/webhooks/twilio/status` : undefined,
    voiceStatusCallback: config.twilio ? `${config.PUBLIC_URL}/webhooks/twilio/status` : undefined,
    voiceGatherUrl: `${config.PUBLIC_URL}/webhooks/twilio/voice`,
    push: {
      subscriptions: repos.push,
      vapid,
      now: () => clock.now(),
      timeoutMs: providerTimeoutMs,
      ...(opts.pushAgent ? { agent: opts.pushAgent } : {}),
    },
    handoff: {
      endpoints: repos.handoff,
      now: () => clock.now(),
      sender: `odart@${new URL(config.PUBLIC_URL).hostname}`,
      timeoutMs: providerTimeoutMs,
      allowHttpLocalhost: config.NODE_ENV !== 'production',
      ...(opts.handoffAgent ? { agent: opts.handoffAgent } : {}),
    },
  });
  const escalator = new Escalator({
    repos,
    clock,
    ids,
    channels,
    bus,
    log: log.child({ part: 'escalation' }),
    metrics,
    publicUrl: config.PUBLIC_URL,
    ackTimeoutMs: config.ACK_TIMEOUT_S * 1000,
    ratePerS: config.SMS_RATE_PER_S,
    notifyTimeoutMs: config.NOTIFY_TIMEOUT_MS,
    maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
    retryBaseMs: config.NOTIFY_RETRY_BASE_MS,
    checkinWindowMs: config.CHECKIN_WINDOW_S * 1000,
    pageReminderMs: config.PAGE_REMINDER_S * 1000,
    links: new PageLinks(loadServerSecret(config.DATA_DIR, config.PAGE_LINK_SECRET)),
    core,
  });

  // alerts/ subscribes itself to detection decisions and to what escalation tells.
  const alerts = new AlertService({
    repos,
    clock,
    ids,
    live,
    escalator,
    bus,
    log: log.child({ part: 'alerts' }),
    metrics,
    checkinWindowMs,
    core,
  });
  bus.subscribe('alert.episodeClosed', (e) => engine.closeEpisode(e.wearerId));
  const vitals = store.vitals((err) => log.error({ err }, 'vitals write failed'));
  bus.subscribe('vitals.sample', (e) => vitals.record(e.wearerId, e.deviceId, e.message, e.at));
  const consent = new ConsentService({
    repos,
    clock,
    sms,
    bus,
    log: log.child({ part: 'consent' }),
    vitals,
    publicUrl: config.PUBLIC_URL,
    retentionDays: config.VITALS_RETENTION_DAYS,
    linkTtlMs: config.CONSENT_LINK_TTL_H * 3600_000,
  });
  const ingest = new Ingest({
    directory,
    engine,
    clock,
    log: log.child({ part: 'ingest' }),
    metrics,
    maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
    bus,
  });

  // The embedded aedes broker, or (MQTT_URL) a client of an external broker and its provisioning port.
  let broker: DeviceBroker;
  let embeddedBroker: Broker | null = null;
  let provisioning: BrokerProvisioning | null = null;
  let mqttPort = 0;
  let mqttTlsPort: number | null = null;
  if (config.mqttExternal) {
    const brokerLog = log.child({ part: 'broker' });
    const external = await ExternalBroker.connect({
      ...config.mqttExternal,
      // the control connection's own id; the shared MQTT_CLIENT_ID is the core's session, opened on becoming active
      controlClientId: `${config.mqttExternal.clientId}-${config.NODE_ID}`.slice(0, 200),
      // presses and door events on a queue of their own in the broker, never dropped behind vitals
      discreteStreams: DURABLE_STREAMS,
      log: brokerLog,
      clock,
      maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
      onDeviceMessage: (topic, payload, raw) => (core.active ? ingest.handle(topic, payload, raw) : undefined),
      onOversized: (deviceId) => ingest.tooLarge(deviceId),
      mayAct: () => core.active,
      // a press not stored within the renew window frees the session's stream, unacknowledged
      holdMs: leaseMs - renewMs,
    }).catch(async (err: unknown) => {
      // start-up stops here (a refused login, an untrusted certificate): nothing is left open
      vitals.stop();
      await store.close();
      throw err;
    });
    broker = external;
    try {
      const dynsec = await MosquittoDynsec.start({ client: external.client, repos, clock, log: brokerLog });
      provisioning = dynsec;
      // The demo seed is the one moment its secrets are known in plaintext.
      if (demo) for (const [id, secret] of Object.entries(demo.devices)) await dynsec.deviceChanged(id, secret);
      const sync = await dynsec.resync();
      if (sync.withoutAccount.length > 0) {
        brokerLog.warn({ devices: sync.withoutAccount.length }, 'devices without a broker account: rotate their secrets to provision them');
      }
    } catch (err) {
      await external.close();
      vitals.stop();
      await store.close();
      throw err;
    }
    mqttPort = Number(new URL(config.mqttExternal.url).port) || (config.mqttExternal.url.startsWith('mqtts:') ? 8883 : 1883);
  } else {
    embeddedBroker = await Broker.create({
      repos,
      log: log.child({ part: 'broker' }),
      metrics,
      drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
      onDeviceMessage: (topic, payload, raw) => (core.active ? ingest.handle(topic, payload, raw) : undefined),
      clock,
      maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
      maxConnectionsPerAddress: config.MQTT_MAX_CONNECTIONS_PER_ADDRESS,
      onOversized: (deviceId) => ingest.tooLarge(deviceId),
    });
    broker = embeddedBroker;
  }
  // From another node only to an embedded broker (which holds the sessions of the devices connected to this
  // node); an external broker got it from the publishing node already.
  bus.subscribe('device.command', (e, from) => {
    if (from.remote && !embeddedBroker) return;
    broker.sendCommand(e.deviceId, e.command);
  });
  // Wearer and device changes (admin, bulk, thresholds, consent, deletion) and device status reports.
  const wearers = new WearerService({ repos, bus, log: log.child({ part: 'wearers' }), provisioning: provisioning ?? undefined });
  wearers.follow({ directory, thresholds, engine, consent, notices, broker });
  // Back from a lost LISTEN connection: invalidations sent meanwhile were missed, so the caches are reloaded.
  resync = async () => {
    await directory.load();
    await thresholds.load(repos);
    await presence?.announce();
  };
  if (clusterBus) await clusterBus.start();
  presence?.start();
  if (embeddedBroker) {
    mqttPort = await embeddedBroker.listen(config.MQTT_PORT, config.HOST);
    mqttTlsPort = config.tls ? await embeddedBroker.listenTls(config.tls.port, config.HOST, config.tls) : null;
  }

  let lastTick = clock.now();
  const timers: TimerHandle[] = [];
  // Every wearer's detector ticks once a second, a tenth of them every 100 ms (engine.ts TICK_PARTS), so the tick
  // never holds the loop for all wearers at once.
  let tickPart = 0;
  timers.push(
    clock.setInterval(() => {
      const part = tickPart;
      tickPart = (tickPart + 1) % TICK_PARTS;
      lastTick = clock.now();
      if (!core.active) return;
      const decisions = engine.tickPart(lastTick, part);
      if (decisions.length > 0) void bus.publish('detection.decisions', { decisions });
    }, 1000 / TICK_PARTS),
  );
  timers.push(escalator.startLoop(1000));
  // What the detectors learnt over hours goes to the store once a minute (a sixtieth of the wearers a second, fenced):
  // the next core restores it instead of learning it again (issue 14, ingest/snapshots.ts).
  const snapshotter = new DetectorSnapshotter({
    engine,
    clock,
    write: (rows, w) => repos.snapshots.write(rows, w),
    isCore: () => core.active,
    fence: () => {
      const fence = core.fence();
      return fence ? { fence, now: clock.now() } : undefined;
    },
    refused: (op) => core.refused(op),
    count: (outcome, n = 1) => metrics.detectorSnapshots.inc({ outcome }, n),
    log: log.child({ part: 'detection' }),
  });
  timers.push(snapshotter.start());
  // Becoming the core: take over the work of a process that died (running jobs, sends in flight), repair chains,
  // and resume escalations that were due while no core ran. The single node does it here, once.
  // Then the detectors are rebuilt from the stored vitals (an apnoea half-way to its alert on a core that died still
  // alerts on time) while device messages wait, and only then does device data flow: the external broker's persistent
  // session is opened (what was queued there while no core ran follows), the embedded broker's held messages run.
  coreHooks.active = async () => {
    await escalator.recover();
    await escalator.runDue();
    escalator.dispatcher.kick();
    ingest.hold();
    const rlog = log.child({ part: 'ingest' });
    try {
      const now = clock.now();
      // Each wearer's replay window is the longest evidence window of the rules their devices feed (a wearer with
      // a wearable only needs no minutes of room stillness).
      const kinds = directory.kindsByWearer();
      const sourcesOf = (id: string) => {
        const k = kinds.get(id);
        return (k?.has('wearable') ? WEARABLE : 0) | (k?.has('room') || k?.has('door') ? ROOM : 0);
      };
      const rebuilt = await rebuildDetectors({
        engine,
        now,
        windows: (ids, from, to) => vitals.windows(ids, from, to),
        snapshots: (ids) => repos.snapshots.read(ids),
        windowFor: (id) => engine.rebuildWindowMs(id, sourcesOf(id)),
        wearers: () => directory.consentingWearers(),
        openAlert: async (id) => (await repos.openAlertForWearer(id))?.state ?? null,
        closedSince: async (id, since) =>
          (await repos.alertsForWearers([id], 20))
            .filter((a) => a.closed_at !== null && a.closed_at >= since && (a.state === 'resolved' || a.state === 'cancelled'))
            .map((a) => a.closed_at!),
        readFailed: (err, wearers) =>
          rlog.warn({ err, wearers }, 'detector rebuild: a read of stored vitals failed; read again after the others'),
      });
      metrics.detectorRebuild.inc({ outcome: 'replayed' }, rebuilt.wearers);
      metrics.detectorRebuild.inc({ outcome: 'unrebuilt' }, rebuilt.unrebuilt.length);
      metrics.detectorRebuild.inc({ outcome: 'unchecked' }, rebuilt.unchecked.length);
      if (rebuilt.unrebuilt.length > 0)
        rlog.error(
          { unrebuilt: rebuilt.unrebuilt.length, failedReads: rebuilt.failedReads, wearerIds: rebuilt.unrebuilt.slice(0, 50) },
          'detector rebuild: stored vitals of these wearers could not be read; their detection starts from live data (an episode in progress counts from now)',
        );
      if (rebuilt.unchecked.length > 0)
        rlog.warn(
          { unchecked: rebuilt.unchecked.length, wearerIds: rebuilt.unchecked.slice(0, 50) },
          "detector rebuild: these wearers' alerts could not be looked up; their replayed decisions are handed on unchecked",
        );
      const { unknown_version, malformed } = rebuilt.ignored;
      metrics.detectorSnapshots.inc({ outcome: 'restored' }, rebuilt.restored);
      metrics.detectorSnapshots.inc({ outcome: 'unknown_version' }, unknown_version);
      metrics.detectorSnapshots.inc({ outcome: 'malformed' }, malformed);
      if (unknown_version + malformed > 0)
        rlog.warn(
          { unknownVersion: unknown_version, malformed, version: SNAPSHOT_VERSION },
          'detector snapshots ignored: those detectors learn their baselines and room scales afresh',
        );
      rlog.info(
        {
          wearers: rebuilt.wearers,
          samples: rebuilt.samples,
          restored: rebuilt.restored,
          decisions: rebuilt.decisions.length,
          unrebuilt: rebuilt.unrebuilt.length,
          ms: clock.now() - now,
        },
        'detectors rebuilt from snapshots and stored vitals',
      );
      if (rebuilt.decisions.length > 0) await bus.publish('detection.decisions', { decisions: rebuilt.decisions });
    } catch (err) {
      log.error({ err }, 'detector rebuild failed: detection starts from live data');
    } finally {
      // Released before the session opens: a discrete message the session delivers is acknowledged only once its
      // consequence is stored (broker/external.ts), and mqtt.js reads no further packet (the SUBACK openSession
      // waits for) until then; held here it would wait for a release that waits for the session.
      ingest.release();
      if (broker instanceof ExternalBroker)
        await broker.openSession().catch((err: unknown) => log.error({ err }, 'external broker session failed'));
    }
  };
  // No longer the core: the persistent session goes back to the broker for the next core.
  coreHooks.standby = async () => {
    if (broker instanceof ExternalBroker) await broker.closeSession();
  };
  await core.start();

  timers.push(...(await consent.start()));
  // The dead man's switch and the `monitoring` command: both only on the active core, and only while it is healthy.
  const health = new CoreHealth({
    clock,
    probes: {
      brokerUp: () => !broker.closed,
      storeAnswers: () => repos.isEmpty(),
      lastDetectionTick: () => lastTick,
      lastEscalationTick: () => escalator.lastLoopPassAt,
    },
  });
  const heartbeat = config.HEARTBEAT_URL
    ? new Heartbeat({
        url: config.HEARTBEAT_URL,
        everyMs: config.HEARTBEAT_S * 1000,
        clock,
        health,
        isCore: () => core.active,
        log: log.child({ part: 'heartbeat' }),
      })
    : null;
  if (heartbeat) timers.push(heartbeat.start());
  const monitoring = new MonitoringBeacon({
    clock,
    bus,
    health,
    isCore: () => core.active,
    log: log.child({ part: 'monitoring' }),
    monitoredDevices: async () => {
      const watched = await repos.devices.watchedDeviceIds();
      // A gateway relaying for a watched device hears it too (on its own command topic): it shows "not monitored" as devices do.
      const gateways = await repos.gateways.gatewaysRelaying(watched);
      const seen = new Set(watched);
      return [...watched, ...gateways.filter((g) => !seen.has(g))];
    },
    told: (deviceIds, at) => repos.devices.markMonitored(deviceIds, at),
  });
  timers.push(monitoring.start());
  const http = await buildHttpApp({
    config,
    repos,
    alerts,
    live,
    broker: broker,
    metrics,
    sms,
    clock,
    log,
    ids,
    wearers,
    escalator,
    consent,
    vitals,
    notices,
    vapidPublicKey: vapid.publicKey,
    calibration: (id) => engine.calibration(id),
    staticDir: opts.staticDir ?? DEFAULT_STATIC_DIR,
    coreStatus: () => ({ ...core.status(), lagMs: Math.max(0, clock.now() - lastTick) }),
    ready: async () => {
      if (broker.closed) return false;
      await repos.isEmpty();
      return clock.now() - lastTick < 5000;
    },
  });
  await http.listen({ port: config.HTTP_PORT, host: config.HOST });
  const addr = http.server.address();
  const httpPort = typeof addr === 'object' && addr ? addr.port : config.HTTP_PORT;

  let closed = false;
  return {
    httpPort,
    mqttPort,
    mqttTlsPort,
    http,
    broker,
    embeddedBroker,
    provisioning,
    repos,
    alerts,
    engine,
    escalator,
    metrics,
    log,
    demo,
    ingest,
    clock,
    consent,
    vitals,
    live,
    notices,
    bus,
    crossNode: clusterBus && transport && presence ? { nodeId, bus: clusterBus, transport, presence } : null,
    wearers,
    core,
    health,
    heartbeat,
    monitoring,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) t.cancel();
      await heartbeat?.idle();
      await monitoring.idle();
      // Order: stop taking device data, then HTTP, then let pending alert work finish, then the database.
      await broker.close();
      await http.close();
      // nothing is retried from now on (a press unstored stays in the broker for the next core): bounded by the
      // store's query timeout when PostgreSQL hangs
      alerts.stop();
      await alerts.idle();
      await escalator.runDue().catch(() => undefined);
      await escalator.idle().catch(() => undefined);
      escalator.close();
      await core.stop();
      await presence?.stop();
      await bus.idle();
      await clusterBus?.close();
      await notices.idle();
      await vitals.flush().catch((err: unknown) => log.error({ err }, 'vitals flush failed'));
      vitals.stop();
      await store.close();
    },
  };
}
