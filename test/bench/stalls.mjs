// Event-loop stalls, one by one (the histogram of monitorEventLoopDelay says how bad, not when or what): a 10 ms
// interval timer that notes every turn it came late by more than the threshold, with the GC time inside the stall
// and, where the bench said what it was doing (mark), that label; with a CPU profile (profile: true, the inspector
// in process, its sampler on its own thread) also the functions the stall's samples were in.
// Plain JavaScript: the server child preloads it (loop-delay.mjs) before tsx is loaded.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';

const EVERY_MS = 10;
/** Stalls kept per report; the longest win when there are more. */
const KEEP = 200;

/** Monotonic microseconds on the clock V8's CPU profile uses. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

export function watchStalls({ thresholdMs = 50, profile = false } = {}) {
  let stalls = [];
  let gcs = [];
  let label = '';
  /** labels marked since the last tick: a stall that ended with mark('') still shows what ran in it */
  let marked = new Set();
  let last = nowUs();
  const timer = setInterval(() => {
    const t = nowUs();
    const late = (t - last) / 1000 - EVERY_MS;
    if (late > thresholdMs) {
      if (label) marked.add(label);
      stalls.push({ startUs: last + EVERY_MS * 1000, endUs: t, ms: Math.round(late), during: [...marked].join(', ') });
    }
    marked = new Set();
    last = t;
  }, EVERY_MS);
  timer.unref();
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // entry times are performance.now() ms; shift onto the monotonic microseconds of the stalls
      const endUs = nowUs() - (performance.now() - (e.startTime + e.duration)) * 1000;
      gcs.push({ startUs: endUs - e.duration * 1000, endUs });
    }
    if (gcs.length > 10_000) gcs = gcs.slice(-5_000);
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  let session = null;
  if (profile) {
    session = new Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 1000 });
    session.post('Profiler.start');
  }
  const stopProfile = () =>
    new Promise((resolve) => {
      if (!session) return resolve(null);
      session.post('Profiler.stop', (err, res) => {
        if (err) return resolve(null);
        session.post('Profiler.start');
        resolve(res.profile);
      });
    });

  return {
    /** what the bench is doing now (in-process benches); shown with a stall that began meanwhile */
    mark(what) {
      label = what;
      if (what) marked.add(what);
    },
    /** The stalls since the last report (longest first, at most KEEP), then starts afresh. */
    async report() {
      const prof = await stopProfile();
      const out = stalls
        .sort((a, b) => b.ms - a.ms)
        .slice(0, KEEP)
        .map((s) => {
          let gcMs = 0;
          for (const g of gcs) gcMs += Math.max(0, Math.min(g.endUs, s.endUs) - Math.max(g.startUs, s.startUs)) / 1000;
          const row = { ms: s.ms, atMs: Math.round(s.startUs / 1000), gcMs: Math.round(gcMs) };
          if (s.during) row.during = s.during;
          if (prof) row.top = topFunctions(prof, s.startUs, s.endUs);
          return row;
        });
      stalls = [];
      gcs = [];
      return out;
    },
    stop() {
      clearInterval(timer);
      gcObserver.disconnect();
      session?.disconnect();
    },
  };
}

/** The functions with most samples (self time) between two monotonic microsecond times of a V8 CPU profile. */
function topFunctions(prof, fromUs, toUs) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  let t = prof.startTime;
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const f = byId.get(prof.samples[i])?.callFrame;
    if (!f) continue;
    const where = f.url ? `${f.url.replace(/^.*\/(server|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where ? ' ' + where : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    total++;
  }
  if (total === 0) return [];
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([fn, n]) => `${Math.round((100 * n) / total)}% ${fn}`);
}
