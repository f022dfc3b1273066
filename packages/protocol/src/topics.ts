// MQTT topic contract: odart/v1/devices/{deviceId}/{stream}. One place builds and parses topics.

export const TOPIC_ROOT = 'odart/v1/devices';
export const DEVICE_STREAMS = ['vitals', 'presence', 'door', 'button', 'status'] as const;
export type DeviceStream = (typeof DEVICE_STREAMS)[number];
/**
 * The discrete streams: each message an event of its own (a help or OK press, a door opening), rare, and not said
 * again by the next one; the others are continuous (the next sample says the same again). The server acknowledges a
 * discrete message only once its consequence is stored, and keeps them on a broker queue of their own.
 */
export const DISCRETE_STREAMS: readonly DeviceStream[] = ['door', 'button'];
export const COMMAND_STREAM = 'command';

/** Device ids: short, printable, safe inside a topic level and a URL segment. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function deviceTopic(deviceId: string, stream: DeviceStream | typeof COMMAND_STREAM): string {
  return `${TOPIC_ROOT}/${deviceId}/${stream}`;
}

/** Server -> gateway: the devices a gateway may publish for (docs/firmware-protocol.md). */
export const GATEWAY_CONFIG_STREAM = 'config';

export function gatewayConfigTopic(gatewayId: string): string {
  return `${TOPIC_ROOT}/${gatewayId}/${GATEWAY_CONFIG_STREAM}`;
}

export function devicePrefix(deviceId: string): string {
  return `${TOPIC_ROOT}/${deviceId}/`;
}

export type ParsedTopic =
  { kind: 'device'; deviceId: string; stream: DeviceStream } | { kind: 'command'; deviceId: string } | { kind: 'other' };

const ROOT_SLASH = TOPIC_ROOT + '/';
const OTHER: ParsedTopic = Object.freeze({ kind: 'other' });

/** Runs for every message (once, in the broker's authorizePublish): index arithmetic, no split. */
export function parseTopic(topic: string): ParsedTopic {
  if (!topic.startsWith(ROOT_SLASH)) return OTHER;
  const slash = topic.indexOf('/', ROOT_SLASH.length);
  if (slash < 0 || topic.indexOf('/', slash + 1) >= 0) return OTHER;
  const deviceId = topic.slice(ROOT_SLASH.length, slash);
  const stream = topic.slice(slash + 1);
  if (!DEVICE_ID_PATTERN.test(deviceId)) return OTHER;
  if (stream === COMMAND_STREAM) return { kind: 'command', deviceId };
  if ((DEVICE_STREAMS as readonly string[]).includes(stream)) {
    return { kind: 'device', deviceId, stream: stream as DeviceStream };
  }
  return OTHER;
}
