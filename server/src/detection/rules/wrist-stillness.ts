// Wrist stillness: a raised picture in a wearer whose wrist is not moving (activity < 3) is named;
// it adds nothing to the score (stillness only counts from the room sensor, with presence).
import { TRIGGER_SCORE, type Picture, type Rule } from './rule.js';

export class WristStillnessRule implements Rule {
  readonly value = 0;

  observe(): void {}

  score(): number {
    return 0;
  }

  reason(p: Picture): string | null {
    return p.score >= TRIGGER_SCORE && p.activity !== null && p.activity < 3 && p.vitalsFresh ? 'wearer not moving' : null;
  }

  reset(): void {}
}
