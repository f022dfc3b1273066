// Shared by `simulate` and `replay`: device behaviour flags, connecting a trace's devices, and
// publishing the trace with a progress bar on a terminal and a final summary.
import { numberFlag, type Args } from './args.js';
import { connectDevice, disconnectDevice, type DeviceProfile, type VirtualDevice, type WearerScript } from './devices.js';
import { realTimers, type Timers } from './link.js';
import { publishTrace, type PublishSummary } from './publisher.js';
import type { DeviceKindName, TraceLine } from './trace.js';

export const BEHAVIOUR_USAGE = `device behaviour (all optional):
  --wearer-answers ok|help|none   a check-in prompt vibrates the wearable; the scripted wearer answers
  --answer-after S                seconds before the wearer answers (default 5)
  --model spo2-rr|spo2            wearable model: with or without a respiration-rate estimate
  --battery PCT --drain PCT_PER_H battery start and drain; low-battery status at 15 %, dead at 0 (Last Will)
  --skew MS                       device clock offset in the payload ts
  --delay MS --jitter MS          network latency (order kept)
  --loss P --ack-loss P           lost messages (QoS 1: redelivered with DUP) and lost PUBACKs (duplicates)
  --remove-at S                   the wearer takes the wearable off at trace second S (onBody false)
  --drop-at S                     abrupt network loss at trace second S (Last Will, reconnect with backoff)
  --kill-at S                     every device dies at trace second S (Last Will, no reconnect)`;

