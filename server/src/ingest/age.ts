// How old a device reading was when it arrived (from the payload's device `ts`), for the detection
// core: replayed store-and-forward data is old and must not raise a fresh emergency as if live.
// A device whose clock is simply behind must not be silenced either: when even its freshest
// message in a whole minute looks old, its `ts` is not believed (readings count as live).

/** Device clocks before 2020 were never set. */
const MIN_PLAUSIBLE_TS = Date.UTC(2020, 0, 1);
/** A `ts` this far ahead of the server clock is not believed. */
export const MAX_AHEAD_MS = 60_000;
/** Window over which a device's freshest reading is checked. */
export const SKEW_WINDOW_MS = 60_000;
/** If the freshest reading of a window is older than this, the device clock is considered wrong. */
export const SKEW_LIMIT_MS = 10_000;

interface DeviceAge {
  windowStart: number;
  minAge: number;
  distrusted: boolean;
}

export class SampleAges {
  private readonly devices = new Map<string, DeviceAge>();

  /** called when a device's clock starts or stops being believed */
  constructor(private readonly onDistrust?: (deviceId: string, distrusted: boolean, minAgeMs: number) => void) {}

  /** Age in ms of a reading stamped `ts`, arriving at `now`; undefined when there is no believable stamp. */
  ageOf(deviceId: string, ts: number | undefined, now: number): number | undefined {
    if (ts === undefined || ts < MIN_PLAUSIBLE_TS || ts > now + MAX_AHEAD_MS) return undefined;
    const age = Math.max(0, now - ts);
    let st = this.devices.get(deviceId);
    if (!st) {
      st = { windowStart: now, minAge: age, distrusted: false };
      this.devices.set(deviceId, st);
    } else if (now - st.windowStart >= SKEW_WINDOW_MS) {
      const distrust = st.minAge > SKEW_LIMIT_MS;
      if (distrust !== st.distrusted) this.onDistrust?.(deviceId, distrust, st.minAge);
      st.distrusted = distrust;
      st.windowStart = now;
      st.minAge = age;
    } else {
      st.minAge = Math.min(st.minAge, age);
    }
    return st.distrusted ? undefined : age;
  }

  forget(deviceId: string): void {
    this.devices.delete(deviceId);
  }
}
