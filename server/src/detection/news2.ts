// NEWS2 partial score (RCP 2017) from the parameters a wearable gives: RR, SpO2 (scale 1), HR.
// Context for responders only; detection never triggers on it.

export function news2Respiration(rr: number): number {
  if (rr <= 8) return 3;
  if (rr <= 11) return 1;
  if (rr <= 20) return 0;
  if (rr <= 24) return 2;
  return 3;
}

export function news2Spo2Scale1(spo2: number): number {
  if (spo2 <= 91) return 3;
  if (spo2 <= 93) return 2;
  if (spo2 <= 95) return 1;
  return 0;
}

export function news2Pulse(hr: number): number {
  if (hr <= 40) return 3;
  if (hr <= 50) return 1;
  if (hr <= 90) return 0;
  if (hr <= 110) return 1;
  if (hr <= 130) return 2;
  return 3;
}

/** Sum of the available parameters, or null when none is known. */
export function news2Partial(v: { rr?: number | null; spo2?: number | null; hr?: number | null }): number | null {
  let total = 0;
  let any = false;
  if (v.rr != null) {
    total += news2Respiration(v.rr);
    any = true;
  }
  if (v.spo2 != null) {
    total += news2Spo2Scale1(v.spo2);
    any = true;
  }
  if (v.hr != null) {
    total += news2Pulse(v.hr);
    any = true;
  }
  return any ? total : null;
}
