// Detection core benchmark: samples/s through WearerDetector in virtual time (one core, no I/O)
// and retained heap per wearer. `npm run detection-report` and `npm run bench` report it; docs/detection.md quotes it.
// A measuring rig, not server code, so it lives here beside detection-report rather than in server/src.
import { DetectionEngine, type Sample } from '../../server/src/detection/index.js';

export interface DetectionBench {
  /** the median over `runs` timed passes (a best run is not the figure) */
  samplesPerSec: number;
  /** slowest and fastest pass */
  samplesPerSecRange: [number, number];
  runs: number;
  samples: number;
  wearers: number;
  bytesPerWearer: number | null;
}

/** A day-like stream: 1 Hz vitals with a breathing pause now and then, presence every 2 s. */
function makeSamples(n: number): Sample[] {
  const out: Sample[] = [];
  let x = 12345;
  const rnd = () => (x = (x * 1103515245 + 12345) >>> 0) / 4294967296;
  for (let i = 0; i < n; i++) {
    const t = i * 1000;
    const pause = i % 300 > 290;
    out.push({
      t,
      deviceId: 'wrist',
      message: {
        stream: 'vitals',
        data: { hr: 70 + rnd() * 6, spo2: 96 + rnd() * 2, rr: pause ? 0 : 13 + rnd() * 2, activity: rnd() * 20, onBody: true },
      },
    });
    if (i % 2 === 0) out.push({ t, deviceId: 'room', message: { stream: 'presence', data: { occupied: true, motion: 10 + rnd() * 30 } } });
  }
  return out;
}

/**
 * Feeds `samples` samples spread over `wearers` wearers (ticking each wearer once per simulated
 * second, as the server does) and times it; then measures heap retained per wearer.
 */
export function benchDetection(opts: { samples?: number; wearers?: number; memoryWearers?: number; runs?: number } = {}): DetectionBench {
  const total = opts.samples ?? 2_000_000;
  const runs = opts.runs ?? 3;
  const wearers = opts.wearers ?? 100;
  const perWearer = makeSamples(Math.ceil(total / wearers / 1.5));
  const engine = new DetectionEngine();
  const ids = Array.from({ length: wearers }, (_, i) => `w${i}`);
  // warm-up so the JIT has settled before timing
  for (const s of perWearer.slice(0, 2000)) engine.ingest('warm', s);
  engine.forget('warm');
  const rates: number[] = [];
  let count = 0;
  for (let run = 0; run < runs; run++) {
    // each pass gets fresh detectors, so every pass times the same work
    for (const id of ids) engine.forget(id);
    count = 0;
    const start = process.hrtime.bigint();
    for (const id of ids) {
      const d = engine.detector(id);
      let lastSecond = -1;
      for (const s of perWearer) {
        d.onSample(s);
        count++;
        const sec = Math.floor(s.t / 1000);
        if (sec !== lastSecond) {
          lastSecond = sec;
          d.tick(s.t + 500);
        }
      }
    }
    rates.push(Math.round(count / (Number(process.hrtime.bigint() - start) / 1e9)));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  return {
    samplesPerSec: sorted[Math.floor(sorted.length / 2)]!,
    samplesPerSecRange: [sorted[0]!, sorted[sorted.length - 1]!],
    runs,
    samples: count,
    wearers,
    bytesPerWearer: measureBytesPerWearer(opts.memoryWearers ?? 2000),
  };
}

/** Heap growth per detector that has seen every stream (needs --expose-gc for a clean figure). */
export function measureBytesPerWearer(n: number): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples = makeSamples(120);
  const doorAndStatus: Sample[] = [
    { t: 120_000, deviceId: 'door', message: { stream: 'door', data: { open: false } } },
    { t: 120_000, deviceId: 'wrist', message: { stream: 'status', data: { state: 'online', battery: 80 } } },
  ];
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const engine = new DetectionEngine();
  for (let i = 0; i < n; i++) {
    const id = `w${i}`;
    for (const s of samples) engine.ingest(id, s);
    for (const s of doorAndStatus) engine.ingest(id, s);
  }
  gc?.();
  const after = process.memoryUsage().heapUsed;
  const per = Math.round((after - before) / n);
  // keep `engine` alive until measured
  return engine.size === n && per > 0 ? per : null;
}
