// The scenarios: each a script of what a person does second by second, with ground-truth labels.
// Fixed demo timings by default; `vary: true` draws timings and physiology from their ranges by seed
// (the detection suite does that). Parameter ranges and sources: docs/simulator.md.
import { Rng } from '../rng.js';
import type { LabelLine } from '../trace.js';
import { build, clamp, type BodyParams, type Extra, type Moment, type Scenario, type ScenarioOptions } from './body.js';

export type Gen = (o: ScenarioOptions) => Scenario;

/** Draws from [a, b] when varying, else returns the demo value. Uses its own stream so noise stays stable. */
function picker(o: ScenarioOptions) {
  const r = new Rng((o.seed * 2654435761) ^ 0x9e3779b9);
  return (demo: number, a: number, b: number) => (o.vary ? a + (b - a) * r.next() : demo);
}

function body(o: ScenarioOptions): Partial<BodyParams> {
  const pick = picker({ ...o, seed: o.seed + 17 });
  return { spo2Base: Math.round(pick(97, 94, 98)), desatRate: pick(0.25, 0.2, 0.3), lagS: pick(20, 15, 30) };
}

/** Awake at home: moving about, normal breathing. */
function awake(r: Rng, hr = 74): Moment {
  const burst = r.next() < 0.05;
  return {
    rr: clamp(14 + r.noise(1.5), 10, 20),
    hr: hr + r.noise(3),
    activity: clamp((burst ? 35 : 18) + r.noise(8), 0, 100),
    motion: clamp(30 + r.noise(12), 6, 100),
    occupied: true,
  };
}

const lineAt = (t: number, label: string): LabelLine => ({ t: t * 1000, label });

const normal: Gen = (o) => build(o, { seconds: o.durationS ?? 180, script: (_s, r) => awake(r), body: body(o) });

/**
 * Fentanyl-like: breathing slows within a minute or two of onset and stops; the person goes still.
 * Demo timings: onset 30 s, apnea 90 s, trace 240 s.
 */
const overdoseFast: Gen = (o) => {
  const pick = picker(o);
  const onset = Math.round(pick(30, 20, 90));
  const apnea = onset + Math.round(pick(60, 40, 110));
  const seconds = o.durationS ?? apnea + 150;
  return build(o, {
    seconds,
    body: body(o),
    script: (s, r) => {
      if (s < onset) return awake(r, 78);
      const f = Math.min(1, (s - onset) / (apnea - onset));
      const rr = s < apnea ? Math.max(2, 14 - f * 12 + r.noise(0.7)) : 0;
      return {
        rr,
        hr: 78 + r.noise(2),
        activity: clamp(22 * (1 - f * 1.4), 0, 100) + Math.abs(r.noise(0.5)),
        motion: clamp(30 * (1 - f * 1.3), 0, 100) + Math.abs(r.noise(0.6)),
        occupied: true,
      };
    },
    labels: [lineAt(onset, 'overdose_onset'), lineAt(apnea, 'apnea_onset')],
    extra: [{ t: 5000, device: 'room', stream: 'door', data: { open: false } }],
  });
};

/** Heroin-like: bradypnoea over minutes, breathing 3-6/min with short pauses, never fully stopping. */
const overdoseSlow: Gen = (o) => {
  const pick = picker(o);
  const onset = Math.round(pick(40, 20, 90));
  const decline = Math.round(pick(150, 90, 240));
  const floor = pick(4.5, 3.5, 5.5);
  // RR falls linearly 14 -> floor over `decline` s; it crosses 6/min here:
  const rr6 = onset + Math.round(((14 - 6) / (14 - floor)) * decline);
  const seconds = o.durationS ?? rr6 + 200;
  let pause = 0;
  return build(o, {
    seconds,
    body: body(o),
    script: (s, r) => {
      if (s < onset) return awake(r, 72);
      const f = Math.min(1, (s - onset) / decline);
      let rr = Math.max(floor - 1, 14 - f * (14 - floor) + r.noise(0.6));
      if (f >= 1) {
        if (pause > 0) {
          pause--;
          rr = 0;
        } else if (r.next() < 0.02) pause = 3 + Math.floor(r.next() * 6);
      }
      return {
        rr,
        hr: 72 - f * 6 + r.noise(2),
        activity: clamp(18 * (1 - f * 1.2), 0, 100) + Math.abs(r.noise(0.5)),
        motion: clamp(25 * (1 - f * 1.2), 0, 100) + Math.abs(r.noise(0.6)),
        occupied: true,
      };
    },
    labels: [lineAt(onset, 'overdose_onset'), lineAt(rr6, 'bradypnea_onset')],
    extra: [{ t: 5000, device: 'room', stream: 'door', data: { open: false } }],
  });
};

