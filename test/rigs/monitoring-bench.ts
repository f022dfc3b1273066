// `npm run bench -- --only=monitoring`: one round of the `monitoring` command (server/src/health/monitoring.ts) at N
// devices, in process: the real beacon, the real in-process bus with a subscriber that encodes each command as the
// broker would, and the real SQLite store taking the round's `monitored_at` update. Reports the round's wall time,
// the most devices told in one event-loop turn and every loop stall over 50 ms meanwhile (stalls.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../../server/src/clock.js';
import { InProcessBus } from '../../server/src/events/index.js';
import type { Events } from '../../server/src/events/index.js';
import { CoreHealth, MonitoringBeacon } from '../../server/src/health/index.js';
import { createLogger } from '../../server/src/log.js';
import { openStore } from '../../server/src/store/index.js';
import { watchStalls } from '../bench/stalls.mjs';

export async function benchMonitoring(o: { devices: number; rounds: number; log: (s: string) => void }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-monitoring-'));
  const store = await openStore(dir);
  try {
    const now = Date.now();
    await store.repos.insertService({ id: 'bench', name: 'Bench', emergency_number: '112', created_at: now });
    // one wearer (consent active) with one device each, enrolled in chunks
    for (let i = 0; i < o.devices; i += 1000) {
      const n = Math.min(1000, o.devices - i);
      await store.repos.enrol({
        wearers: Array.from({ length: n }, (_, k) => ({
          id: `w-${i + k}`,
          service_id: 'bench',
          alias: `W${i + k}`,
          address: null,
          access_notes: null,
          phone: null,
          emergency_contact_phone: null,
          chain_id: null,
          consent: 'active' as const,
          thresholds: null,
          created_at: now,
        })),
        devices: Array.from({ length: n }, (_, k) => ({
          id: `dev-${i + k}`,
          service_id: 'bench',
          wearer_id: `w-${i + k}`,
          kind: 'wearable' as const,
          secret_hash: 'x',
          last_seen_at: null,
          battery: null,
          online: 1,
          created_at: now,
        })),
      });
    }
    // the round's read, the way before issue 14's fix (every device row and every wearer's consent, one query each)
    // and now (watchedDeviceIds: ids only, keyset pages), alternated: wall time of each (the new one yields between pages)
    const reads: { allRowsMs: number[]; watchedIdsMs: number[] } = { allRowsMs: [], watchedIdsMs: [] };
    for (let r = 0; r < 3; r++) {
      let t = performance.now();
      const active = new Set((await store.repos.wearers.consentStates()).filter((w) => w.consent === 'active').map((w) => w.id));
      const old = (await store.repos.allDevices()).filter((d) => d.wearer_id !== null && active.has(d.wearer_id)).length;
      reads.allRowsMs.push(Math.round((performance.now() - t) * 10) / 10);
      t = performance.now();
      const now = (await store.repos.devices.watchedDeviceIds()).length;
      reads.watchedIdsMs.push(Math.round((performance.now() - t) * 10) / 10);
      if (old !== now || now !== o.devices) throw new Error(`monitoring bench: ${old} devices read before, ${now} now, of ${o.devices}`);
    }
    const bus = new InProcessBus<Events>();
    // which loop turn each command went out in: a setImmediate chain counts the turns
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const perTurn = new Map<number, number>();
    let bytes = 0;
    bus.subscribe('device.command', (e) => {
      perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
      bytes += Buffer.byteLength(JSON.stringify(e.command)) + `odart/v1/devices/${e.deviceId}/command`.length;
    });
    const health = new CoreHealth({
      clock: systemClock,
      probes: {
        brokerUp: () => true,
        storeAnswers: () => store.repos.isEmpty(),
        lastDetectionTick: () => Date.now(),
        lastEscalationTick: () => Date.now(),
      },
    });
    const stalls = watchStalls({ thresholdMs: 50, profile: process.env.BENCH_LOOP_PROFILE === '1' });
    const beacon = new MonitoringBeacon({
      clock: systemClock,
      bus,
      health,
      log: createLogger('silent'),
      monitoredDevices: async () => {
        stalls.mark('reading the devices');
        // as server.ts reads them: the devices of wearers with consent active, ids only, by keyset pages
        const ids = await store.repos.devices.watchedDeviceIds();
        stalls.mark('telling');
        return ids;
      },
      told: async (deviceIds, at) => {
        stalls.mark('storing the round');
        await store.repos.markMonitored(deviceIds, at);
        stalls.mark('');
      },
    });
    const seconds: number[] = [];
    let told = 0;
    for (let r = 0; r < o.rounds; r++) {
      const t0 = performance.now();
      told = await beacon.send();
      seconds.push((performance.now() - t0) / 1000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    ticking = false;
    const list = await stalls.report();
    stalls.stop();
    o.log(`  monitoring: ${told} devices a round, ${bytes} bytes of commands over ${o.rounds} rounds`);
    return {
      devices: o.devices,
      told,
      rounds: o.rounds,
      roundMs: seconds.map((s) => Math.round(s * 1000)),
      reads,
      maxDevicesPerTurn: Math.max(0, ...perTurn.values()),
      stalls: list,
      loopMaxMs: Math.max(0, ...list.map((s) => s.ms)),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
