// Production mode and demo secrets (security issue 9): NODE_ENV=production seeds no demo and writes no
// demo credentials; demo device secrets are never the account password (random in
// DATA_DIR/demo-credentials.json, which the simulator reads, or DEMO_DEVICE_SECRET in dev/test).
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceSecret } from '../simulator/src/env.js';
import { startFakeTwilio, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM, type FakeTwilio } from './helpers/fake-twilio.js';
import { CSRF, DEMO_PASSWORD, login, startTestServer, type TestServer } from './helpers/server.js';

let ts: TestServer | null = null;
let fake: FakeTwilio | null = null;
afterEach(async () => {
  await ts?.close();
  await fake?.close();
  ts = null;
  fake = null;
});

async function connects(url: string, id: string, secret: string): Promise<boolean> {
  const client = mqtt.connect(url, {
    clientId: id,
    username: id,
    password: secret,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    protocolVersion: 4,
  });
  const ok = await new Promise<boolean>((resolve) => {
    client.once('connect', () => resolve(true));
    client.once('error', () => resolve(false));
  });
  await client.endAsync(true);
  return ok;
}

const demoFile = (dataDir: string) => path.join(dataDir, 'demo-credentials.json');
const fileSecrets = (dataDir: string) =>
  (JSON.parse(readFileSync(demoFile(dataDir), 'utf8')) as { devices: Record<string, string> }).devices;

describe('NODE_ENV=production', () => {
  it('an empty DATA_DIR gets no demo service, no demo accounts and no demo-credentials.json', async () => {
    fake = await startFakeTwilio();
    ts = await startTestServer({
      env: {
        NODE_ENV: 'production',
        DEMO_PASSWORD: '',
        DEMO_DEVICE_SECRET: '',
        PASSWORD_SCRYPT_LOG2N: '17',
        TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
        TWILIO_FROM: TEST_FROM,
        TWILIO_BASE_URL: fake.baseUrl,
      },
    });
    expect(ts.server.demo).toBeNull();
    expect(await ts.server.repos.isEmpty()).toBe(true);
    expect(await ts.server.repos.userByUsername('admin')).toBeUndefined();
    expect(existsSync(demoFile(ts.dataDir))).toBe(false);
    const res = await fetch(`${ts.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...CSRF },
      body: JSON.stringify({ username: 'admin', password: DEMO_PASSWORD }),
    });
    expect(res.status).toBe(401);
    expect((await fetch(`${ts.base}/healthz`)).status).toBe(200);
  });
});

describe('demo device secrets are never derived from a password', () => {
  it('with DEMO_PASSWORD, the accounts use it but the devices get random secrets in demo-credentials.json (0600), which the simulator finds', async () => {
    ts = await startTestServer({ env: { DEMO_DEVICE_SECRET: '' } });
    await login(ts.base, 'alex', DEMO_PASSWORD);
    expect(statSync(demoFile(ts.dataDir)).mode & 0o777).toBe(0o600);
    const secrets = fileSecrets(ts.dataDir);
    expect(Object.keys(secrets).sort()).toEqual(['demo-gateway', 'demo-room', 'demo-wrist']);
    expect(new Set(Object.values(secrets)).size).toBe(3);
    for (const [id, secret] of Object.entries(secrets)) {
      expect(secret).not.toBe(DEMO_PASSWORD);
      expect(secret.length).toBeGreaterThanOrEqual(16);
      expect(await connects(ts.mqttUrl, id, DEMO_PASSWORD), `${id} with the account password`).toBe(false);
    }
    expect(await connects(ts.mqttUrl, 'demo-wrist', secrets['demo-wrist']!)).toBe(true);
    // The same environment as `npm start` (DEMO_PASSWORD included) leads the simulator to the file.
    expect(deviceSecret('demo-room', { DATA_DIR: ts.dataDir, DEMO_PASSWORD })).toBe(secrets['demo-room']);
  });

  it('DEMO_DEVICE_SECRET (dev/test) is every demo device secret, and the simulator uses it', async () => {
    const secret = 'a-device-secret-for-this-test';
    ts = await startTestServer({ env: { DEMO_DEVICE_SECRET: secret } });
    expect(await connects(ts.mqttUrl, 'demo-wrist', secret)).toBe(true);
    expect(await connects(ts.mqttUrl, 'demo-gateway', secret)).toBe(true);
    expect(await connects(ts.mqttUrl, 'demo-room', DEMO_PASSWORD)).toBe(false);
    expect(deviceSecret('demo-room', { DEMO_DEVICE_SECRET: secret, DEMO_PASSWORD, DATA_DIR: '/nonexistent' })).toBe(secret);
  });
});
