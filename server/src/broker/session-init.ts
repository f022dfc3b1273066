// Creating the core's persistent session on a brand-new broker (issue 14). Mosquitto queues QoS 1 messages only for
// a session that exists and holds subscriptions: before any core ever connected with MQTT_CLIENT_ID there is none,
// so a press published then is dropped. `npm run mqtt-session -- init` connects once with the shared client id,
// clean session off, subscribes to the device streams at QoS 1 and disconnects; the broker keeps the session.
// It refuses while a core holds the lease: connecting with the core's client id would kick the active core. Both of
// the core's sessions (the continuous streams, and the discrete ones on a queue of their own: external.ts).
import mqtt from 'mqtt';
import type { DeviceStream } from '@odart/protocol';
import { mqttLogOption, sessionPlan, type SessionPlan } from './external.js';

export interface SessionInitDeps {
  url: string;
  username: string;
  password: string;
  /** MQTT_CLIENT_ID: the session the cores share */
  clientId: string;
  /** the streams of the discrete session (ingest's DURABLE_STREAMS) */
  discreteStreams: ReadonlySet<DeviceStream>;
  ca: Buffer | null;
  /** the core lease as the store has it (null: no store configured, nothing to check) */
  lease: { holder: string | null; expiresAt: number } | null;
  now: number;
}

/** Not done, by design: an active core holds the lease (exit 1). */
export class SessionInitRefused extends Error {}
/** The broker cannot be used for the session: unreachable, the login refused, the subscriptions refused (exit 3). */
export class SessionInitBrokerError extends Error {}

/** Creates (or renews the subscriptions of) the persistent sessions; returns each session's client id and topics. */
export async function initDeviceSession(d: SessionInitDeps): Promise<{ clientId: string; topics: string[] }[]> {
  if (d.lease && d.lease.holder !== null && d.lease.expiresAt > d.now) {
    throw new SessionInitRefused(
      `node ${d.lease.holder} holds the core lease (for ${Math.ceil((d.lease.expiresAt - d.now) / 1000)} s more): it has the session already, and connecting as ${d.clientId} would kick it`,
    );
  }
  const made: { clientId: string; topics: string[] }[] = [];
  for (const plan of sessionPlan(d.clientId, d.discreteStreams)) made.push({ clientId: plan.clientId, topics: await initOne(d, plan) });
  return made;
}

async function initOne(d: SessionInitDeps, plan: SessionPlan): Promise<string[]> {
  const client = await mqtt
    .connectAsync(
      d.url,
      {
        username: d.username,
        password: d.password,
        clientId: plan.clientId,
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
        ...(d.ca ? { ca: d.ca } : {}),
        ...mqttLogOption(),
      },
      false,
    )
    .catch((err: unknown) => {
      throw new SessionInitBrokerError(`cannot connect as ${d.username}: ${err instanceof Error ? err.message : String(err)}`);
    });
  try {
    if (plan.dropped.length > 0) await client.unsubscribeAsync(plan.dropped);
    const granted = await client.subscribeAsync(plan.topics, { qos: 1 });
    const refused = granted.filter((g) => g.qos !== 1).map((g) => g.topic);
    if (refused.length > 0) {
      throw new SessionInitBrokerError(`it refused QoS 1 subscriptions of ${d.username} to ${refused.join(', ')}`);
    }
    return granted.map((g) => g.topic);
  } finally {
    await client.endAsync(true);
  }
}
