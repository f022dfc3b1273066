// Preloaded into the bench's server child (node --import): the server's event-loop delay, so a bench run shows
// stalls directly. SIGUSR2 writes the histogram since the last signal to $BENCH_LOOP_FILE (JSON) and resets it;
// stalls over 20 ms are listed with their time, to line up with a CPU profile.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const file = process.env.BENCH_LOOP_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
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
    writeFileSync(
      file,
      JSON.stringify({
        p50: ms(h.percentile(50)),
        p99: ms(h.percentile(99)),
        max: ms(h.max),
        gcMs: Math.round(gcMs),
        gcMaxMs: Math.round(gcMax * 100) / 100,
        gcCount,
      }),
    );
    h.reset();
    gcMs = gcMax = gcCount = 0;
  });
}
