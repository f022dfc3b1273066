// The `npm run simulate` command as a tester runs it, against a real server: several wearers
// enrolled through the admin API and removed with --cleanup; `fleet --json` prints one JSON document.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateWearers } from '../simulator/src/multi.js';
import { runCli } from './helpers/cli.js';
import { api, DEMO_PASSWORD, DEMO_DEVICE_SECRET, login, startTestServer, type TestServer } from './helpers/server.js';

let ts: TestServer;
beforeEach(async () => {
  ts = await startTestServer();
});
afterEach(async () => {
  await ts.close();
});

const simulate = (args: string[]) =>
  runCli('simulator/src/cli.ts', args, { MQTT_URL: ts.mqttUrl, API_URL: ts.base, DEMO_PASSWORD, DEMO_DEVICE_SECRET });

describe('npm run simulate', () => {
  it('--wearers 3 enrols three wearers, publishes all their devices, and --cleanup removes them', async () => {
    const samples = generateWearers('normal', { seed: 1, wearers: 3, prefix: 'x' }).lines.filter((l) => 'device' in l).length;
    const before = ts.server.ingest.handled;
    const r = await simulate(['normal', '--wearers', '3', '--speed', '2000', '--cleanup']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('enrolled 3 wearers through the admin API');
    expect(r.stdout).toContain('with 3 wearers (6 devices)');
    expect(r.stdout).toContain(`done: ${samples} sent, ${samples} acknowledged, 0 errors`);
    expect(r.stdout).toContain('removed 3 wearers');
    expect(ts.server.ingest.handled - before).toBeGreaterThanOrEqual(samples);
    const admin = await login(ts.base, 'admin');
    expect((await api<unknown[]>(ts.base, admin, 'GET', '/api/admin/wearers')).body).toHaveLength(1);
  });

  it('fleet --json prints one JSON document with the contract figures', async () => {
    const r = await simulate(['fleet', '--wearers', '50', '--rate', '2', '--duration', '1', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ wearers: 50, rateHz: 2, durationS: 1, connected: 50, published: 100, acknowledged: 100, removed: 50 });
    expect(doc).toHaveProperty('msgsPerSec');
    expect(doc).toHaveProperty('latencyMs.p50');
    expect(doc).toHaveProperty('latencyMs.p99');
  });

  it('an unknown scenario is a usage error (exit 2)', async () => {
    const r = await simulate(['no-such-scenario']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown scenario "no-such-scenario"');
  });
});
