// Detection core types: what goes in (timestamped device messages) and what comes out (decisions).
import type { DeviceMessage } from '@odart/protocol';

export type SensorKind = 'wearable' | 'room' | 'door' | 'button';

/** One validated device message at a known time (ms). Detection never reads trace labels. */
export interface Sample {
  t: number;
  deviceId: string;
  message: DeviceMessage;
  /**
   * How old the reading was when it arrived (ms), from the payload's device `ts`; absent when
   * unknown. A sample older than the stale limit never raises a fresh emergency.
   */
  ageMs?: number;
}

/** A vitals payload as the detector reads it (every reading optional; implausible values are dropped by signal quality). */
export interface VitalsData {
  hr?: number | null | undefined;
  spo2?: number | null | undefined;
  rr?: number | null | undefined;
  activity?: number | null | undefined;
  onBody?: boolean | undefined;
}

/**
 * Per-wearer detection settings. Every default and the evidence behind it is in docs/detection.md;
 * a service changes them per wearer through `PUT /api/admin/wearers/:id/thresholds`.
 */
export interface Thresholds {
  /** breaths/min at or below which breathing counts as depressed (Second Chance RR<=7; NEWS2 RR<=8 scores 3) */
  lowRr: number;
  /** seconds of depressed breathing before it counts */
  lowRrSeconds: number;
  /** breaths/min at or below which depressed breathing is critical (PRODIGY: RR<=5) */
  criticalRr: number;
  /** seconds without breathing (RR 0) before it counts as apnea */
  apneaSeconds: number;
  /** apnea seconds at which the picture is critical and the check-in is skipped (PRODIGY: apnea >= 30 s) */
  criticalApneaSeconds: number;
  /** SpO2 fall below the wearer's own baseline that counts as desaturation (AASM/ODI: 3-4 points) */
  spo2Drop: number;
  /** SpO2 fall below baseline, with significant saturation-seconds, at which the check-in is skipped */
  spo2CriticalDrop: number;
  /** saturation-seconds (points below the desaturation line x seconds) that count as significant */
  satSeconds: number;
  /** SpO2 % at or below which saturation is dangerous whatever the baseline */
  spo2Critical: number;
  /** seconds at or below spo2Critical before it counts */
  spo2CriticalSeconds: number;
  /** room motion index (0-100) below which an occupied room is still */
  stillMotion: number;
  /**
   * room motion index below which stillness is "deep" (no micro-movement: not even breathing is seen);
   * deep stillness counts after half the stillness time (Brave firmware: high-confidence stillness,
   * radar index below a third of the still threshold, alerts after 1 min instead of 2)
   */
  deepStillMotion: number;
  /** seconds of stillness with presence before it counts (Brave: 180 s) */
  stillnessSeconds: number;
  /** seconds of stillness with presence when the room's door is known to be closed (bathroom) */
  stillnessClosedSeconds: number;
  /**
   * seconds of stillness with presence, with no reading at or above `stillMotion`, after which a room
   * sensor still on the reference prior (no scale learnt, no entry seen) raises a check-in: its
   * stillness is otherwise watch only (never sooner than the door's stillness timer). The same bound
   * stands on a learnt scale not confirmed by moving bouts, read on the stiller of the two scales.
   */
  priorStillnessSeconds: number;
  /** wrist activity (0-100) at or above which RR and SpO2 readings are motion artefacts */
  activityGate: number;
  /** heart rate at or below which bradycardia adds to an existing alert (never starts one) */
  bradyHr: number;
  /** cancel window of the wearer check-in, ms */
  checkinWindowMs: number;
  /** a stream with no sample for this long is stale and cannot raise an emergency, ms */
  staleMs: number;
  /** seconds a cleared picture must stay clear before the episode counts as recovered */
  clearSeconds: number;
  /** seconds without data from a periodic device before a technical "offline" notice (heartbeat) */
  offlineSeconds: number;
  /** battery % at or below which a technical notice goes to the service */
  lowBattery: number;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  lowRr: 7,
  lowRrSeconds: 30,
  criticalRr: 5,
  apneaSeconds: 15,
  criticalApneaSeconds: 30,
  spo2Drop: 4,
  spo2CriticalDrop: 10,
  satSeconds: 60,
  spo2Critical: 80,
  spo2CriticalSeconds: 20,
  stillMotion: 5,
  deepStillMotion: 1.5,
  stillnessSeconds: 180,
  stillnessClosedSeconds: 90,
  priorStillnessSeconds: 180,
  activityGate: 40,
  bradyHr: 50,
  checkinWindowMs: 15_000,
  staleMs: 15_000,
  clearSeconds: 10,
  offlineSeconds: 60,
  lowBattery: 15,
});

/** none < 30 <= watch < 60 <= high < 90 <= critical (score bands; critical also by rule). */
export type RiskLevel = 'none' | 'watch' | 'high' | 'critical';

export interface Assessment {
  score: number;
  reasons: string[];
  news2: number | null;
  level?: RiskLevel;
}

export type Decision =
  | ({
      kind: 'wearer_prompt';
      t: number;
      /** this check-in's cancel window, ms (the wearer's `checkinWindowMs` when it started) */ windowMs: number;
    } & Assessment)
  | ({ kind: 'responder_alert'; t: number } & Assessment)
  | ({ kind: 'update'; t: number } & Assessment)
  | { kind: 'cancelled'; t: number; reason: 'wearer_ok' | 'recovered' }
  | { kind: 'help'; t: number; deviceId: string }
  | { kind: 'technical'; t: number; deviceId: string; issue: 'offline' | 'off_body' | 'low_battery'; detail: string };

export type DecisionKind = Decision['kind'];
