// Per-wearer detection thresholds set by the service, cached so the detector never waits on the store.
import { parseStoredThresholds, type Thresholds } from '../detection/index.js';
import type { Repos } from '../store/index.js';

export class WearerThresholds {
  private readonly byWearer = new Map<string, Partial<Thresholds>>();

  /** Start-up: every wearer's stored thresholds. */
  async load(repos: Pick<Repos, 'allThresholds'>): Promise<void> {
    this.byWearer.clear();
    for (const w of await repos.allThresholds()) this.set(w.id, w.thresholds);
  }

  /** The stored JSON text of a wearer's thresholds, or null for the server's defaults. */
  set(wearerId: string, stored: string | null): void {
    if (stored) this.byWearer.set(wearerId, parseStoredThresholds(stored));
    else this.byWearer.delete(wearerId);
  }

  get(wearerId: string): Partial<Thresholds> | undefined {
    return this.byWearer.get(wearerId);
  }
}
