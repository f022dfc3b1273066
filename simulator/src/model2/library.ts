// Model 2's scenarios: the same classes as model 1 (overdoses for every sensor set, room-only,
// slow oximeter-only, hard negatives), with their own curves and timings drawn from model 2's seed
// streams. Always varied by seed. Curves: docs/simulator.md ("Model 2").
import type { LabelLine } from '../trace.js';
import type { ScenarioOptions } from '../scenarios/body.js';
import { build2, clamp, drawPerson, type Extra2, type Moment2, type Person2, type Scenario2 } from './body.js';
import { Rng2 } from './rng.js';

export type Gen2 = (o: ScenarioOptions) => Scenario2;

const at = (s: number, label: string): LabelLine => ({ t: s * 1000, label });
const doorClosed: Extra2 = { t: 3000, device: 'room', stream: 'door', data: { open: false } };

/** Timings of a scenario: a stream of its own, so the person and the timings vary independently. */
const timing = (o: ScenarioOptions) => new Rng2(o.seed, 'timing');

/** Awake, moving about at home. */
function awake(p: Person2, r: Rng2): Moment2 {
  const busy = r.next() < 0.08;
  return { rr: clamp(p.rr0 + r.gauss(1.2), 8, 24), move: clamp((busy ? 0.7 : 0.35) + r.gauss(0.12), 0.08, 1), occupied: true };
}

/**
 * Opioid respiratory depression, fast (fentanyl-like): after a variable delay, RR falls
 * exponentially rr0 * exp(-t / tau) (tau 15-50 s); breathing stops when the curve falls below
 * 2/min. Movement fades with its own time constant. Returns the second apnoea starts.
 */
export function fastCurve(p: Person2, r: Rng2) {
  const delay = Math.round(r.range(0, 40));
  const tau = r.range(15, 50);
  const moveTau = r.range(10, 40);
  const apneaAfter = delay + Math.ceil(tau * Math.log(p.rr0 / 2));
  return {
    apneaAfter,
    rrAt: (dt: number) => (dt < delay ? p.rr0 : dt >= apneaAfter ? 0 : p.rr0 * Math.exp(-(dt - delay) / tau)),
    moveAt: (dt: number) => 0.4 * Math.exp(-dt / moveTau),
  };
}

/**
 * Slow (heroin-like) bradypnoea: RR approaches a floor of 2.5-5/min exponentially
 * (floor + (rr0 - floor) exp(-t / tau), tau 50-160 s) and never stops for long; pauses of 4-10 s
 * once near the floor. It crosses 6/min at tau * ln((rr0 - floor) / (6 - floor)).
 */
export function slowCurve(p: Person2, r: Rng2) {
  const floor = r.range(2.5, 5);
  const tau = r.range(50, 160);
  const rr6After = Math.ceil(tau * Math.log((p.rr0 - floor) / (6 - floor)));
  return { floor, tau, rr6After, rrAt: (dt: number) => floor + (p.rr0 - floor) * Math.exp(-dt / tau) };
}

const overdoseFast: Gen2 = (o) => {
  const p = drawPerson(o.seed);
  const r = timing(o);
  const onset = r.int(15, 120);
  const c = fastCurve(p, r);
  const apnea = onset + c.apneaAfter;
  return build2(o, {
    seconds: o.durationS ?? apnea + 180,
    person: p,
    script: (s, x) => {
      if (s < onset) return awake(p, x);
      const dt = s - onset;
      const rr = c.rrAt(dt);
      return { rr: rr > 0 ? rr * (1 + x.gauss(0.04)) : 0, move: c.moveAt(dt) * (x.next() < 0.03 ? 2 : 1), occupied: true, hrDrive: -4 };
    },
    labels: [at(onset, 'overdose_onset'), at(apnea, 'apnea_onset')],
    extra: [doorClosed],
  });
};

const overdoseSlow: Gen2 = (o) => {
  const p = drawPerson(o.seed);
  const r = timing(o);
  const onset = r.int(20, 100);
  const c = slowCurve(p, r);
  const rr6 = onset + c.rr6After;
  let pause = 0;
  return build2(o, {
    seconds: o.durationS ?? rr6 + 240,
    person: p,
    script: (s, x) => {
      if (s < onset) return awake(p, x);
      const dt = s - onset;
      let rr = c.rrAt(dt) * (1 + x.gauss(0.04));
      if (dt > c.rr6After) {
        if (pause > 0) {
          pause--;
          rr = 0;
        } else if (x.next() < 0.015) pause = x.int(4, 10);
      }
      // the wrist goes still (activity 0-3) as sedation deepens
      return { rr, move: clamp(0.3 * Math.exp(-dt / 40), 0, 1), occupied: true, hrDrive: -6 * Math.min(1, dt / 120) };
    },
    labels: [at(onset, 'overdose_onset'), at(rr6, 'bradypnea_onset')],
    extra: [doorClosed],
  });
};

