// The C99 single-header encoder (firmware-bridge/c/odart_frame.h), compiled with this machine's `cc`:
// its frames equal the published test vectors, and its byte stream, behind line noise, goes
// through the real bridge and broker to the server as the right device messages.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frameSender, spyDeviceMessages, startTestBridge, type TestBridge } from '../../test/helpers/bridge.js';
import { api, login, settle, startTestServer, until, type TestServer } from '../../test/helpers/server.js';
import { decodeFrame } from './frame.js';
import { VECTORS, VECTOR_T } from './vectors.js';

const cDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../c');
let tmp: string;
let exe: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'odart-c-'));
  exe = path.join(tmp, 'odart-example');
  execFileSync('cc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-O2', '-o', exe, path.join(cDir, 'example.c')], {
    stdio: 'pipe',
  });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('C99 encoder (odart_frame.h)', () => {
  it('compiles cleanly with -std=c99 -pedantic -Werror and encodes the published test vectors byte for byte', () => {
    const lines = execFileSync(exe, ['--hex'], { encoding: 'utf8' }).trim().split('\n');
    expect(lines.slice(0, VECTORS.length)).toEqual(VECTORS.map((v) => v.hex));
    // and everything else it wrote decodes
    for (const hex of lines) expect(decodeFrame(Buffer.from(hex, 'hex')).ok).toBe(true);
  });

  describe('round trip through the bridge', () => {
    let ts: TestServer;
    let tb: TestBridge;
    beforeAll(async () => {
      ts = await startTestServer();
      tb = await startTestBridge(ts);
    });
    afterAll(async () => {
      await tb.close();
      await ts.close();
    });

    it('its byte stream, behind line noise, reaches the server as canonical MQTT messages and the help press alerts', async () => {
      const seen = spyDeviceMessages(ts);
      const stream = execFileSync(exe, [], { encoding: 'buffer' });
      const sender = await frameSender(tb.tcpPort);
      sender.raw(Buffer.from([0x00, 0xa7, 0x11, 0xff, 0x42, 0xa7])); // noise, including stray SYNC bytes
      sender.raw(stream);
      // 6 vectors + 10 vitals + help; 'w1' is not registered to demo-gateway: dropped at the bridge
      await until(() => seen.filter((m) => typeof m.data.seq === 'number').length >= 16, 500_000);
      await settle(ts);
      const st = tb.bridge.stats();
      expect(st.accepted).toBe(16);
      expect(st.rejected.not_registered).toBe(1);
      expect(st.garbageBytes).toBeGreaterThan(0);
      const byTopic = (t: string) => seen.filter((m) => m.topic === t).map((m) => m.data);
      // The C device's clock says 00:00 while the gateway's (virtual) clock says 12:00: the gateway
      // corrects the skew, so these live readings carry the arrival time, not a 12-hour-old stamp.
      const now = ts.clock.now();
      expect(now - VECTOR_T).toBe(12 * 3600_000);
      expect(byTopic('odart/v1/devices/demo-room/presence')).toEqual([{ ts: now, seq: 7, occupied: true, motion: 3 }]);
      const wrist = byTopic('odart/v1/devices/demo-wrist/vitals');
      expect(wrist[0]).toEqual({ ts: now, seq: 1, hr: 72, spo2: 97, rr: 14.5, activity: 20, onBody: true });
      expect(wrist[1]).toEqual({ ts: now, seq: 2, hr: null, spo2: 88.5, rr: 0, activity: null });
      expect(wrist.slice(2).map((d) => d.rr)).toEqual([8, 7.2, 6.4, 5.6, 4.8, 4, 3.2, 2.4, 1.6, 0.8]);
      // stamped by the device 1 s before vitals #2, so 1 s older after correction
      expect(byTopic('odart/v1/devices/demo-wrist/status')).toContainEqual({
        ts: now - 1000,
        seq: 3,
        state: 'online',
        battery: 87,
        fw: '1.2.0',
      });
      expect(byTopic('odart/v1/devices/demo-wrist/button')).toEqual([{ ts: now, seq: 110, action: 'help' }]);
      const cookie = await login(ts.base, 'alex');
      const alerts = (await api<{ reasons: string[] }[]>(ts.base, cookie, 'GET', '/api/alerts')).body;
      expect(alerts).toHaveLength(1);
      expect(alerts[0]!.reasons[0]).toMatch(/wearer pressed help/);
      sender.close();
    });
  });
});
