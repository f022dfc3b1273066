// The wearer's devices as the detector knows them: when each last reported, whether it reports at a
// steady rate (so silence means something), offline and low-battery notices once per crossing.
import { secs } from './rules/rule.js';
import type { Decision, Thresholds } from './types.js';

export interface DeviceState {
  lastT: number;
  /** sends vitals or presence at a steady rate, so silence means something */
  periodic: boolean;
  offline: boolean;
  silentNotified: boolean;
  lowBattery: boolean;
}

export class Devices {
  private readonly map = new Map<string, DeviceState>();

  /** A message from `id` at `t`; `periodic` when it is vitals or presence. */
  seen(id: string, t: number, periodic: boolean): DeviceState {
    let d = this.map.get(id);
    if (!d) {
      d = { lastT: t, periodic, offline: false, silentNotified: false, lowBattery: false };
      this.map.set(id, d);
    }
    if (t > d.lastT) d.lastT = t;
    if (periodic) {
      d.periodic = true;
      d.silentNotified = false;
      d.offline = false;
    }
    return d;
  }

  /** Periodic devices with no data for `offlineSeconds`: one technical notice each, until they report again. */
  silent(now: number, th: Thresholds, out: Decision[]): void {
    const silentLimit = th.offlineSeconds * 1000;
    for (const [id, d] of this.map) {
      if (d.periodic && !d.silentNotified && !d.offline && now - d.lastT >= silentLimit) {
        d.silentNotified = true;
        out.push({ kind: 'technical', t: now, deviceId: id, issue: 'offline', detail: `no data for ${secs(now - d.lastT)} s` });
      }
    }
  }

  /** A status report's state; true when the device has just gone offline (the episode decides what that means). */
  status(dev: DeviceState, state: 'online' | 'offline'): boolean {
    if (state === 'offline') {
      if (dev.offline) return false;
      dev.offline = true;
      return true;
    }
    dev.offline = false;
    dev.silentNotified = false;
    return false;
  }

  /** A status report's battery: a notice once per crossing of `lowBattery` (re-armed 5 points above it). */
  battery(t: number, deviceId: string, dev: DeviceState, battery: number, th: Thresholds, out: Decision[]): void {
    if (battery <= th.lowBattery && !dev.lowBattery) {
      dev.lowBattery = true;
      out.push({ kind: 'technical', t, deviceId, issue: 'low_battery', detail: `battery ${Math.round(battery)}%` });
    } else if (battery > th.lowBattery + 5) {
      dev.lowBattery = false;
    }
  }
}
