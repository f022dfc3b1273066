import { describe, expect, it } from 'vitest';
import { InProcessBus, type Events } from '../events/index.js';
import { createLogger } from '../log.js';
import type { WearerRow } from '../store/index.js';
import { WearerService, type WearerFollowers } from './service.js';
import { WearerThresholds } from './thresholds.js';

function rig(stored: Partial<WearerRow> | undefined) {
  const calls: string[] = [];
  const bus = new InProcessBus<Events>();
  const repos = {
    wearerById: async () => stored as WearerRow | undefined,
    updateDevice: async (id: string, patch: object) => void calls.push(`updateDevice ${id} ${JSON.stringify(patch)}`),
  };
  const thresholds = new WearerThresholds();
  const f: WearerFollowers = {
    directory: {
      setConsent: (id, s) => void calls.push(`setConsent ${id} ${s}`),
      forgetWearer: (id) => void calls.push(`forgetWearer ${id}`),
      forget: (id) => void calls.push(`forget ${id}`),
      fetch: async (id) => void calls.push(`fetch ${id}`),
    },
    thresholds,
    engine: { retune: (id) => void calls.push(`retune ${id}`), forget: (id) => void calls.push(`engine.forget ${id}`) },
    consent: { forgetWearer: async (id) => void calls.push(`consent.forgetWearer ${id}`) },
    notices: {
      idle: async () => void calls.push('notices.idle'),
      repo: { forgetWearer: async (id) => void calls.push(`notices.forgetWearer ${id}`) },
    },
    broker: {
      forgetDevice: (id) => void calls.push(`broker.forget ${id}`),
      disconnectDevice: (id) => void calls.push(`broker.disconnect ${id}`),
    },
  };
  const wearers = new WearerService({ repos, bus, log: createLogger('silent') });
  wearers.follow(f);
  return { wearers, bus, calls, thresholds };
}

describe('WearerService', () => {
  it('an edited wearer: the directory takes the consent, the thresholds are cached, the detector is retuned', async () => {
    const { wearers, calls, thresholds } = rig({ id: 'w1', consent: 'active', thresholds: JSON.stringify({ spo2Critical: 85 }) });
    await wearers.wearerChanged('w1');
    expect(calls).toEqual(['setConsent w1 active', 'retune w1']);
    expect(thresholds.get('w1')).toMatchObject({ spo2Critical: 85 });
  });

  it('a deleted wearer is forgotten everywhere and erased, in order, before wearerChanged resolves', async () => {
    const { wearers, calls } = rig(undefined);
    await wearers.wearerChanged('w1');
    expect(calls).toEqual(['forgetWearer w1', 'engine.forget w1', 'consent.forgetWearer w1', 'notices.idle', 'notices.forgetWearer w1']);
  });

  it('a changed device is looked up again before the broker forgets and disconnects it', async () => {
    const { wearers, calls } = rig(undefined);
    await wearers.deviceChanged('d1');
    expect(calls).toEqual(['forget d1', 'fetch d1', 'broker.forget d1', 'broker.disconnect d1']);
  });

  it('consent applied: the wearer change follows and the detector drops what it held; a status report is stored', async () => {
    const { bus, calls } = rig({ id: 'w1', consent: 'paused', thresholds: null });
    await bus.publish('consent.applied', { wearerId: 'w1' });
    expect(calls).toEqual(['setConsent w1 paused', 'retune w1', 'engine.forget w1']);
    calls.length = 0;
    await bus.publish('device.status', {
      deviceId: 'd1',
      status: { ts: 1, state: 'online', battery: 80 } as Events['device.status']['status'],
      at: 5,
    });
    await bus.idle();
    expect(calls).toEqual(['updateDevice d1 {"battery":80,"online":1,"last_seen_at":5}']);
  });
});
