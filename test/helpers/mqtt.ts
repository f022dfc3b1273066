// A device's connection attempt as the tests of the broker's door see it, and a counter read from /metrics.
import mqtt from 'mqtt';

export interface ConnectAttempt {
  client: mqtt.MqttClient;
  ok: boolean;
  /** the CONNACK return code of a refused connection (4 bad credentials, 5 not authorised) */
  code?: number;
}

/** Connects as device `id` (MQTT 3.1.1, no reconnect) and says whether the broker let it in. */
export function tryConnect(url: string, id: string, secret: string, clientId = id): Promise<ConnectAttempt> {
  const client = mqtt.connect(url, {
    clientId,
    username: id,
    password: secret,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    protocolVersion: 4,
  });
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ client, ok: true }));
    client.once('error', (err) => {
      client.end(true);
      resolve({ client, ok: false, code: (err as { code?: number }).code });
    });
    // a broker that closes the socket without a CONNACK (a limit reached) also refuses
    client.once('close', () => resolve({ client, ok: false }));
  });
}

/** The value of `name{label}` in Prometheus text (0 when absent). */
export const counter = (text: string, name: string, label: string): number =>
  Number(new RegExp(`${name}\\{${label}\\} (\\d+)`).exec(text)?.[1] ?? 0);
