// End to end with real parts: simulated devices publish an overdose over MQTT/TCP to the real
// broker; the alert reaches alex on the live WebSocket and by SMS (fake outbox); alex acknowledges.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { smsSegments } from '../server/src/notify/index.js';
import { generateScenario } from '../simulator/src/scenarios.js';
import {
  api,
  connectDemoDevices,
  disconnectAll,
  driveTrace,
  liveClient,
  login,
  settle,
  startTestServer,
  T0,
  type TestServer,
} from './helpers/server.js';

interface AlertJson {
  id: string;
  state: string;
  wearerId: string;
  score: number;
  reasons: string[];
  attendingResponderId: string | null;
  createdAt: string;
}
interface OutboxJson {
  sid: string;
  to: string;
  body: string;
  at: string;
}

let ts: TestServer;
beforeEach(async () => {
  ts = await startTestServer();
});
afterEach(async () => {
  await ts.close();
});

const scenario = () => generateScenario('overdose', { seed: 7, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' });

describe('walking skeleton: overdose -> responder -> acknowledge', () => {
  it('a simulated overdose reaches alex by WebSocket and SMS, and alex acknowledges it', async () => {
    const alex = await login(ts.base, 'alex');
    const admin = await login(ts.base, 'admin');
    const live = await liveClient(ts.base, alex);
    const devices = await connectDemoDevices(ts);
    const sc = scenario();
    const apneaAt = sc.lines.find((l) => 'label' in l && l.label === 'apnea_onset')!.t;

    await driveTrace(ts, devices, sc.lines, {
      stopWhen: async () => (await api<AlertJson[]>(ts.base, alex, 'GET', '/api/alerts')).body.some((a) => a.state === 'escalating'),
    });

    // The wearer was asked first: a check-in command reached the wearable over MQTT.
    expect(devices.get('demo-wrist')!.commands.some((c) => c.type === 'checkin')).toBe(true);

    const list = await api<AlertJson[]>(ts.base, alex, 'GET', '/api/alerts');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    const alert = list.body[0]!;
    expect(alert).toMatchObject({ wearerId: 'demo-wearer', state: 'escalating', attendingResponderId: null });
    expect(alert.reasons.join(' ')).toMatch(/no breathing|breathing \d/);
    expect(alert.score).toBeGreaterThanOrEqual(60);

    // Responder alert within 45 s of apnea onset (DESIGN target), in trace time.
    const escalatedAt = ts.clock.now() - T0;
    expect(escalatedAt - apneaAt).toBeLessThanOrEqual(45_000);

    // Paged on the live WebSocket...
    const page = live.messages.find((m) => m.type === 'page') as { alert: AlertJson } | undefined;
    expect(page?.alert.id).toBe(alert.id);
    // ...and by SMS, standing on its own (full address, access, reason, replies) with the no-login link, in 2 segments.
    const outbox = await api<OutboxJson[]>(ts.base, admin, 'GET', '/api/outbox');
    expect(outbox.status).toBe(200);
    const sms = outbox.body.filter((m) => m.to === '+447700900101');
    expect(sms).toHaveLength(1);
    expect(sms[0]!.body).toContain('Flat 2, 14 Example Street, Glasgow');
    expect(sms[0]!.body).toMatch(/\/#\/p\/[a-z0-9_]+\.[A-Za-z0-9_-]{16}$/);
    expect(smsSegments(sms[0]!.body)).toBe(2);

    const ack = await api<{ attending: boolean; alert: AlertJson }>(ts.base, alex, 'POST', `/api/alerts/${alert.id}/ack`, {});
    expect(ack.status).toBe(200);
    expect(ack.body.attending).toBe(true);
    expect(ack.body.alert).toMatchObject({ state: 'acknowledged', attendingResponderId: 'alex' });

    const detail = await api<{ state: string; timeline: { type: string; channel?: string }[] }>(
      ts.base,
      alex,
      'GET',
      `/api/alerts/${alert.id}`,
    );
    expect(detail.body.state).toBe('acknowledged');
    const types = detail.body.timeline.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['created', 'wearer_prompt', 'escalating', 'escalation_step', 'notified', 'acknowledged']),
    );
    expect(
      detail.body.timeline
        .filter((e) => e.type === 'notified')
        .map((e) => e.channel)
        .sort(),
    ).toEqual(['app', 'sms']);

    // After the ack, the chain stops: 2 more virtual minutes bring no SMS to sam.
    ts.clock.advance(130_000);
    await settle(ts);
    const after = await api<OutboxJson[]>(ts.base, admin, 'GET', '/api/outbox');
    expect(after.body.filter((m) => m.to === '+447700900102')).toHaveLength(0);

    live.ws.close();
    await disconnectAll(devices);
  });

  it('without an acknowledgement the chain moves on: sam after 60 s, then the emergency contact', async () => {
    const admin = await login(ts.base, 'admin');
    const devices = await connectDemoDevices(ts);
    await driveTrace(ts, devices, scenario().lines, {
      stopWhen: async () => (await api<OutboxJson[]>(ts.base, admin, 'GET', '/api/outbox')).body.length > 0,
    });
    const sent = async () => (await api<OutboxJson[]>(ts.base, admin, 'GET', '/api/outbox')).body;
    const to = async () =>
      (await sent())
        .filter((m) => !m.body.startsWith('ODART reminder:'))
        .map((m) => m.to)
        .sort();
    expect(await to()).toEqual(['+447700900101']);
    ts.clock.advance(59_000);
    await settle(ts);
    expect(await to()).toEqual(['+447700900101']);
    ts.clock.advance(1_000);
    await settle(ts);
    expect(await to()).toEqual(['+447700900101', '+447700900102']);
    ts.clock.advance(60_000);
    await settle(ts);
    expect(await to()).toEqual(['+447700900101', '+447700900102', '+447700900199']);
    // Nothing is sent twice, however long we wait.
    ts.clock.advance(600_000);
    await settle(ts);
    expect(await to()).toHaveLength(3);
    // Neither app was open: alex and sam each got one reminder SMS for their step, and only one.
    expect(
      (await sent())
        .filter((m) => m.body.startsWith('ODART reminder:'))
        .map((m) => m.to)
        .sort(),
    ).toEqual(['+447700900101', '+447700900102']);
    await disconnectAll(devices);
  });

  it('a normal day raises nothing', async () => {
    const alex = await login(ts.base, 'alex');
    const devices = await connectDemoDevices(ts);
    await driveTrace(
      ts,
      devices,
      generateScenario('normal', { seed: 3, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' }).lines,
    );
    expect((await api<AlertJson[]>(ts.base, alex, 'GET', '/api/alerts')).body).toEqual([]);
    expect(devices.get('demo-wrist')!.commands).toEqual([]);
    await disconnectAll(devices);
  });
});