/** Fast overdose, then naloxone: breathing returns over 10-30 s with arousal and movement. */
const overdoseRecovered: Gen2 = (o) => {
  const p = drawPerson(o.seed);
  const r = timing(o);
  const onset = r.int(15, 80);
  const c = fastCurve(p, r);
  const apnea = onset + c.apneaAfter;
  const naloxone = apnea + r.int(60, 150);
  const back = naloxone + r.int(10, 30);
  return build2(o, {
    seconds: o.durationS ?? back + 180,
    person: p,
    script: (s, x) => {
      if (s < onset) return awake(p, x);
      if (s < naloxone) return { rr: c.rrAt(s - onset), move: c.moveAt(s - onset), occupied: true, hrDrive: -4 };
      const g = Math.min(1, (s - naloxone) / (back - naloxone));
      return { rr: (p.rr0 + 6) * g, move: clamp(0.1 + 0.5 * g + x.gauss(0.1), 0, 1), occupied: true, hrDrive: 20 * g };
    },
    labels: [at(onset, 'overdose_onset'), at(apnea, 'apnea_onset'), at(naloxone, 'naloxone_given'), at(back, 'episode_end')],
    extra: [doorClosed],
  });
};

/** Overdose in a closed bathroom seen by the room radar only: moving, slumps still, stops breathing. */
const bathroomStillness: Gen2 = (o0) => {
  const o = { ...o0, sensors: 'room' as const };
  const p = drawPerson(o.seed);
  const r = timing(o);
  const onset = r.int(30, 200);
  const c = fastCurve(p, r);
  const apnea = onset + c.apneaAfter;
  return build2(o, {
    seconds: o.durationS ?? apnea + 240,
    person: p,
    script: (s, x) => {
      if (s < onset) return { ...awake(p, x), move: clamp(0.5 + x.gauss(0.15), 0.15, 1) };
      return { rr: c.rrAt(s - onset), move: c.moveAt(s - onset), occupied: true };
    },
    labels: [at(onset, 'overdose_onset'), at(apnea, 'apnea_onset')],
    extra: [
      { t: 1000, device: 'room', stream: 'door', data: { open: true } },
      { t: 6000, device: 'room', stream: 'door', data: { open: false } },
    ],
  });
};

/** Normal bathroom use: moving, with still stretches of 10-75 s (reading, on the toilet). */
const bathroomNormal: Gen2 = (o0) => {
  const o = { ...o0, sensors: 'room' as const };
  const p = drawPerson(o.seed);
  const r = timing(o);
  const visit = r.int(120, 900);
  let still = 0;
  let moving = 0;
  return build2(o, {
    seconds: o.durationS ?? visit + 60,
    person: p,
    script: (s, x) => {
      if (s < 4 || s >= 4 + visit) return { ...awake(p, x), occupied: false, move: 0 };
      if (still > 0) {
        still--;
        if (still === 0) moving = x.int(8, 20);
        return { ...awake(p, x), move: x.next() < 0.1 ? 0.08 : 0 };
      }
      if (moving > 0) moving--;
      else if (x.next() < 0.012) still = x.int(10, 75);
      return { ...awake(p, x), move: clamp(0.45 + x.gauss(0.15), 0.15, 1) };
    },
    labels: [at(4, 'enters_bathroom'), at(4 + visit, 'leaves_bathroom')],
    extra: [
      { t: 3000, device: 'room', stream: 'door', data: { open: true } },
      { t: 8000, device: 'room', stream: 'door', data: { open: false } },
      { t: (4 + visit - 2) * 1000, device: 'room', stream: 'door', data: { open: true } },
    ],
  });
};

/**
 * Sleep: RR 2-4/min below waking with a slow oscillation, turns every 10-30 min, brief central
 * pauses (5-12 s); with `osa`, obstructive events every 40-120 s: no airflow for 10-28 s
 * (hypopnoeas: airflow 0.3 for 15-40 s), then an arousal (hyperventilation, heart-rate surge,
 * movement) - the desaturation dips (ODI) a hard negative must ride out.
 */
function sleepScript(p: Person2, osa: boolean) {
  let turn = 0;
  let pause = 0;
  let event = 0;
  let eventAirflow = 0;
  let arousal = 0;
  let next = 60;
  return (s: number, x: Rng2): Moment2 => {
    const rr = clamp(p.rr0 - 3 + Math.sin(s / 500) * 1.2 + x.gauss(0.6), 7, 20);
    const base: Moment2 = { rr, move: 0, occupied: true, hrDrive: -8 + Math.sin(s / 800) * 3 };
    if (turn > 0) {
      turn--;
      return { ...base, move: x.range(0.3, 0.7), hrDrive: 4 };
    }
    if (x.next() < 1 / 1200) turn = x.int(3, 15);
    if (osa) {
      if (event > 0) {
        event--;
        if (event === 0) arousal = x.int(6, 14);
        return { ...base, airflow: eventAirflow, ...(eventAirflow === 0 ? { rr: 0 } : {}) };
      }
      if (arousal > 0) {
        arousal--;
        return { ...base, rr: clamp(p.rr0 + 6 + x.gauss(2), 12, 30), airflow: 1.3, move: x.range(0.05, 0.3), hrDrive: 12 };
      }
      if (s >= next) {
        const hypopnoea = x.next() < 0.4;
        eventAirflow = hypopnoea ? 0.3 : 0;
        event = hypopnoea ? x.int(15, 40) : x.int(10, 28);
        next = s + event + x.int(40, 120);
      }
    } else {
      if (pause > 0) {
        pause--;
        return { ...base, rr: 0 };
      }
      if (x.next() < 1 / 500) pause = x.int(5, 12);
    }
    return base;
  };
}

