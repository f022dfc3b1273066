// Scenario library: deterministic (seeded) labelled traces in the contract format.
// Physiology and sensor model in body.ts, the scenarios in library.ts, sources in docs/simulator.md.
import { SCENARIOS } from './library.js';
import type { Scenario, ScenarioOptions } from './body.js';

export { SCENARIOS, type Gen } from './library.js';
export { SENSOR_SETS, type Scenario, type ScenarioOptions, type SensorSet } from './body.js';

export function generateScenario(name: string, o: ScenarioOptions): Scenario {
  const gen = SCENARIOS[name];
  if (!gen) throw new Error(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
  return gen(o);
}