/** Fast overdose, then naloxone: breathing returns over ~20 s and saturation recovers. */
const overdoseRecovered: Gen = (o) => {
  const pick = picker(o);
  const onset = Math.round(pick(30, 20, 60));
  const apnea = onset + Math.round(pick(60, 40, 100));
  const naloxone = apnea + Math.round(pick(75, 60, 120));
  const back = naloxone + 20;
  const seconds = o.durationS ?? back + 180;
  return build(o, {
    seconds,
    body: body(o),
    script: (s, r) => {
      if (s < onset) return awake(r, 78);
      if (s < naloxone) {
        const f = Math.min(1, (s - onset) / (apnea - onset));
        const rr = s < apnea ? Math.max(2, 14 - f * 12 + r.noise(0.7)) : 0;
        return {
          rr,
          hr: 78 + r.noise(2),
          activity: clamp(20 * (1 - f * 1.4), 0, 100) + Math.abs(r.noise(0.5)),
          motion: clamp(30 * (1 - f * 1.3), 0, 100) + Math.abs(r.noise(0.6)),
          occupied: true,
        };
      }
      const g = Math.min(1, (s - naloxone) / (back - naloxone));
      return {
        rr: Math.max(0, 16 * g + r.noise(1)),
        hr: 90 + r.noise(3),
        activity: clamp(10 + 30 * g + r.noise(6), 0, 100),
        motion: clamp(10 + 30 * g + r.noise(8), 0, 100),
        occupied: true,
      };
    },
    labels: [
      lineAt(onset, 'overdose_onset'),
      lineAt(apnea, 'apnea_onset'),
      lineAt(naloxone, 'naloxone_given'),
      lineAt(back, 'episode_end'),
    ],
    extra: [{ t: 5000, device: 'room', stream: 'door', data: { open: false } }],
  });
};

/** Brave-style bathroom overdose seen by a room sensor and door contact only. */
const bathroomStillness: Gen = (o0) => {
  const o = { ...o0, sensors: 'room' as const };
  const pick = picker(o);
  const onset = Math.round(pick(60, 30, 180));
  const apnea = onset + Math.round(pick(60, 40, 100));
  const seconds = o.durationS ?? apnea + 200;
  return build(o, {
    seconds,
    body: body(o),
    script: (s, r) => {
      if (s < onset) return { ...awake(r), motion: clamp(25 + r.noise(10), 8, 100) };
      const f = Math.min(1, (s - onset) / (apnea - onset));
      return {
        rr: s < apnea ? Math.max(2, 14 - f * 12) : 0,
        hr: 78,
        activity: 0,
        motion: clamp(20 * (1 - f * 1.5), 0, 100) + Math.abs(r.noise(0.4)),
        occupied: true,
      };
    },
    labels: [lineAt(onset, 'overdose_onset'), lineAt(apnea, 'apnea_onset')],
    extra: [
      { t: 2000, device: 'room', stream: 'door', data: { open: true } },
      { t: 8000, device: 'room', stream: 'door', data: { open: false } },
    ],
  });
};

