// Replay end to end against a real server: a contract trace of several wearers, enrolled through
// the admin API with the trace's device ids, published by their own MQTT clients. In virtual time
// for detection timing; and the `npm run replay` command itself, as a tester runs it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminClient } from '../simulator/src/admin-client.js';
import { generateWearers } from '../simulator/src/multi.js';
import { provisionWearers } from '../simulator/src/provision.js';
import { connectAll } from '../simulator/src/run.js';
import { generateScenario } from '../simulator/src/scenarios.js';
import { parseTrace, serializeTrace, traceDevices, traceWearers } from '../simulator/src/trace.js';
import {
  api,
  DEMO_PASSWORD,
  DEMO_DEVICE_SECRET,
  disconnectAll,
  driveTrace,
  login,
  startTestServer,
  T0,
  type TestServer,
} from './helpers/server.js';
import { runCli } from './helpers/cli.js';

let ts: TestServer;
let dir: string;
beforeEach(async () => {
  ts = await startTestServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'odart-replay-'));
});
afterEach(async () => {
  await ts.close();
  rmSync(dir, { recursive: true, force: true });
});

interface AlertJson {
  id: string;
  state: string;
  wearerId: string;
}

describe('replay', () => {
  it('replays a trace of two overdosing wearers: each is paged within 45 s of their own apnea onset', async () => {
    const file = path.join(dir, 'two.jsonl');
    const m = generateWearers('overdose', { seed: 11, wearers: 2, prefix: 'rp' });
    writeFileSync(file, serializeTrace(m.header, m.lines));
    const trace = parseTrace(readFileSync(file, 'utf8'), file);

    const admin = await AdminClient.login(ts.base, 'admin', DEMO_PASSWORD);
    const p = await provisionWearers(admin, traceWearers(trace), { chainId: 'demo-chain', responderIds: ['alex'] });
    expect(p.wearerIds).toHaveLength(2);
    const devices = await connectAll(traceDevices(trace), (id) => p.secrets.get(id)!, {
      url: ts.mqttUrl,
      profile: {},
      out: () => undefined,
      clock: ts.clock,
    });
    expect([...devices.keys()].sort()).toEqual(['rp-0-room', 'rp-0-wrist', 'rp-1-room', 'rp-1-wrist']);

    const alex = await login(ts.base, 'alex');
    const alerts = async () => (await api<AlertJson[]>(ts.base, alex, 'GET', '/api/alerts')).body;
    const escalatedAt = new Map<string, number>();
    const summary = await driveTrace(ts, devices, trace.lines, {
      stopWhen: async () => {
        for (const a of await alerts())
          if (a.state === 'escalating' && !escalatedAt.has(a.wearerId)) escalatedAt.set(a.wearerId, ts.clock.now() - T0);
        return escalatedAt.size === 2;
      },
    });
    expect(summary.errors).toBe(0);
    expect(summary.acknowledged).toBe(summary.sent);
    expect((await alerts()).map((a) => a.wearerId).sort()).toEqual([...p.wearerIds].sort());
    // Wearer i of the trace is the i-th enrolled; its own apnea label is tagged with its trace id.
    trace.labels
      .filter((l) => l.label === 'apnea_onset')
      .forEach((l, i) => {
        expect(l.wearer).toBe(`rp-${i}`);
        expect(escalatedAt.get(p.wearerIds[i]!)! - l.t).toBeLessThanOrEqual(45_000);
      });
    await disconnectAll(devices);
  });

  it('`npm run replay` publishes with the demo credentials and prints a summary; malformed lines are reported with their number', async () => {
    const file = path.join(dir, 'one.jsonl');
    const sc = generateScenario('overdose', { seed: 2, wearer: 'demo-wearer', wrist: 'demo-wrist', room: 'demo-room' });
    writeFileSync(file, serializeTrace(sc.header, sc.lines));
    const samples = sc.lines.filter((l) => 'device' in l).length;
    const before = ts.server.ingest.handled;
    const env = { MQTT_URL: ts.mqttUrl, DEMO_PASSWORD, DEMO_DEVICE_SECRET, API_URL: ts.base };
    const r = await runCli('simulator/src/replay-cli.ts', [file, '--speed', '1000'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`done: ${samples} sent, ${samples} acknowledged, 0 errors`);
    // status messages on connect, then every sample
    expect(ts.server.ingest.handled - before).toBeGreaterThanOrEqual(samples);

    const bad = path.join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      '{"type":"header","version":1,"wearer":"w","devices":[]}\n{"t":0,"device":"demo-wrist","stream":"vitals","data":{}}\n{"t":1,"device":"demo-wrist","stream":"sound","data":{}}\n',
    );
    const b = await runCli('simulator/src/replay-cli.ts', [bad], env);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`${bad}:3: bad sample line: stream`);
  });

  it('`npm run replay -- --provision --cleanup` enrols a several-wearer trace through the admin API and removes it after', async () => {
    const file = path.join(dir, 'three.jsonl');
    const m = generateWearers('normal', { seed: 4, wearers: 3, prefix: 'cli' });
    writeFileSync(file, serializeTrace(m.header, m.lines));
    const samples = m.lines.filter((l) => 'device' in l).length;
    const r = await runCli('simulator/src/replay-cli.ts', [file, '--speed', '2000', '--provision', '--cleanup'], {
      MQTT_URL: ts.mqttUrl,
      API_URL: ts.base,
      DEMO_PASSWORD,
      DEMO_DEVICE_SECRET,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('enrolled 3 wearers (6 devices)');
    expect(r.stdout).toContain(`done: ${samples} sent, ${samples} acknowledged, 0 errors`);
    expect(r.stdout).toContain('removed 3 wearers');
    const admin = await login(ts.base, 'admin');
    expect((await api<{ id: string }[]>(ts.base, admin, 'GET', '/api/admin/wearers')).body.map((w) => w.id)).toEqual(['demo-wearer']);
  });
});
