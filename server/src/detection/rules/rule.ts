// What every detection rule shares: the score bands it reports in and the small interface the
// detector drives it through (observe its inputs, score, reason, reset). State is plain numbers.

export const WATCH_SCORE = 30;
export const TRIGGER_SCORE = 60;
export const CRITICAL_SCORE = 90;

/** Breathing must stay above the line this long before an apnea/low-RR run clears (hysteresis). */
export const RR_CLEAR_MS = 3_000;

/** Whole seconds for plain-word reasons. */
export const secs = (ms: number) => Math.max(0, Math.round(ms / 1000));

/**
 * A rule's common surface. Each rule also has `observe(...)` and `score(...)` with the inputs it
 * needs (they differ per rule, so they are not part of this type); `value` is the last score.
 */
export interface Rule {
  /** the score (0-100) of the last `score()` call */
  readonly value: number;
  /** forget the running evidence (the stream resumed after a gap, the wearer moved) */
  reset(): void;
}