/** Normal bathroom use, room sensor and door only: includes quiet stretches of up to a minute. */
const bathroomNormal: Gen = (o0) => {
  const o = { ...o0, sensors: 'room' as const };
  const pick = picker(o);
  const visit = Math.round(pick(300, 120, 900));
  const seconds = o.durationS ?? visit + 60;
  let quiet = 0;
  let moving = 0;
  const r0 = new Rng(o.seed + 5);
  return build(o, {
    seconds,
    body: body(o),
    script: (s, r) => {
      const inside = s >= 5 && s < 5 + visit;
      if (!inside) return { ...awake(r), occupied: false, motion: 0 };
      if (quiet > 0) {
        quiet--;
        if (quiet === 0) moving = 10;
        return { ...awake(r), motion: clamp(2 + r.noise(1.2), 0, 4) };
      }
      // a quiet stretch of 15-70 s now and then, always followed by at least 10 s of movement
      if (moving > 0) moving--;
      else if (r0.next() < 0.01) quiet = 15 + Math.floor(r0.next() * 55);
      return { ...awake(r), motion: clamp(18 + r.noise(10), 6, 100) };
    },
    labels: [lineAt(5, 'enters_bathroom'), lineAt(5 + visit, 'leaves_bathroom')],
    extra: [
      { t: 4000, device: 'room', stream: 'door', data: { open: true } },
      { t: 9000, device: 'room', stream: 'door', data: { open: false } },
      { t: (5 + visit - 3) * 1000, device: 'room', stream: 'door', data: { open: true } },
    ],
  });
};

/** A night's sleep: slow breathing, little movement with turns, brief normal pauses (up to 10 s). */
function sleepScript(o: ScenarioOptions, osa: boolean) {
  const ev = new Rng(o.seed + 99);
  let turn = 0;
  let pause = 0;
  let apneaLeft = 0;
  let recovery = 0;
  let nextEvent = 30 + Math.floor(ev.next() * 60);
  return (s: number, r: Rng): Moment => {
    const base: Moment = {
      rr: clamp(12 + r.noise(1.2) + Math.sin(s / 600) * 1.5, 8, 18),
      hr: 58 + r.noise(2) + Math.sin(s / 900) * 4,
      activity: clamp(1 + r.noise(1), 0, 100),
      motion: clamp(3 + r.noise(1.5), 0, 100),
      occupied: true,
    };
    if (turn > 0) {
      turn--;
      return { ...base, activity: clamp(35 + r.noise(15), 0, 100), motion: clamp(40 + r.noise(15), 0, 100), hr: base.hr + 8 };
    }
    if (ev.next() < 1 / 900) turn = 3 + Math.floor(ev.next() * 12);
    if (osa) {
      if (apneaLeft > 0) {
        apneaLeft--;
        if (apneaLeft === 0) recovery = 8 + Math.floor(ev.next() * 6);
        return { ...base, rr: 0, motion: clamp(2 + r.noise(1), 0, 100) };
      }
      if (recovery > 0) {
        recovery--;
        // Arousal: gasping recovery breaths, a heart-rate surge, a small movement.
        return {
          ...base,
          rr: clamp(20 + r.noise(2), 14, 30),
          hr: base.hr + 12,
          activity: clamp(12 + r.noise(8), 0, 100),
          motion: clamp(12 + r.noise(6), 0, 100),
        };
      }
      if (s >= nextEvent) {
        apneaLeft = 10 + Math.floor(ev.next() * 16); // 10-25 s events (moderate OSA)
        nextEvent = s + apneaLeft + 25 + Math.floor(ev.next() * 60);
      }
    } else {
      if (pause > 0) {
        pause--;
        return { ...base, rr: 0 };
      }
      if (ev.next() < 1 / 400) pause = 4 + Math.floor(ev.next() * 7);
    }
    return base;
  };
}

const sleep: Gen = (o) =>
  build(o, {
    seconds: o.durationS ?? 1800,
    body: body(o),
    script: sleepScript(o, false),
    extra: [{ t: 1000, device: 'room', stream: 'door', data: { open: false } }],
  });

const osa: Gen = (o) =>
  build(o, {
    seconds: o.durationS ?? 1800,
    body: { ...body(o), desatRate: 0.3 },
    script: sleepScript(o, true),
    labels: [lineAt(0, 'obstructive_sleep_apnoea')],
    extra: [{ t: 1000, device: 'room', stream: 'door', data: { open: false } }],
  });

