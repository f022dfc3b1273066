// kill -9 in the middle of an escalation: the server runs as a child process with the real clock and
// a short chain configured through the API, talking to a local Twilio-speaking server. It is killed
// (SIGKILL) between two steps, and again while a send is in flight, and restarted on the same DATA_DIR.
// Proves: the next step still happens on time, no step is sent twice, and an interrupted send is
// sent again (at-least-once) with the timeline saying it may be a duplicate.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, disconnectDevice } from '../simulator/src/devices.js';
import { deviceTopic } from '@odart/protocol';
import { startFakeTwilio, twilioEnv, type FakeTwilio } from './helpers/fake-twilio.js';
import { api, DEMO_PASSWORD, DEMO_DEVICE_SECRET, login, until } from './helpers/server.js';
import { killServerProcesses, startServerProcess, type ServerProcess } from './helpers/server-process.js';

const ALEX = '+447700900101';
const SAM = '+447700900102';
const EC = '+447700900199';

type Child = ServerProcess;

let fake: FakeTwilio | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  killServerProcesses();
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function kill9(c: Child): Promise<void> {
  c.proc.kill('SIGKILL');
  await c.exited;
}

describe('crash recovery: kill -9 mid-escalation, restart on the same DATA_DIR', () => {
  it('the next step happens on time after restart, nothing is sent twice, an interrupted send is sent again', async () => {
    fake = await startFakeTwilio();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'odart-crash-'));
    const env = {
      ...twilioEnv(fake),
      HTTP_PORT: '0',
      MQTT_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO_PASSWORD,
      DEMO_DEVICE_SECRET,
      LOG_LEVEL: 'warn',
      PUBLIC_URL: 'http://127.0.0.1:3999',
      SMS_RATE_PER_S: '1',
    };
    let child = await startServerProcess(env);
    const admin = await login(child.base, 'admin');
    const chain = await api<{ id: string }>(child.base, admin, 'POST', '/api/admin/chains', {
      name: 'Short',
      definition: {
        steps: [
          { targets: [{ type: 'responder', id: 'alex' }], channels: ['sms'], waitS: 3 },
          { targets: [{ type: 'responder', id: 'sam' }], channels: ['sms'], waitS: 3 },
        ],
        finalStep: { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
      },
    });
    expect(chain.status).toBe(201);
    expect((await api(child.base, admin, 'PUT', '/api/admin/wearers/demo-wearer/chain', { chainId: chain.body.id })).status).toBe(200);

    // The wearer presses help: a responder alert at once, over real MQTT.
    const wrist = await connectDevice({ id: 'demo-wrist', secret: DEMO_DEVICE_SECRET }, { url: child.mqttUrl });
    await wrist.client.publishAsync(deviceTopic('demo-wrist', 'button'), JSON.stringify({ action: 'help' }), { qos: 1 });
    const [alexSms] = await fake.waitFor(1, (r) => r.to === ALEX);
    await disconnectDevice(wrist).catch(() => undefined);
    // Between steps means: step 0's outcome is stored (otherwise it would be an in-flight send).
    await until(async () => {
      const list = await api<{ id: string }[]>(child.base, admin, 'GET', '/api/alerts');
      if (list.body.length === 0) return false;
      const d = await api<{ timeline: { type: string; channel?: string }[] }>(child.base, admin, 'GET', `/api/alerts/${list.body[0]!.id}`);
      return d.body.timeline.some((e) => e.type === 'notified' && e.channel === 'sms');
    });

    // Crash 1: between step 0 (sent) and step 1 (due 3 s later).
    await kill9(child);
    // Crash 2 will happen while sam's SMS is with the provider: the provider holds that request.
    fake.behave = (r) => (r.to === SAM && fake!.requests.filter((x) => x.to === SAM).length === 1 ? { type: 'hang' } : { type: 'ok' });
    child = await startServerProcess(env);
    const [samHung] = await fake.waitFor(1, (r) => r.to === SAM);
    // On time: not before its due time (the step started a few ms before its SMS left), and within 5 s of the due time or of the restart, whichever is later.
    expect(samHung!.at - alexSms!.at).toBeGreaterThanOrEqual(2900);
    expect(samHung!.at - Math.max(alexSms!.at + 3000, child.readyAt)).toBeLessThan(5000);

    await kill9(child);
    child = await startServerProcess(env);
    const sams = await fake.waitFor(2, (r) => r.to === SAM);
    const [ecSms] = await fake.waitFor(1, (r) => r.to === EC);
    expect(sams[1]!.at - child.readyAt).toBeLessThan(5000);

    // Exactly once per step; the interrupted send is the only repeat, and it is on the record.
    expect(fake.requests.filter((r) => r.to === ALEX)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.to === SAM)).toHaveLength(2);
    expect(fake.requests.filter((r) => r.to === EC)).toHaveLength(1);
    const admin3 = await login(child.base, 'admin');
    const alerts = await api<{ id: string; state: string }[]>(child.base, admin3, 'GET', '/api/alerts');
    expect(alerts.body).toHaveLength(1);
    const detail = await api<{ state: string; timeline: { type: string; [k: string]: unknown }[] }>(
      child.base,
      admin3,
      'GET',
      `/api/alerts/${alerts.body[0]!.id}`,
    );
    expect(detail.body.state).toBe('escalating');
    const tl = detail.body.timeline;
    // The final step is not early: due 3 s after step 1 started (its timeline entry, same clock as the
    // provider's), not after sam's SMS arrived, which a busy restart can delay by more than 100 ms.
    const step1At = Date.parse(String(tl.find((e) => e.type === 'escalation_step' && e.step === 1)?.at));
    expect(ecSms!.at).toBeGreaterThanOrEqual(step1At + 3000);
    expect(sams[0]!.at).toBeGreaterThanOrEqual(step1At);
    expect(tl.filter((e) => e.type === 'notify_interrupted')).toEqual([
      expect.objectContaining({ target: 'responder:sam', channel: 'sms', possibleDuplicate: true }),
    ]);
    const notified = tl.filter((e) => e.type === 'notified' && e.channel === 'sms').map((e) => e.target);
    expect(notified).toEqual(['responder:alex', 'responder:sam', 'emergency_contact']);
    await kill9(child);
  }, 90_000);
});
