// The device broker port: what ingest, alerts (through server.ts), wearers/ and http/ need of the MQTT
// side. Two adapters: the embedded aedes broker (broker.ts, the default) and a client of an external
// broker (external.ts, MQTT_URL: Mosquitto 2). Device credentials and ACL in an external broker are
// the provisioning port's job (provisioning.ts).
import type { Duplex } from 'node:stream';
import type { CommandPayload } from '@odart/protocol';

export interface DeviceBroker {
  /** which adapter: the embedded broker serves devices itself, the external one is a client of MQTT_URL */
  readonly mode: 'embedded' | 'external';
  /** publishes a command (QoS 1) on the device's command topic */
  sendCommand(deviceId: string, cmd: CommandPayload): void;
  /** a device was added, re-keyed or removed: cached credentials and relay rights go */
  forgetDevice(deviceId: string): void;
  /** closes the device's live connection (embedded; the external broker's provisioning kicks it instead) */
  disconnectDevice(deviceId: string): void;
  /** MQTT over WebSocket on the HTTP port (embedded only: the external adapter refuses the stream) */
  handleStream(stream: Duplex, address?: string): void;
  /** true while no device message can arrive (closed, or the external broker unreachable) */
  readonly closed: boolean;
  close(): Promise<void>;
}
