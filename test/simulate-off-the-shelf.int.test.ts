// `npm run simulate -- <scenario> --off-the-shelf` as a tester runs it (issue 18): the command as a
// process, its home broker a real Mosquitto 2 (its own, or one --home-broker names), its gateway the
// real firmware-bridge, against a real server. The server runs on a virtual clock that follows the
// readings' time (the gateway stamps them with the scenario's time), so detection sees the
// scenario's timing however fast the command plays it and however loaded the machine is.
import { spawn } from 'node:child_process';
import net from 'node:net';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../server/src/clock.js';
import { startHomeMosquitto, type HomeMosquitto } from '../simulator/src/home-broker.js';
import { traceToNative } from '../simulator/src/off-the-shelf.js';
import { generateScenario } from '../simulator/src/scenarios.js';
import { spyDeviceMessages } from './helpers/bridge.js';
import { runCli } from './helpers/cli.js';
import { api, DEMO_DEVICE_SECRET, DEMO_PASSWORD, login, settle, startTestServer, type TestServer } from './helpers/server.js';

const IDS = { room: 'demo-room', wrist: 'demo-wrist' };
const simulate = (args: string[], env: Record<string, string>) => runCli('simulator/src/cli.ts', args, env, 150_000);

/** The server's clock follows the newest device `ts`, moved before ingest takes the message (its inbox drains in a later microtask). */
function followReadingTime(ts: TestServer): void {
  ts.server.embeddedBroker!.aedes.prependListener('publish', (packet) => {
    if (!packet.topic.startsWith('odart/v1/devices/')) return;
    let stamp: unknown;
    try {
      stamp = (JSON.parse(Buffer.from(packet.payload).toString('utf8')) as { ts?: unknown }).ts;
    } catch {
      return;
    }
    if (typeof stamp === 'number') queueMicrotask(() => stamp > ts.clock.now() && ts.clock.advanceTo(stamp));
  });
}

const portIsClosed = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

describe('npm run simulate -- <scenario> --off-the-shelf', () => {
  let ts: TestServer;
  let env: Record<string, string>;
  beforeEach(async () => {
    ts = await startTestServer({ clock: new VirtualClock(Date.now()) });
    followReadingTime(ts);
    env = { MQTT_URL: ts.mqttUrl, API_URL: ts.base, DEMO_PASSWORD, DEMO_DEVICE_SECRET, DATA_DIR: ts.dataDir };
  });
  afterEach(async () => {
    await ts.close();
  });

  it('overdose: native payloads on the Mosquitto it starts -> the gateway -> the server raise the responder alert', async () => {
    const seen = spyDeviceMessages(ts);
    const r = await simulate(['overdose', '--off-the-shelf', '--speed', '1000'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('simulating "overdose" as off-the-shelf sensors');
    expect(r.stdout).toContain('(Mosquitto started for this run); gateway "demo-gateway"');
    const expected = traceToNative(generateScenario('overdose', { seed: 1, wearer: 'demo-wearer', ...IDS }).lines, IDS).flatMap(
      (s) => s.messages,
    );
    const count = (kind: string) => expected.filter((m) => (m.kind === 'ble' ? 'ble' : m.topic.split('/')[0]) === kind).length;
    expect(r.stdout).toContain(
      `done: ${expected.length} native messages sent (zigbee2mqtt ${count('zigbee2mqtt')}, esphome ${count('room-presence') + count('room-breathing')}, ble ${count('ble')})`,
    );
    expect(r.stdout).toMatch(/0 malformed, 0 unmapped, 0 rejected; \d+ acknowledged by the server, 0 undelivered/);
    // the Mosquitto it started is gone
    const port = Number(/home broker mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(r.stdout)?.[1]);
    expect(await portIsClosed(port)).toBe(true);

    await settle(ts);
    const alex = await login(ts.base, 'alex');
    const alerts = (await api<{ state: string; wearerId: string; reasons: string[] }[]>(ts.base, alex, 'GET', '/api/alerts')).body;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ state: 'escalating', wearerId: 'demo-wearer' });
    expect(alerts[0]!.reasons.join(' ')).toMatch(/no breathing|breathing \d|SpO2|oxygen/i);
    // each source reached the server as its project device, stamped with the scenario's time
    const of = (topic: string) => seen.filter((m) => m.topic === `odart/v1/devices/${topic}`);
    expect(of('demo-wrist/vitals').some((m) => typeof m.data.spo2 === 'number')).toBe(true);
    expect(of('demo-room/vitals').some((m) => typeof m.data.rr === 'number')).toBe(true);
    expect(of('demo-room/presence').length).toBeGreaterThan(0);
    expect(of('demo-room/door')).toHaveLength(1);
    const stamps = of('demo-wrist/vitals').map((m) => m.data.ts as number);
    expect(Math.max(...stamps) - Math.min(...stamps)).toBe(239_000);
  }, 200_000);

  // Run as node --import tsx (no tsx wrapper: under load the wrapper itself turns a SIGTERM it relays into a SIGKILL).
  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'stopped with %s mid-run, it leaves no Mosquitto behind',
    async (signal) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'simulator/src/cli.ts', 'overdose', '--off-the-shelf', '--speed', '1'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // 'close': exited and all its output read (its 'exit' can come before the last of its output)
      const exited = new Promise<number | null>((resolve) => p.once('close', (code) => resolve(code)));
      let out = '';
      const port = await new Promise<number>((resolve, reject) => {
        p.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /home broker mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        void exited.then((code) => reject(new Error(`exited (${code}) before playing: ${out}`)));
      });
      expect(await portIsClosed(port)).toBe(false);
      p.kill(signal);
      const code = await exited;
      if (signal === 'SIGTERM') {
        expect(code).toBe(1); // it ended itself, saying so (a process the signal killed has no exit code)
        expect(out).toContain('stopped before the end of the scenario\ndone: ');
        expect(await portIsClosed(port)).toBe(true);
      } else {
        // killed outright: its watchdog stops Mosquitto once the pipe to the dead process closes (an outside process: bounded wait)
        for (let i = 0; i < 100 && !(await portIsClosed(port)); i++) await new Promise((r) => setTimeout(r, 50));
        expect(await portIsClosed(port)).toBe(true);
      }
    },
    120_000,
  );

  it('--home-broker URL: the payloads go to that broker, which it leaves running', async () => {
    const broker: HomeMosquitto = await startHomeMosquitto();
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'watcher', protocolVersion: 4, reconnectPeriod: 0 });
    try {
      const topics = new Map<string, number>();
      watcher.on('message', (topic) => topics.set(topic, (topics.get(topic) ?? 0) + 1));
      await watcher.subscribeAsync('#', { qos: 1 });
      const r = await simulate(['normal', '--off-the-shelf', '--home-broker', broker.url, '--speed', '1000'], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`home broker ${broker.url}; gateway "demo-gateway"`);
      const expected = new Map<string, number>();
      for (const s of traceToNative(generateScenario('normal', { seed: 1, wearer: 'demo-wearer', ...IDS }).lines, IDS))
        for (const m of s.messages) if (m.kind === 'mqtt') expected.set(m.topic, (expected.get(m.topic) ?? 0) + 1);
      // the broker delivers to the watcher in order: once its own marker is back, everything before it is in
      const marker = new Promise<void>((resolve) => watcher.on('message', (t) => t === 'watcher/done' && resolve()));
      await watcher.publishAsync('watcher/done', 'x', { qos: 1 });
      await marker;
      topics.delete('watcher/done');
      expect(Object.fromEntries(topics)).toEqual(Object.fromEntries(expected));
      expect(await portIsClosed(broker.port)).toBe(false);
      await settle(ts);
      const alex = await login(ts.base, 'alex');
      expect((await api<unknown[]>(ts.base, alex, 'GET', '/api/alerts')).body).toEqual([]);
    } finally {
      await watcher.endAsync();
      await broker.close();
    }
  }, 200_000);
});

