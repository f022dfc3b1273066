// The rule registry is the detector's only list of rules: a rule that exists only in this test,
// registered in a test detector, reaches the score, the reasons, the check-in and the resets
// without an edit to wearer-detector.ts, fusion.ts or episode-state.ts. Virtual time throughout.
import { describe, expect, it } from 'vitest';
import { WearerDetector } from './wearer-detector.js';
import { RULES, type RuleEntry } from './rules/index.js';
import { ROOM, WATCH_SCORE, WEARABLE, secs, type Picture, type Reading, type Rule } from './rules/rule.js';
import type { Decision } from './types.js';
import type { VitalsPayload } from '@odart/protocol';

const S = 1000;
const normal: VitalsPayload = { hr: 75, spo2: 97, rr: 14, activity: 10, onBody: true };

/** Not a clinical rule: seconds of heart rate >= 150, a sign at 20 s. Plain numbers, like every rule. */
class FastHeartRule implements Rule {
  ms = 0;
  value = 0;
  observe(x: Reading): void {
    if (x.kind !== 'hr') return;
    this.ms = x.value >= 150 ? this.ms + 1000 : 0;
  }
  score(p: Picture): number {
    const s = p.vitalsFresh ? this.ms / 1000 : 0;
    this.value = s >= 20 ? 65 : s >= 10 ? WATCH_SCORE + s : 0;
    return this.value;
  }
  reason(): string {
    return `heart rate 150/min or more for ${secs(this.ms)} s`;
  }
  reset(): void {
    this.ms = 0;
  }
}

/** Not a clinical rule either: a support that adds 4 points to any raised picture and says so. */
class PlusFourRule implements Rule {
  value = 0;
  observe(): void {}
  score(p: Picture): number {
    this.value = p.top >= 60 ? 4 : 0;
    return this.value;
  }
  reason(p: Picture): string | null {
    return p.score >= 60 ? 'four more' : null;
  }
  reset(): void {}
}

/** Not a clinical rule: a room sensor reporting motion 99 for 10 s is a sign, while the room is fresh. */
class RoomAlarmRule implements Rule {
  ms = 0;
  value = 0;
  observe(x: Reading): void {
    this.ms = x.value === 99 ? this.ms + x.dt : 0;
  }
  score(p: Picture): number {
    this.value = p.roomFresh && this.ms >= 10_000 ? 65 : 0;
    return this.value;
  }
  reason(): string {
    return 'room alarm';
  }
  reset(): void {
    this.ms = 0;
  }
}

const fastHeart: RuleEntry = {
  name: 'fast-heart',
  source: WEARABLE,
  role: 'primary',
  reads: ['hr'],
  evidenceMs: () => 20_000,
  create: () => new FastHeartRule(),
};
const roomAlarm = (source: typeof ROOM | typeof WEARABLE): RuleEntry => ({
  name: 'room-alarm',
  source,
  role: 'primary',
  reads: ['room'],
  evidenceMs: () => 10_000,
  create: () => new RoomAlarmRule(),
});
const plusFour: RuleEntry = {
  name: 'plus-four',
  source: WEARABLE,
  role: 'support',
  reads: [],
  evidenceMs: () => 0,
  create: () => new PlusFourRule(),
};

function feed(d: WearerDetector, from: number, to: number, v: (s: number) => VitalsPayload): Decision[] {
  const out: Decision[] = [];
  for (let s = from; s < to; s++) {
    out.push(...d.onSample({ t: s * S, deviceId: 'wrist', message: { stream: 'vitals', data: v(s) } }));
    out.push(...d.tick(s * S + 500));
  }
  return out;
}
const fast = (s: number): VitalsPayload => (s < 60 ? normal : { ...normal, hr: 160 });
const prompt = (ds: Decision[]) =>
  ds.find((x) => x.kind === 'wearer_prompt') as (Decision & { score: number; reasons: string[] }) | undefined;