/** A run then cool-down: high activity, fast breathing and heart rate, movement artefacts. */
const exercise: Gen = (o) => {
  const pick = picker(o);
  const work = Math.round(pick(600, 300, 1800));
  const seconds = o.durationS ?? work + 300;
  return build(o, {
    seconds,
    body: body(o),
    artefacts: { glitch: 0.03, burst: 0.02 },
    script: (s, r) => {
      if (s < 60) return awake(r);
      if (s < 60 + work)
        return {
          rr: clamp(30 + r.noise(4), 18, 50),
          hr: 145 + r.noise(8),
          activity: clamp(70 + r.noise(15), 40, 100),
          motion: 0,
          occupied: false,
        };
      const g = Math.min(1, (s - 60 - work) / 180);
      return {
        rr: clamp(30 - 14 * g + r.noise(2), 10, 40),
        hr: 145 - 60 * g + r.noise(4),
        activity: clamp(30 - 20 * g + r.noise(8), 0, 100),
        motion: clamp(20 + r.noise(8), 0, 100),
        occupied: true,
      };
    },
    labels: [lineAt(60, 'exercise_start'), lineAt(60 + work, 'exercise_end')],
  });
};

/** Normal day with frequent sensor artefacts: one-sample RR=0 and SpO2 dips, movement bursts, nulls. */
const artefact: Gen = (o) =>
  build(o, {
    seconds: o.durationS ?? 900,
    body: body(o),
    artefacts: { glitch: 0.05, burst: 0.015 },
    script: (_s, r) => awake(r),
  });

/** The wearable is taken off for a while (lying on a table: no pulse, no movement) and put back. */
const offbody: Gen = (o) => {
  const pick = picker(o);
  const off = Math.round(pick(60, 30, 300));
  const on = off + Math.round(pick(180, 60, 1200));
  return build(o, {
    seconds: o.durationS ?? on + 120,
    body: body(o),
    script: (s, r) => (s >= off && s < on ? { ...awake(r), activity: 0, onBody: false } : awake(r)),
    labels: [lineAt(off, 'wearable_removed'), lineAt(on, 'wearable_back_on')],
  });
};

/** The wearable drops off the network (Last Will "offline"), is silent for minutes, then returns. */
const offline: Gen = (o) => {
  const pick = picker(o);
  const gone = Math.round(pick(60, 30, 300));
  const back = gone + Math.round(pick(180, 70, 900));
  const extra: Extra[] = [
    { t: gone * 1000, device: 'wrist', stream: 'status', data: { state: 'offline' } },
    { t: back * 1000, device: 'wrist', stream: 'status', data: { state: 'online', battery: 64 } },
  ];
  return build(o, {
    seconds: o.durationS ?? back + 120,
    body: body(o),
    script: (s, r) => ({ ...awake(r), silent: s >= gone && s < back }),
    labels: [lineAt(gone, 'wearable_offline'), lineAt(back, 'wearable_back_online')],
    extra,
  });
};

/**
 * A false start the wearer answers: resting still, the wearable under-reads breathing (5-6/min)
 * for a minute; the check-in comes and the wearer presses OK.
 */
const wearerCancels: Gen = (o) => {
  const start = 40;
  const okAt = start + 30 + 8; // low-RR persistence, then a few seconds to answer
  return build(o, {
    seconds: o.durationS ?? 200,
    body: body(o),
    script: (s, r) => {
      const m = { ...awake(r), activity: clamp(2 + r.noise(1), 0, 100), motion: clamp(8 + r.noise(2), 6, 100) };
      // Misread breathing: the true rate is normal (saturation stays up), the device says 5-6/min.
      return s >= start && s < start + 60 ? { ...m, rr: 14, rrShown: 5.5 + r.noise(0.3) } : m;
    },
    labels: [lineAt(start, 'device_underreads_breathing'), lineAt(okAt, 'wearer_presses_ok')],
    extra: [{ t: okAt * 1000, device: 'wrist', stream: 'button', data: { action: 'ok' } }],
  });
};

export const SCENARIOS: Record<string, Gen> = {
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
  offbody,
  offline,
  'wearer-cancels': wearerCancels,
};
