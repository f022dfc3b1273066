// In-memory directory of devices -> wearer, kept in step with the store so the hot path needs no query.
import type { Repos } from '../store/index.js';
import type { ConsentState, DeviceKind } from '../store/schema.js';

export interface DeviceEntry {
  deviceId: string;
  kind: DeviceKind;
  serviceId: string;
  wearerId: string | null;
}

export class DeviceDirectory {
  private readonly devices = new Map<string, DeviceEntry>();
  private readonly consent = new Map<string, ConsentState>();

  constructor(private readonly repos: Repos) {}

  async load(): Promise<void> {
    this.devices.clear();
    for (const d of await this.repos.allDevices()) {
      this.devices.set(d.id, { deviceId: d.id, kind: d.kind, serviceId: d.service_id, wearerId: d.wearer_id });
    }
    const wearers = await this.repos.wearers.consentStates();
    this.consent.clear();
    for (const w of wearers) this.consent.set(w.id, w.consent);
  }

  get(deviceId: string): DeviceEntry | undefined {
    return this.devices.get(deviceId);
  }

  /** Looks a device up in the store (a device registered after start-up). */
  async fetch(deviceId: string): Promise<DeviceEntry | undefined> {
    const d = await this.repos.deviceById(deviceId);
    if (!d) return undefined;
    const entry: DeviceEntry = { deviceId: d.id, kind: d.kind, serviceId: d.service_id, wearerId: d.wearer_id };
    this.devices.set(d.id, entry);
    if (d.wearer_id && !this.consent.has(d.wearer_id)) {
      const w = await this.repos.wearerById(d.wearer_id);
      if (w) this.consent.set(w.id, w.consent);
    }
    return entry;
  }

  /** The wearers whose consent is active (those whose devices' data ingest takes). */
  consentingWearers(): string[] {
    return [...this.consent].filter(([, c]) => c === 'active').map(([id]) => id);
  }

  /** The kinds of device each wearer has (one pass over the devices: the detector rebuild's windows). */
  kindsByWearer(): Map<string, Set<DeviceKind>> {
    const out = new Map<string, Set<DeviceKind>>();
    for (const d of this.devices.values()) {
      if (d.wearerId === null) continue;
      let k = out.get(d.wearerId);
      if (!k) out.set(d.wearerId, (k = new Set()));
      k.add(d.kind);
    }
    return out;
  }

  consentOf(wearerId: string): ConsentState | undefined {
    return this.consent.get(wearerId);
  }

  setConsent(wearerId: string, state: ConsentState): void {
    this.consent.set(wearerId, state);
  }

  forget(deviceId: string): void {
    this.devices.delete(deviceId);
  }

  forgetWearer(wearerId: string): void {
    this.consent.delete(wearerId);
    for (const [id, e] of this.devices) if (e.wearerId === wearerId) this.devices.delete(id);
  }
}
