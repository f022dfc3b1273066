// Several wearers living the same scenario at once (`--wearers N`): one trace with every wearer's
// devices, wearer i seeded with seed + i, labels tagged with their wearer (header `wearers` extension).
import { generateScenario } from './scenarios.js';
import type { LabelLine, TraceHeader, TraceLine } from './trace.js';

export interface MultiOptions {
  seed: number;
  wearers: number;
  /** device and wearer id prefix, e.g. "sim-3f2a" -> sim-3f2a-0-wrist */
  prefix: string;
}

export interface MultiScenario {
  header: TraceHeader;
  lines: TraceLine[];
}

export function generateWearers(name: string, o: MultiOptions): MultiScenario {
  const all: { line: TraceLine; order: number }[] = [];
  const devices: TraceHeader['devices'] = [];
  const wearers: NonNullable<TraceHeader['wearers']> = [];
  let order = 0;
  for (let i = 0; i < o.wearers; i++) {
    const wearer = `${o.prefix}-${i}`;
    const sc = generateScenario(name, { seed: o.seed + i, wearer, wrist: `${wearer}-wrist`, room: `${wearer}-room` });
    devices.push(...sc.header.devices);
    wearers.push({ id: wearer, devices: sc.header.devices.map((d) => d.id) });
    for (const l of sc.lines) {
      const line: TraceLine = 'label' in l ? ({ ...l, wearer } satisfies LabelLine) : l;
      all.push({ line, order: order++ });
    }
  }
  // Stable merge by time: within one instant, wearer order then each wearer's own order.
  all.sort((a, b) => a.line.t - b.line.t || a.order - b.order);
  return {
    header: { type: 'header', version: 1, wearer: wearers[0]?.id ?? o.prefix, devices, wearers },
    lines: all.map((x) => x.line),
  };
}