function optionalNumber(args: Args, name: string, min = 0, max = Number.POSITIVE_INFINITY): number | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} needs a number from ${min} to ${max}`);
  return n;
}

export interface Behaviour {
  profile: DeviceProfile;
  removeAtMs?: number;
  dropAtMs?: number;
  killAtMs?: number;
}

export function behaviourFromArgs(args: Args): Behaviour {
  const profile: DeviceProfile = {};
  const answers = args.flags.get('wearer-answers');
  if (answers !== undefined) {
    if (answers !== 'ok' && answers !== 'help' && answers !== 'none') throw new Error('--wearer-answers is ok, help or none');
    const w: WearerScript = { answers, afterS: optionalNumber(args, 'answer-after', 0, 3600) ?? 5 };
    profile.wearer = w;
  }
  const model = args.flags.get('model');
  // `--model 1|2` chooses the trace model (cli.ts), not the wearable model
  if (model !== undefined && model !== '1' && model !== '2') {
    if (model !== 'spo2' && model !== 'spo2-rr') throw new Error('--model is spo2-rr or spo2 (wearable), or 1 or 2 (trace model)');
    profile.model = model;
  }
  const battery = optionalNumber(args, 'battery', 0, 100);
  const drain = optionalNumber(args, 'drain', 0, 100_000);
  if (battery !== undefined || drain !== undefined) profile.battery = { startPct: battery ?? 100, drainPctPerHour: drain ?? 0 };
  const skew = optionalNumber(args, 'skew', -86_400_000, 86_400_000);
  if (skew !== undefined) profile.skewMs = skew;
  const delayMs = optionalNumber(args, 'delay', 0, 60_000);
  const jitterMs = optionalNumber(args, 'jitter', 0, 60_000);
  const loss = optionalNumber(args, 'loss', 0, 1);
  const ackLoss = optionalNumber(args, 'ack-loss', 0, 1);
  if (delayMs !== undefined || jitterMs !== undefined || loss !== undefined || ackLoss !== undefined) {
    profile.network = { delayMs: delayMs ?? 0, jitterMs: jitterMs ?? 0, loss: loss ?? 0, ackLoss: ackLoss ?? 0, retryMs: 2000 };
  }
  const at = (name: string) => {
    const s = optionalNumber(args, name, 0);
    return s === undefined ? undefined : s * 1000;
  };
  const b: Behaviour = { profile };
  const removeAt = at('remove-at');
  const dropAt = at('drop-at');
  const killAt = at('kill-at');
  if (removeAt !== undefined) b.removeAtMs = removeAt;
  if (dropAt !== undefined) b.dropAtMs = dropAt;
  if (killAt !== undefined) b.killAtMs = killAt;
  return b;
}

export function speedFromArgs(args: Args): number {
  return numberFlag(args, 'speed', 1);
}

/** Connects every device (a bounded number at a time); fails with the first device that cannot connect. */
export async function connectAll(
  devices: { id: string; kind: DeviceKindName }[],
  secretOf: (id: string) => string,
  o: { url: string; ca?: Buffer | undefined; profile: DeviceProfile; out: (s: string) => void; concurrency?: number; clock?: Timers },
): Promise<Map<string, VirtualDevice>> {
  const out = new Map<string, VirtualDevice>();
  let next = 0;
  const worker = async () => {
    while (next < devices.length) {
      const d = devices[next++]!;
      const dev = await connectDevice(
        { id: d.id, secret: secretOf(d.id) },
        {
          url: o.url,
          ...(o.ca ? { ca: o.ca } : {}),
          profile: { ...o.profile, kind: d.kind },
          // Real devices stamp their readings (`ts`); the clock is the machine's unless a test gives one.
          clock: o.clock ?? realTimers,
          onEvent: (id, e) => {
            if (e.type === 'vibrate') o.out(`\n[${id}] check-in prompt: vibrating ("are you OK?") ${e.detail ?? ''}\n`);
            else if (e.type === 'vibrate_stop') o.out(`\n[${id}] check-in cancelled: vibration stops\n`);
            else if (e.type === 'answered') o.out(`\n[${id}] the wearer pressed ${String(e.detail).toUpperCase()}\n`);
            else if (e.type === 'low_battery') o.out(`\n[${id}] low battery (${e.detail}%)\n`);
            else if (e.type === 'battery_dead' || e.type === 'killed')
              o.out(`\n[${id}] device died: the broker publishes its Last Will (offline)\n`);
            else if (e.type === 'reconnect_scheduled') o.out(`\n[${id}] connection lost; reconnecting in ${e.detail} ms\n`);
            else if (e.type === 'monitored') o.out(`\n[${id}] monitored: the core is watching\n`);
            else if (e.type === 'not_monitored') o.out(`\n[${id}] NOT MONITORED: no word from the core for 3 minutes\n`);
          },
        },
      );
      out.set(d.id, dev);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 20, devices.length) }, worker));
  } catch (err) {
    for (const d of out.values()) d.kill();
    throw err;
  }
  return out;
}

export interface RunSummary extends PublishSummary {
  duplicates: number;
  lost: number;
}

/** Publishes the trace in real time scaled by speed; a progress bar when stdout is a terminal. */
export async function runTrace(
  lines: TraceLine[],
  devices: Map<string, VirtualDevice>,
  o: { speed: number; behaviour: Behaviour; tty: boolean; out: (s: string) => void; signal?: AbortSignal },
): Promise<RunSummary> {
  const b = o.behaviour;
  const done = { remove: false, drop: false, kill: false };
  const wearables = [...devices.values()].filter((d) => d.kind === 'wearable');
  let lastDrawn = -1;
  const summary = await publishTrace(lines, devices, {
    speed: o.speed,
    ...(o.signal ? { signal: o.signal } : {}),
    onTick: (t) => {
      if (b.removeAtMs !== undefined && !done.remove && t >= b.removeAtMs) {
        done.remove = true;
        for (const d of wearables) d.remove();
        o.out(`\n[${wearables.map((d) => d.id).join(', ')}] taken off the body\n`);
      }
      if (b.dropAtMs !== undefined && !done.drop && t >= b.dropAtMs) {
        done.drop = true;
        for (const d of devices.values()) d.dropConnection();
      }
      if (b.killAtMs !== undefined && !done.kill && t >= b.killAtMs) {
        done.kill = true;
        for (const d of devices.values()) d.kill();
      }
    },
    onProgress: (n, total) => {
      if (!o.tty) return;
      const pct = Math.floor((n / total) * 100);
      if (pct === lastDrawn && n !== total) return;
      lastDrawn = pct;
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      o.out(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${n}/${total} messages`);
    },
  });
  let duplicates = 0;
  let lost = 0;
  for (const d of devices.values()) {
    const s = d.linkStats;
    duplicates += s.acksLost;
    lost += s.qos0Lost;
  }
  for (const d of devices.values()) await disconnectDevice(d).catch(() => undefined);
  return { ...summary, duplicates, lost };
}

export function formatSummary(s: RunSummary): string {
  const extra = [
    s.duplicates > 0 ? `${s.duplicates} delivered twice (lost PUBACK)` : '',
    s.lost > 0 ? `${s.lost} lost (QoS 0)` : '',
  ].filter(Boolean);
  return `done: ${s.sent} sent, ${s.acknowledged} acknowledged, ${s.errors} errors${extra.length ? `; ${extra.join(', ')}` : ''}`;
}
