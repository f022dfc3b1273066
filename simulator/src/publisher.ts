// Publishes trace samples as the trace's devices, in trace time scaled by --speed, or stepped by a
// caller-supplied hook (tests drive a virtual server clock with it). Labels are never published.
import type { SampleLine, TraceLine } from './trace.js';
import type { VirtualDevice } from './devices.js';

export interface PublishOptions {
  /** 1 = real time; 10 = ten times faster */
  speed: number;
  /** called before the samples of each new trace time are published; replaces waiting when given */
  onTime?: (t: number) => Promise<void>;
  /** called at each new trace time, in both modes, before its samples (device behaviours hook in here) */
  onTick?: (t: number) => void;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface PublishSummary {
  sent: number;
  acknowledged: number;
  errors: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(h);
      resolve();
    };
    const h = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export async function publishTrace(lines: TraceLine[], devices: Map<string, VirtualDevice>, o: PublishOptions): Promise<PublishSummary> {
  const samples = lines.filter((l): l is SampleLine => 'device' in l);
  const summary: PublishSummary = { sent: 0, acknowledged: 0, errors: 0 };
  const start = Date.now();
  let currentT = -1;
  let i = 0;
  const pending: Promise<void>[] = [];
  while (i < samples.length) {
    if (o.signal?.aborted) break;
    const t = samples[i]!.t;
    if (t !== currentT) {
      currentT = t;
      if (o.onTime) await o.onTime(t);
      else await sleep(start + t / o.speed - Date.now(), o.signal);
      if (o.signal?.aborted) break;
      o.onTick?.(t);
    }
    const batch: Promise<void>[] = [];
    while (i < samples.length && samples[i]!.t === t) {
      const s = samples[i]!;
      i++;
      const dev = devices.get(s.device);
      if (!dev) {
        summary.errors++;
        continue;
      }
      summary.sent++;
      batch.push(
        dev.publish(s.stream, s.data).then(
          () => {
            summary.acknowledged++;
          },
          () => {
            summary.errors++;
          },
        ),
      );
    }
    // Stepped (virtual time): each instant is acknowledged before the next, for determinism.
    // Real time: a device samples on schedule whether or not its last message was acknowledged.
    if (o.onTime) await Promise.all(batch);
    else pending.push(...batch);
    o.onProgress?.(i, samples.length);
  }
  await Promise.all(pending);
  return summary;
}
