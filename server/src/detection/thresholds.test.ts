// Per-wearer threshold overrides: ranges and cross-field rules that keep a setting able to detect.
import { describe, expect, it } from 'vitest';
import { thresholdsSchema } from './thresholds.js';

describe('threshold overrides (docs/detection.md "Thresholds")', () => {
  it('deep stillness must sit below ordinary stillness (Brave: high-confidence radar threshold 20 under the still threshold 60)', () => {
    expect(thresholdsSchema.safeParse({ deepStillMotion: 2 }).success).toBe(true);
    expect(thresholdsSchema.safeParse({ stillMotion: 8, deepStillMotion: 3 }).success).toBe(true);
    expect(thresholdsSchema.safeParse({ stillMotion: 3, deepStillMotion: 3 }).success).toBe(false);
    expect(thresholdsSchema.safeParse({ deepStillMotion: 6 }).success).toBe(false); // default stillMotion is 5
    expect(thresholdsSchema.safeParse({ deepStillMotion: 0.1 }).success).toBe(false);
  });
});

describe('priorStillnessSeconds (the bounded fallback of a room sensor still on the reference prior)', () => {
  it('is bounded: 60-600 s, whole seconds (past ~4 min of apnoea the brain is injured; 600 s is the furthest a service may stretch it)', () => {
    expect(thresholdsSchema.safeParse({ priorStillnessSeconds: 180 }).success).toBe(true);
    expect(thresholdsSchema.safeParse({ priorStillnessSeconds: 60 }).success).toBe(true);
    expect(thresholdsSchema.safeParse({ priorStillnessSeconds: 600 }).success).toBe(true);
    expect(thresholdsSchema.safeParse({ priorStillnessSeconds: 59 }).success).toBe(false);
    expect(thresholdsSchema.safeParse({ priorStillnessSeconds: 601 }).success).toBe(false);
    expect(thresholdsSchema.safeParse({ priorStillnessSeconds: 180.5 }).success).toBe(false);
  });
});
