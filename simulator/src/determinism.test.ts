// Determinism of generated traces (same seed, same bytes) and the trace contract round trip,
// including the several-wearers extension written by `simulate --wearers N --out`.
import { describe, expect, it } from 'vitest';
import { generateWearers } from './multi.js';
import { SCENARIOS, generateScenario } from './scenarios.js';
import { parseTrace, serializeTrace, traceWearers, TraceError } from './trace.js';

const ids = { wearer: 'w1', wrist: 'wrist-1', room: 'room-1' };

describe('determinism: same seed, same bytes', () => {
  for (const name of Object.keys(SCENARIOS)) {
    it(`${name}: two generations with seed 7 are byte-identical; seed 8 differs`, () => {
      const a = generateScenario(name, { seed: 7, ...ids });
      const b = generateScenario(name, { seed: 7, ...ids });
      const c = generateScenario(name, { seed: 8, ...ids });
      expect(serializeTrace(b.header, b.lines)).toBe(serializeTrace(a.header, a.lines));
      expect(serializeTrace(c.header, c.lines)).not.toBe(serializeTrace(a.header, a.lines));
    });
  }

  it('--wearers N: byte-identical for a seed; wearer i is the single-wearer scenario with seed + i', () => {
    const a = generateWearers('overdose', { seed: 3, wearers: 4, prefix: 'sim' });
    const b = generateWearers('overdose', { seed: 3, wearers: 4, prefix: 'sim' });
    expect(serializeTrace(b.header, b.lines)).toBe(serializeTrace(a.header, a.lines));
    const single = generateScenario('overdose', { seed: 5, wearer: 'sim-2', wrist: 'sim-2-wrist', room: 'sim-2-room' });
    const mine = a.lines.filter((l) => ('device' in l ? l.device.startsWith('sim-2-') : l.wearer === 'sim-2'));
    expect(mine.map((l) => ('label' in l ? { t: l.t, label: l.label } : l))).toEqual(single.lines);
    // time never goes backwards in the merged trace (contract)
    for (let i = 1; i < a.lines.length; i++) expect(a.lines[i]!.t).toBeGreaterThanOrEqual(a.lines[i - 1]!.t);
  });
});

describe('trace contract', () => {
  it('round-trips the several-wearers header and per-wearer labels', () => {
    const m = generateWearers('overdose', { seed: 1, wearers: 3, prefix: 'sim' });
    const t = parseTrace(serializeTrace(m.header, m.lines), 'm.jsonl');
    expect(traceWearers(t).map((w) => [w.id, w.devices.map((d) => `${d.id}:${d.kind}`)])).toEqual([
      ['sim-0', ['sim-0-wrist:wearable', 'sim-0-room:room']],
      ['sim-1', ['sim-1-wrist:wearable', 'sim-1-room:room']],
      ['sim-2', ['sim-2-wrist:wearable', 'sim-2-room:room']],
    ]);
    expect(t.labels.filter((l) => l.label === 'apnea_onset').map((l) => l.wearer)).toEqual(['sim-0', 'sim-1', 'sim-2']);
  });

  it('without a header, devices are inferred and belong to one wearer', () => {
    const t = parseTrace(
      '{"t":0,"device":"a","stream":"vitals","data":{"hr":70}}\n{"t":0,"device":"b","stream":"presence","data":{"occupied":true}}\n',
    );
    expect(traceWearers(t)).toEqual([
      {
        id: 'trace-wearer',
        devices: [
          { id: 'a', kind: 'wearable' },
          { id: 'b', kind: 'room' },
        ],
      },
    ]);
  });

  it('a malformed line is reported with its line number, not skipped', () => {
    const text = '{"t":0,"device":"a","stream":"vitals","data":{}}\n\n{"t":1,"device":"a","stream":"vitals"\n';
    expect(() => parseTrace(text, 'x.jsonl')).toThrow(TraceError);
    expect(() => parseTrace(text, 'x.jsonl')).toThrow('x.jsonl:3: not valid JSON');
    expect(() => parseTrace('{"t":5,"label":"a"}\n{"t":4,"label":"b"}\n', 'y.jsonl')).toThrow('y.jsonl:2: t 4 goes backwards');
  });
});
