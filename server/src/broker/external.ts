// External broker mode (MQTT_URL): devices connect to Mosquitto 2, and the server is one privileged
// client of it. A fixed client id with clean session off and QoS 1 subscriptions to the device topics
// make Mosquitto keep the server's session while it is down: what devices publish meanwhile is
// delivered when it connects again. Messages go into the same ingest path as the embedded broker's
// (topic parsed once here, oversized payloads counted, Last Wills are ordinary status messages).
// Device credentials and ACL live in Mosquitto, put there by the provisioning port (provisioning.ts).
import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { DEVICE_STREAMS, TOPIC_ROOT, deviceTopic, parseTopic, type CommandPayload, type ParsedTopic } from '@odart/protocol';
import type { Logger } from '../log.js';
import type { DeviceBroker } from './port.js';

export interface ExternalBrokerDeps {
  /** mqtt://host:port or mqtts://host:port */
  url: string;
  username: string;
  password: string;
  /** the server's fixed client id: its persistent session in the broker */
  clientId: string;
  /** CA certificates (PEM) to trust for mqtts:// (MQTT_CA_FILE); null = the system's */
  ca?: Buffer | null;
  log: Logger;
  /** payloads above this are counted as too large and not parsed (MAX_PAYLOAD_BYTES) */
  maxPayloadBytes: number;
  onDeviceMessage: (topic: ParsedTopic, payload: Buffer, rawTopic: string) => void;
  onOversized?: (deviceId: string | undefined) => void;
}

/** The subscriptions of the server's session: every device stream of every device (not commands, not gateway config). */
export const DEVICE_SUBSCRIPTIONS = DEVICE_STREAMS.map((s) => `${TOPIC_ROOT}/+/${s}`);

export class ExternalBroker implements DeviceBroker {
  readonly mode = 'external' as const;
  private ended = false;

  private constructor(
    /** the server's connection; the provisioning adapter sends its control messages over it too */
    readonly client: MqttClient,
    private readonly d: ExternalBrokerDeps,
  ) {}

  /** Connects (resolves on the first CONNACK, rejects on a refused login) and subscribes when the broker has no session for us. */
  static async connect(d: ExternalBrokerDeps): Promise<ExternalBroker> {
    const options: IClientOptions = {
      clientId: d.clientId,
      username: d.username,
      password: d.password,
      clean: false,
      protocolVersion: 4,
      keepalive: 30,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      // the subscriptions live in the broker's session; re-made below only when it has none
      resubscribe: false,
      ...(d.ca ? { ca: d.ca } : {}),
    };
    const client = mqtt.connect(d.url, options);
    const b = new ExternalBroker(client, d);
    // Before the CONNACK: what the broker kept for our session follows it at once.
    client.on('message', (topic, payload) => b.onMessage(topic, payload));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        client.removeListener('connect', onConnect);
        client.end(true);
        reject(new Error(`MQTT_URL: cannot connect as ${d.username}: ${err.message}`));
      };
      const onConnect = () => {
        client.removeListener('error', onError);
        resolve();
      };
      client.once('error', onError);
      client.once('connect', onConnect);
    });
    client.on('error', (err) => d.log.warn({ err: err.message }, 'external broker connection error'));
    client.on('offline', () => d.log.warn('external broker unreachable; reconnecting'));
    client.on('connect', (connack) => {
      d.log.info({ sessionPresent: connack.sessionPresent }, 'external broker connected');
      if (!connack.sessionPresent) b.subscribe().catch((err: unknown) => d.log.error({ err }, 'external broker subscribe failed'));
    });
    await b.subscribe();
    return b;
  }

  /** QoS 1 on every device stream; a refused subscription means the server's account lacks its ACL. */
  private async subscribe(): Promise<void> {
    const granted = await this.client.subscribeAsync(DEVICE_SUBSCRIPTIONS, { qos: 1 });
    const refused = granted.filter((g) => g.qos !== 1).map((g) => g.topic);
    if (refused.length > 0) {
      throw new Error(
        `MQTT_URL: the broker refused QoS 1 subscriptions of ${this.d.username} to ${refused.join(', ')} (docs/operations.md: the server's account)`,
      );
    }
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (parsed.kind !== 'device') return; // control responses and anything else are not device data
    if (payload.length > this.d.maxPayloadBytes) return this.d.onOversized?.(parsed.deviceId);
    try {
      this.d.onDeviceMessage(parsed, payload, topic);
    } catch (err) {
      this.d.log.error({ err }, 'device message handling failed');
    }
  }

  sendCommand(deviceId: string, cmd: CommandPayload): void {
    this.client.publish(deviceTopic(deviceId, 'command'), JSON.stringify(cmd), { qos: 1 }, (err) => {
      if (err) this.d.log.warn({ deviceId, err: err.message }, 'command publish failed');
    });
  }

  /** Nothing cached here: the broker checks the credentials. */
  forgetDevice(): void {}

  /** The provisioning adapter's deleteClient / createClient makes the broker kick the device. */
  disconnectDevice(): void {}

  /** MQTT over WebSocket is the external broker's listener, not ours: the stream is closed. */
  handleStream(stream: Duplex): void {
    stream.destroy();
  }

  get closed(): boolean {
    return this.ended || !this.client.connected;
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    // Unacknowledged messages stay in the broker's session for the next start (or the next node).
    await this.client.endAsync();
  }
}
