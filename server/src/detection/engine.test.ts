// The live tick (issue 14): at 10,000 wearers one tick of every detector held the event loop for tens of ms once a
// second. server.ts ticks one part of the wearers every 100 ms; each wearer is still ticked once a second.
import { describe, expect, it, vi } from 'vitest';
import { DetectionEngine, TICK_PARTS } from './engine.js';
import { WearerDetector } from './wearer-detector.js';

describe('DetectionEngine.tickPart', () => {
  it('ticks a tenth of the wearers per part and every wearer once over the parts', () => {
    const engine = new DetectionEngine();
    const n = 1000;
    for (let i = 0; i < n; i++) engine.detector(`w${i}`);
    engine.forget('w7');
    const ticked = new Map<WearerDetector, number>();
    const spy = vi.spyOn(WearerDetector.prototype, 'tick').mockImplementation(function (this: WearerDetector) {
      ticked.set(this, (ticked.get(this) ?? 0) + 1);
      return [];
    });
    try {
      let most = 0;
      for (let part = 0; part < TICK_PARTS; part++) {
        const before = [...ticked.values()].reduce((a, b) => a + b, 0);
        engine.tickPart(1000 + part * 100, part);
        most = Math.max(most, [...ticked.values()].reduce((a, b) => a + b, 0) - before);
      }
      expect(most).toBeLessThanOrEqual(Math.ceil(n / TICK_PARTS));
      expect(ticked.size).toBe(n - 1);
      expect([...ticked.values()].every((k) => k === 1)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });

  it('hands on the decisions of the wearers it ticks, with their wearer', () => {
    const engine = new DetectionEngine();
    engine.detector('a');
    engine.detector('b');
    const spy = vi.spyOn(WearerDetector.prototype, 'tick').mockReturnValue([{ kind: 'responder_alert', t: 5 } as never]);
    try {
      expect(engine.tickPart(5, 0).map((d) => d.wearerId)).toEqual(['a']);
      expect(engine.tickPart(5, 1).map((d) => d.wearerId)).toEqual(['b']);
    } finally {
      spy.mockRestore();
    }
  });
});