const sleep: Gen2 = (o) => {
  const p = drawPerson(o.seed);
  return build2(o, { seconds: o.durationS ?? 1800, person: p, script: sleepScript(p, false), extra: [doorClosed] });
};

const osa: Gen2 = (o) => {
  const p = drawPerson(o.seed);
  return build2(o, {
    seconds: o.durationS ?? 1800,
    person: p,
    script: sleepScript(p, true),
    labels: [at(0, 'obstructive_sleep_apnoea')],
    extra: [doorClosed],
  });
};

/** Exercise then rest: vigorous movement, RR 25-45, HR +50-90 bpm, PPG motion artefacts. */
const exercise: Gen2 = (o) => {
  const p = drawPerson(o.seed);
  const r = timing(o);
  const work = r.int(300, 1800);
  const effort = r.range(0.6, 1);
  return build2(o, {
    seconds: o.durationS ?? work + 300,
    person: p,
    motionArtefacts: 0.06,
    script: (s, x) => {
      if (s < 60) return awake(p, x);
      if (s < 60 + work)
        return {
          rr: clamp(25 + 20 * effort + x.gauss(3), 18, 55),
          move: clamp(effort + x.gauss(0.1), 0.4, 1),
          occupied: false,
          hrDrive: 50 + 40 * effort,
          airflow: 1.5,
        };
      const g = Math.exp(-(s - 60 - work) / 90);
      return {
        rr: clamp(p.rr0 + 20 * effort * g + x.gauss(1.5), 10, 45),
        move: clamp(0.3 * g + 0.1 + x.gauss(0.05), 0, 1),
        occupied: true,
        hrDrive: 60 * g,
      };
    },
    labels: [at(60, 'exercise_start'), at(60 + work, 'exercise_end')],
  });
};

/** Awake, with frequent PPG motion artefacts (spurious SpO2 dips, HR errors, RR dropouts). */
const artefact: Gen2 = (o) => {
  const p = drawPerson(o.seed);
  return build2(o, { seconds: o.durationS ?? 900, person: p, motionArtefacts: 0.12, script: (_s, x) => awake(p, x) });
};

/** The oximeter probe slips off or sits badly several times (null or spurious 68-88% readings), the person is fine and still. */
const probeOff: Gen2 = (o) => {
  const p = drawPerson(o.seed);
  const r = timing(o);
  const spells: [number, number][] = [];
  let s0 = r.int(30, 120);
  const seconds = o.durationS ?? 1200;
  while (s0 < seconds - 60) {
    const len = r.int(5, 90);
    spells.push([s0, s0 + len]);
    s0 += len + r.int(60, 300);
  }
  return build2(o, {
    seconds,
    person: p,
    script: (s, x) => {
      const off = spells.some(([a, b]) => s >= a && s < b);
      return { ...awake(p, x), move: clamp(0.12 + x.gauss(0.05), 0.05, 0.3), probeOff: off };
    },
    labels: spells.flatMap(([a, b]) => [at(a, 'probe_off'), at(b, 'probe_on')]).sort((a, b) => a.t - b.t),
  });
};

/** The wearable is taken off and put back. */
const offbody: Gen2 = (o) => {
  const p = drawPerson(o.seed);
  const r = timing(o);
  const off = r.int(30, 300);
  const on = off + r.int(60, 1200);
  return build2(o, {
    seconds: o.durationS ?? on + 120,
    person: p,
    script: (s, x) => (s >= off && s < on ? { ...awake(p, x), onBody: false } : awake(p, x)),
    labels: [at(off, 'wearable_removed'), at(on, 'wearable_back_on')],
  });
};

const normal: Gen2 = (o) => {
  const p = drawPerson(o.seed);
  return build2(o, { seconds: o.durationS ?? 600, person: p, script: (_s, x) => awake(p, x) });
};

export const SCENARIOS2: Record<string, Gen2> = {
  normal,
  sleep,
  osa,
  exercise,
  'overdose-fast': overdoseFast,
  overdose: overdoseFast,
  'overdose-slow': overdoseSlow,
  'overdose-recovered': overdoseRecovered,
  'bathroom-stillness': bathroomStillness,
  'bathroom-normal': bathroomNormal,
  artefact,
  'probe-off': probeOff,
  offbody,
};

export function generateScenario2(name: string, o: ScenarioOptions): Scenario2 {
  const gen = SCENARIOS2[name];
  if (!gen) throw new Error(`unknown model 2 scenario "${name}"; known: ${Object.keys(SCENARIOS2).join(', ')}`);
  return gen(o);
}