describe('npm run simulate -- --off-the-shelf: bad command lines', () => {
  it('are usage errors (exit 2) that say what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [['overdose', '--home-broker', 'mqtt://127.0.0.1:1883'], /--home-broker goes with --off-the-shelf/],
      [
        ['overdose', '--off-the-shelf', '--home-broker', 'http://127.0.0.1:1883'],
        /--home-broker needs an MQTT URL such as mqtt:\/\/127\.0\.0\.1:1883, got "http:\/\/127\.0\.0\.1:1883"/,
      ],
      [['overdose', '--off-the-shelf', '--home-broker'], /--home-broker needs an MQTT URL/],
      [
        ['overdose', '--off-the-shelf', '--via-bridge', 'udp://127.0.0.1:18830', '--wearers', '3'],
        /cannot be combined with --via-bridge, --wearers/,
      ],
      [['--off-the-shelf', 'overdose'], /--off-the-shelf takes no value \(got "overdose"\)/],
      [['overdose', '--off-the-shelf', '--model', 'spo2'], /--model is 1 or 2/],
    ];
    for (const [args, message] of cases) {
      const r = await simulate(args, {});
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(r.stderr).toMatch(message);
    }
  }, 120_000);

  it('a home broker that cannot be reached, or no gateway secret, is a clear error (exit 1)', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const unreachable = await simulate(['overdose', '--off-the-shelf', '--home-broker', `mqtt://127.0.0.1:${port}`], {
      DEMO_DEVICE_SECRET,
      MQTT_URL: `mqtt://127.0.0.1:${port}`,
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`simulate: cannot reach the home broker mqtt://127.0.0.1:${port}`);
    const noSecret = await simulate(['overdose', '--off-the-shelf', '--home-broker', `mqtt://127.0.0.1:${port}`], {
      DATA_DIR: '/nonexistent',
    });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toContain(`simulate: the gateway's settings: BRIDGE_SECRET: no secret for gateway "demo-gateway"`);
  }, 120_000);
});