describe('rule registry (rules/index.ts): a new rule is one file and one registry line', () => {
  it('the production detector runs the production registry: a fast heart alone prompts no one', () => {
    expect(prompt(feed(new WearerDetector(), 0, 120, fast))).toBeUndefined();
  });

  it('a rule registered in a test detector scores, starts the check-in and is named in it', () => {
    const d = new WearerDetector({}, { rules: [...RULES, fastHeart] });
    const p = prompt(feed(d, 0, 120, fast));
    // 160/min from 60 s; the median-of-3 filter passes it from the second reading, 20 s of it at 80 s
    expect(p?.t).toBe(80 * S);
    expect(p?.score).toBe(65);
    expect(p?.reasons).toEqual(['heart rate 150/min or more for 20 s']);
  });

  it('fusion adds it as a further independent sign, and a registered support adds its points and words', () => {
    const apnoeaAndFast = (s: number): VitalsPayload => (s < 60 ? normal : { ...normal, hr: 160, rr: s >= 70 ? 0 : 14 });
    const plain = new WearerDetector({}, { rules: RULES });
    const both = new WearerDetector({}, { rules: [...RULES, fastHeart] });
    const plus = new WearerDetector({}, { rules: [...RULES, fastHeart, plusFour] });
    for (const d of [plain, both, plus]) feed(d, 0, 87, apnoeaAndFast);
    const [a, b, c] = [plain, both, plus].map((d) => d.assess(87 * S));
    expect(a!.reasons).toEqual(['no breathing for 16 s', 'breathing slowed from 14 to 2/min']);
    // apnoea 16 s (71) with the slowing trend (+3); the fast heart at trigger level +5; the support +4 more
    expect([a!.score, b!.score, c!.score]).toEqual([74, 79, 83]);
    expect(b!.reasons).toEqual(['no breathing for 16 s', 'heart rate 150/min or more for 26 s', 'breathing slowed from 14 to 2/min']);
    expect(c!.reasons.at(-1)).toBe('four more');
  });

  it("its source's resets reach it: the wearable's stream resuming after a gap restarts its evidence", () => {
    const d = new WearerDetector({}, { rules: [...RULES, fastHeart] });
    feed(d, 0, 75, fast);
    expect(d.assess(75 * S).score).toBeGreaterThanOrEqual(WATCH_SCORE);
    // 30 s without vitals (over the 15 s stale limit), then the fast heart again
    feed(d, 105, 110, () => ({ ...normal, hr: 160 }));
    expect(d.assess(110 * S).score).toBe(0);
  });

  it('the source in its registry line decides who can show the recovery: a room sign is not cleared by a wearable that reports', () => {
    const run = (source: typeof ROOM | typeof WEARABLE) => {
      const d = new WearerDetector({ checkinWindowMs: 60_000 }, { rules: [...RULES, roomAlarm(source)] });
      const out: Decision[] = [];
      for (let s = 0; s < 200; s++) {
        // the room alarms from 20 s to 34 s, then the room sensor falls silent; the wearable reports normal breathing throughout
        if (s >= 20 && s < 35)
          out.push(...d.onSample({ t: s * S, deviceId: 'room', message: { stream: 'presence', data: { occupied: true, motion: 99 } } }));
        out.push(...d.onSample({ t: s * S, deviceId: 'wrist', message: { stream: 'vitals', data: normal } }));
        out.push(...d.tick(s * S + 500));
      }
      return out.filter((x) => x.kind !== 'technical').map((x) => `${x.kind}${x.kind === 'cancelled' ? `:${x.reason}` : ''}@${x.t / S}`);
    };
    // a room sign: once the room is stale (30 s after its last report) nothing can show recovery, so the check-in runs out
    expect(run(ROOM)).toEqual(['wearer_prompt@30', 'responder_alert@100']);
    // the same rule registered as a wearable sign: the reporting wearable shows the recovery (10 s clear from the tick at 64.5 s) and cancels
    expect(run(WEARABLE)).toEqual(['wearer_prompt@30', 'cancelled:recovered@74.5']);
  });
});
