// The test Mosquitto (test/helpers/mosquitto.ts) is ready at its first connection: the server's odart-core role is in
// the dynamic-security file before the broker starts, so the helper makes no connection of its own (each
// mosquitto_ctrl round trip cost the role tests seconds) and the server's account may publish device commands at once.
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HAVE_MOSQUITTO, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { until } from './helpers/server.js';

let mosq: TestMosquitto;
beforeAll(async () => {
  if (HAVE_MOSQUITTO) mosq = await startMosquitto();
});
afterAll(async () => {
  await mosq?.close();
});

it.skipIf(!HAVE_MOSQUITTO)('the helper makes no connection to the broker; the odart-core role is there at the first connect', async () => {
  const core = await mqtt.connectAsync(mosq.url, {
    username: mosq.username,
    password: mosq.password,
    clientId: 'helper-core',
    protocolVersion: 5,
    reconnectPeriod: 0,
  });
  try {
    // MQTT 5: a PUBACK with reason code 0x87 (not authorized) when the role is missing; mqtt.js rejects on it
    await core.publishAsync('odart/v1/devices/dev-1/command', '{}', { qos: 1 });
    await core.publishAsync('odart/v1/devices/gw-1/config', '{}', { qos: 1 });
    // and the role is only what docs/operations.md gives: not a device stream
    await expect(core.publishAsync('odart/v1/devices/dev-1/vitals', '{}', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
  } finally {
    await core.endAsync();
  }
  // Mosquitto logs every client it accepts (its log reaches us asynchronously): this test's is the first
  await until(() => mosq.log().includes(' as helper-core '));
  const connected = [...mosq.log().matchAll(/New client connected from \S+ as (\S+)/g)].map((m) => m[1]);
  expect(connected).toEqual(['helper-core']);
});
