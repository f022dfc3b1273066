// Prometheus metrics (prom-client), one registry per server instance so tests stay independent.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry });
  return {
    registry,
    mqttMessages: new Counter({
      name: 'odart_mqtt_messages_total',
      help: 'Valid device messages ingested',
      labelNames: ['stream'],
      registers: [registry],
    }),
    mqttDropped: new Counter({
      name: 'odart_mqtt_dropped_total',
      help: 'Device messages dropped at ingest',
      labelNames: ['reason'],
      registers: [registry],
    }),
    mqttAuthFailures: new Counter({
      name: 'odart_mqtt_auth_failures_total',
      help: 'Refused MQTT connections and publishes',
      labelNames: ['kind'],
      registers: [registry],
    }),
    mqttConnectionErrors: new Counter({
      name: 'odart_mqtt_connection_errors_total',
      help: 'MQTT connections closed for a protocol error or a missed keepalive',
      labelNames: ['kind'],
      registers: [registry],
    }),
    mqttClients: new Gauge({ name: 'odart_mqtt_clients', help: 'Connected MQTT clients', registers: [registry] }),
    // node roles (issue 14): set from the core lease when /metrics is read
    coreActive: new Gauge({
      name: 'odart_core_active',
      help: '1 when this node is the active core, 0 on a standby',
      registers: [registry],
    }),
    coreSeen: new Gauge({
      name: 'odart_core_seen',
      help: "1 when a core is active as this node knows: it is the core, or its last lease attempt read another node's unexpired lease",
      registers: [registry],
    }),
    coreEpoch: new Gauge({
      name: 'odart_core_epoch',
      help: 'The fencing epoch this node holds the core lease with (0: none)',
      registers: [registry],
    }),
    coreLeaseAge: new Gauge({
      name: 'odart_core_lease_age_seconds',
      help: "Seconds since this node's last successful lease attempt (-1: none)",
      registers: [registry],
    }),
    coreHolderKnown: new Gauge({
      name: 'odart_core_holder_known',
      help: "1 when this node's last lease attempt succeeded (it knows who holds the core lease), 0 while it fails",
      registers: [registry],
    }),
    coreLeaseFailures: new Gauge({
      name: 'odart_core_lease_failures',
      help: "This node's lease attempts failed in a row (PostgreSQL unreachable or refusing); 0 after a success",
      registers: [registry],
    }),
    fencedWrites: new Counter({
      name: 'odart_fenced_writes_total',
      help: 'Core writes the store refused because this node no longer held the core lease with its epoch (the node steps down)',
      labelNames: ['op'],
      registers: [registry],
    }),
    storeQueryTimeouts: new Counter({
      name: 'odart_store_query_timeouts_total',
      help: 'PostgreSQL queries (or new connections) not answered within the renew window (lease - one renewal), failed',
      registers: [registry],
    }),
    detectorSnapshots: new Counter({
      name: 'odart_detector_snapshots_total',
      help: 'Detector snapshots (issue 14): written, too_large or write_failed by the active core; restored, unknown_version or malformed on takeover',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    detectorRebuild: new Counter({
      name: 'odart_detector_rebuild_wearers_total',
      help: 'Wearers at takeover (issue 14): replayed from stored vitals; unrebuilt (their stored samples could not be read: detection from live data); unchecked (their alert could not be looked up: the replayed decision handed on)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    coreLag: new Gauge({
      name: 'odart_core_tick_lag_seconds',
      help: "Seconds since the core's 1 s tick last ran on this node",
      registers: [registry],
    }),
    mqttConnectionsRefused: new Counter({
      name: 'odart_mqtt_connections_refused_total',
      help: 'MQTT connections closed by a broker limit (per address, packet size before login)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'odart_detection_decisions_total',
      help: 'Detection decisions',
      labelNames: ['kind'],
      registers: [registry],
    }),
    notifications: new Counter({
      name: 'odart_notifications_total',
      help: 'Notification attempts',
      labelNames: ['channel', 'result'],
      registers: [registry],
    }),
    alertHandlingErrors: new Counter({
      name: 'odart_alert_errors_total',
      help: 'Errors while handling alerts (retried)',
      registers: [registry],
    }),
    eventHandlerErrors: new Counter({
      name: 'odart_event_handler_errors_total',
      help: 'Event bus handlers that failed (logged; never thrown into the publisher)',
      labelNames: ['event'],
      registers: [registry],
    }),
    escalationSteps: new Counter({
      name: 'odart_escalation_steps_total',
      help: 'Escalation steps run or fenced',
      labelNames: ['result'],
      registers: [registry],
    }),
    decisionToSms: new Histogram({
      name: 'odart_decision_to_sms_seconds',
      help: 'From alert decision to SMS provider request',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    busSent: new Counter({
      name: 'odart_cluster_events_sent_total',
      help: 'Events sent to the other nodes (cross-node bus, DATABASE_URL)',
      labelNames: ['event'],
      registers: [registry],
    }),
    busReceived: new Counter({
      name: 'odart_cluster_events_received_total',
      help: 'Events received from other nodes and delivered to this node',
      labelNames: ['event'],
      registers: [registry],
    }),
    busDropped: new Counter({
      name: 'odart_cluster_events_dropped_total',
      help: 'Cross-node events not sent or not delivered (send failed, unparseable, not a cluster event)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    busReconnects: new Counter({
      name: 'odart_cluster_bus_reconnects_total',
      help: 'Times the LISTEN connection was re-established (caches are reloaded after each)',
      registers: [registry],
    }),
    busLatency: new Histogram({
      name: 'odart_cluster_event_latency_seconds',
      help: 'From publish on the sending node to delivery on this node (wall clocks of both nodes)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
