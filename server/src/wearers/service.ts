// Wearers and their devices changed (admin edits, bulk import, thresholds, consent, deletion): one
// place says what follows. The change is told on the bus (`wearer.changed`, `device.changed`); the
// reactions below keep the ingest directory, the thresholds cache, the detector, erasure and the
// broker in step, in the order that matters (the directory first: ingest must follow at once).
import type { Bus } from '../events/index.js';
import type { Logger } from '../log.js';
import type { ConsentState, Repos } from '../store/index.js';
import type { WearerThresholds } from './thresholds.js';

/** What the reactions need of the other parts (narrow on purpose: wearers/ imports none of them). */
export interface WearerFollowers {
  directory: {
    setConsent(wearerId: string, state: ConsentState): void;
    forgetWearer(wearerId: string): void;
    forget(deviceId: string): void;
    fetch(deviceId: string): Promise<unknown>;
  };
  thresholds: WearerThresholds;
  engine: { retune(wearerId: string): void; forget(wearerId: string): void };
  /** erasure of a deleted wearer's consent links, consent log and raw vitals */
  consent: { forgetWearer(wearerId: string): Promise<void> };
  /** the notice board: its pending writes finish before the wearer's notices go */
  notices: { idle(): Promise<void>; repo: { forgetWearer(wearerId: string): Promise<unknown> } };
  broker: { forgetDevice(deviceId: string): void; disconnectDevice(deviceId: string): void };
}

export interface WearerServiceDeps {
  repos: Pick<Repos, 'wearerById' | 'updateDevice'>;
  bus: Bus;
  log: Logger;
  /**
   * External broker mode (MQTT_URL): device credentials and ACL put into the broker (broker/provisioning.ts).
   * Called before `device.changed` is told, with the plaintext secret when one was just issued (it is never
   * on the bus); a failure fails the admin request, so the secret shown is one the broker took.
   */
  provisioning?: { deviceChanged(deviceId: string, secret?: string): Promise<void> };
}

export class WearerService {
  constructor(private readonly d: WearerServiceDeps) {}

  /** A wearer was created, edited or deleted: told once it is stored (resolves when every follower is done). */
  async wearerChanged(wearerId: string): Promise<void> {
    const wearer = await this.d.repos.wearerById(wearerId);
    await this.d.bus.publish('wearer.changed', { wearerId, wearer: wearer ?? null });
  }

  /** A device was registered, edited, re-assigned or deleted; `secret`: the plaintext just issued (creation, rotation). */
  async deviceChanged(deviceId: string, secret?: string): Promise<void> {
    await this.d.provisioning?.deviceChanged(deviceId, secret);
    await this.d.bus.publish('device.changed', { deviceId });
  }

  /** Subscribes the followers; returns the unsubscribe function. */
  follow(f: WearerFollowers): () => void {
    const { bus, repos, log } = this.d;
    const offs = [
      bus.subscribe('wearer.changed', async ({ wearerId, wearer: w }) => {
        if (w) {
          f.directory.setConsent(w.id, w.consent);
          f.thresholds.set(w.id, w.thresholds);
          f.engine.retune(w.id);
          return;
        }
        f.directory.forgetWearer(wearerId);
        f.thresholds.set(wearerId, null);
        f.engine.forget(wearerId);
        // Erasure: consent links, consent log and raw vitals of a deleted wearer go too.
        await f.consent.forgetWearer(wearerId);
        await f.notices.idle();
        await f.notices.repo.forgetWearer(wearerId);
      }),
      bus.subscribe('device.changed', async ({ deviceId }) => {
        f.directory.forget(deviceId);
        await f.directory.fetch(deviceId);
        f.broker.forgetDevice(deviceId);
        f.broker.disconnectDevice(deviceId);
      }),
      bus.subscribe('consent.applied', async ({ wearerId }) => {
        await this.wearerChanged(wearerId);
        // Paused or opted out: whatever the detector held for this person is dropped at once.
        f.engine.forget(wearerId);
      }),
      bus.subscribe('device.status', ({ deviceId, status, at }) => {
        repos
          .updateDevice(deviceId, { battery: status.battery ?? null, online: status.state === 'online' ? 1 : 0, last_seen_at: at })
          .catch((err: unknown) => log.error({ err, deviceId }, 'device status update failed'));
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }
}
