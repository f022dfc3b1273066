// Detection core types: what goes in (timestamped device messages) and what comes out (decisions).
import type { DeviceMessage } from '../protocol/index.js';

export type SensorKind = 'wearable' | 'room' | 'door' | 'button';

/** One validated device message at a known time (ms). Detection never reads trace labels. */
export interface Sample {
  t: number;
  deviceId: string;
  message: DeviceMessage;
  /** how old the reading was when it arrived (from the device `ts`); absent = live / unknown */
  ageMs?: number;
}

export interface Thresholds {
  /** breaths/min at or below which breathing counts as depressed (Second Chance RR<=7; NEWS2 RR<=8 scores 3) */
  lowRr: number;
  /** seconds of depressed breathing before it counts */
  lowRrSeconds: number;
  /** seconds without breathing (RR 0) before it counts as apnea */
  apneaSeconds: number;
  /** apnea seconds at which the picture is critical and the check-in is skipped (PRODIGY: apnea >= 30 s) */
  criticalApneaSeconds: number;
  /** SpO2 % at or below which saturation counts as low */
  spo2Low: number;
  /** seconds of low SpO2 before it counts */
  spo2LowSeconds: number;
  /** room motion index (0-100) below which an occupied room is still */
  stillMotion: number;
  /** seconds of stillness with presence before it counts (Brave: 180 s) */
  stillnessSeconds: number;
  /** heart rate at or below which bradycardia adds to an existing alert (never starts one) */
  bradyHr: number;
  /** cancel window of the wearer check-in, ms */
  checkinWindowMs: number;
  /** a stream with no sample for this long is stale and cannot raise an emergency, ms */
  staleMs: number;
  /** seconds a cleared picture must stay clear before the episode counts as recovered */
  clearSeconds: number;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  lowRr: 7,
  lowRrSeconds: 30,
  apneaSeconds: 15,
  criticalApneaSeconds: 30,
  spo2Low: 88,
  spo2LowSeconds: 30,
  stillMotion: 5,
  stillnessSeconds: 180,
  bradyHr: 50,
  checkinWindowMs: 15_000,
  staleMs: 15_000,
  clearSeconds: 10,
});

export interface Assessment {
  score: number;
  reasons: string[];
  news2: number | null;
}

export type Decision =
  | ({ kind: 'wearer_prompt'; t: number } & Assessment)
  | ({ kind: 'responder_alert'; t: number } & Assessment)
  | ({ kind: 'update'; t: number } & Assessment)
  | { kind: 'cancelled'; t: number; reason: 'wearer_ok' | 'recovered' }
  | { kind: 'help'; t: number; deviceId: string }
  | { kind: 'technical'; t: number; deviceId: string; issue: 'offline' | 'off_body' | 'low_battery'; detail: string };

export type DecisionKind = Decision['kind'];
