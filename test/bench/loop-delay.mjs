// Preloaded into the bench's server child (node --import): the server's event-loop delay, so a bench run shows
// stalls directly. SIGUSR2 writes the histogram since the last signal to $BENCH_LOOP_FILE (JSON) and resets it,
// with every stall over 50 ms (stalls.mjs): when (monotonic ms, to line up with a CPU profile), how long, the GC
// inside it, and with BENCH_LOOP_PROFILE=1 the functions that ran in it (an in-process CPU profile: costs a little).
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { renameSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { watchStalls } from './stalls.mjs';

const file = process.env.BENCH_LOOP_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const stalls = watchStalls({ thresholdMs: 50, profile: process.env.BENCH_LOOP_PROFILE === '1' });
  let gcMs = 0;
  let gcMax = 0;
  let gcCount = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcCount++;
      if (e.duration > gcMax) gcMax = e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('SIGUSR2', () => {
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const hist = {
      p50: ms(h.percentile(50)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
      gcMs: Math.round(gcMs),
      gcMaxMs: Math.round(gcMax * 100) / 100,
      gcCount,
    };
    h.reset();
    gcMs = gcMax = gcCount = 0;
    void stalls.report().then((list) => {
      // whole or not at all: the bench reads the file as soon as it exists
      writeFileSync(`${file}.part`, JSON.stringify({ ...hist, stalls: list }));
      renameSync(`${file}.part`, file);
    });
  });
}
