// Validation of per-wearer threshold overrides (the service's settings): each key optional, each
// bounded to a range that still detects an overdose; unknown keys are refused so typos cannot hide.
import { z } from 'zod';
import { DEFAULT_THRESHOLDS, type Thresholds } from './types.js';

const n = (min: number, max: number) => z.number().finite().min(min).max(max);
const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const thresholdsSchema = z
  .object({
    lowRr: n(2, 12),
    lowRrSeconds: int(5, 120),
    criticalRr: n(1, 8),
    apneaSeconds: int(5, 60),
    criticalApneaSeconds: int(10, 120),
    spo2Drop: n(2, 15),
    spo2CriticalDrop: n(4, 30),
    satSeconds: n(10, 600),
    spo2Critical: n(60, 92),
    spo2CriticalSeconds: int(5, 120),
    stillMotion: n(1, 50),
    deepStillMotion: n(0.5, 25),
    stillnessSeconds: int(30, 1800),
    stillnessClosedSeconds: int(30, 1800),
    priorStillnessSeconds: int(60, 600),
    activityGate: n(10, 100),
    bradyHr: n(30, 70),
    checkinWindowMs: int(0, 120_000),
    staleMs: int(3_000, 120_000),
    clearSeconds: int(3, 120),
    offlineSeconds: int(10, 3600),
    lowBattery: n(1, 50),
  } satisfies Record<keyof Thresholds, z.ZodType>)
  .partial()
  .strict()
  .refine((t) => t.criticalRr === undefined || t.lowRr === undefined || t.criticalRr <= t.lowRr, {
    message: 'criticalRr must not exceed lowRr',
    path: ['criticalRr'],
  })
  .refine((t) => t.deepStillMotion === undefined || t.deepStillMotion < (t.stillMotion ?? DEFAULT_THRESHOLDS.stillMotion), {
    message: 'deepStillMotion must be below stillMotion',
    path: ['deepStillMotion'],
  })
  .refine((t) => t.criticalApneaSeconds === undefined || t.apneaSeconds === undefined || t.criticalApneaSeconds >= t.apneaSeconds, {
    message: 'criticalApneaSeconds must not be below apneaSeconds',
    path: ['criticalApneaSeconds'],
  });

export type ThresholdOverrides = z.infer<typeof thresholdsSchema>;

/** Overrides as stored (JSON text or null) -> validated partial; a bad stored value counts as none. */
export function parseStoredThresholds(text: string | null | undefined): ThresholdOverrides {
  if (!text) return {};
  try {
    const r = thresholdsSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : {};
  } catch {
    return {};
  }
}

export function effectiveThresholds(overrides: Partial<Thresholds>): Thresholds {
  return { ...DEFAULT_THRESHOLDS, ...overrides };
}
