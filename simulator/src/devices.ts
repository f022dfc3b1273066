// Virtual devices: one real MQTT client per device with its own credentials and Last Will;
// they obey server commands (a check-in prompt vibrates the wearable).
import mqtt, { type MqttClient } from 'mqtt';
import { deviceTopic, commandSchema, type CommandPayload } from '../../server/src/protocol/index.js';

export interface DeviceCredentials {
  id: string;
  secret: string;
}

export interface VirtualDevice {
  id: string;
  client: MqttClient;
  commands: CommandPayload[];
}

export interface ConnectOptions {
  url: string;
  onCommand?: (deviceId: string, cmd: CommandPayload) => void;
  /** give up connecting after this long (ms) */
  connectTimeoutMs?: number;
}

export async function connectDevice(cred: DeviceCredentials, o: ConnectOptions): Promise<VirtualDevice> {
  const client = mqtt.connect(o.url, {
    clientId: cred.id,
    username: cred.id,
    password: cred.secret,
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
    reconnectPeriod: 1000,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    will: { topic: deviceTopic(cred.id, 'status'), payload: Buffer.from(JSON.stringify({ state: 'offline' })), qos: 1, retain: true },
  });
  const dev: VirtualDevice = { id: cred.id, client, commands: [] };
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => {
      client.end(true);
      reject(new Error(`device ${cred.id}: ${err.message}`));
    };
    client.once('connect', () => {
      client.removeListener('error', fail);
      resolve();
    });
    client.once('error', fail);
  });
  client.on('error', () => undefined);
  client.on('message', (_topic, payload) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    const cmd = commandSchema.safeParse(parsed);
    if (!cmd.success) return;
    dev.commands.push(cmd.data);
    o.onCommand?.(cred.id, cmd.data);
  });
  await client.subscribeAsync(deviceTopic(cred.id, 'command'), { qos: 1 });
  await client.publishAsync(deviceTopic(cred.id, 'status'), JSON.stringify({ state: 'online', battery: 90 }), { qos: 1, retain: true });
  return dev;
}

export async function disconnectDevice(dev: VirtualDevice): Promise<void> {
  await dev.client.publishAsync(deviceTopic(dev.id, 'status'), JSON.stringify({ state: 'online', battery: 90 }), { qos: 1, retain: true }).catch(() => undefined);
  await dev.client.endAsync();
}
