// Bluetooth SIG GATT characteristic decoders (pure functions; docs/devices.md): Pulse Oximeter
// Service 0x1822 (PLX Spot-Check 0x2A5E, PLX Continuous 0x2A5F), Heart Rate Measurement 0x2A37,
// Battery Level 0x2A19. Values are IEEE 11073-20601 16-bit SFLOAT. Never throws: a short, long or
// reserved-bit payload is { ok: false, reason }.

/** SFLOAT special values (exponent 0, reserved mantissas). */
export type SfloatSpecial = 'NaN' | 'NRes' | '+INF' | '-INF' | 'reserved';
export type Sfloat = { value: number } | { special: SfloatSpecial };

const SPECIAL: Record<number, SfloatSpecial> = {
  0x07ff: 'NaN',
  0x0800: 'NRes',
  0x07fe: '+INF',
  0x0802: '-INF',
  0x0801: 'reserved',
};

/** 16-bit SFLOAT: 4-bit signed exponent (high nibble), 12-bit signed mantissa; value = m * 10^e. */
export function decodeSfloat(raw: number): Sfloat {
  const u = raw & 0xffff;
  // the special values are whole 16-bit codes (exponent 0), per IEEE 11073-20601 section F.8
  const sp = SPECIAL[u];
  if (sp) return { special: sp };
  const mant = u & 0x0fff;
  const m = mant >= 0x0800 ? mant - 0x1000 : mant;
  let e = u >> 12;
  if (e >= 8) e -= 16;
  // round away binary noise of 10^e (e.g. 0.1 * 3)
  const v = e >= 0 ? m * 10 ** e : m / 10 ** -e;
  return { value: Number(v.toFixed(Math.max(0, -e))) };
}

/** A finite SFLOAT value, else null (NaN, NRes, infinities and the reserved value carry no reading). */
export function sfloatValue(s: Sfloat): number | null {
  return 'value' in s ? s.value : null;
}

export type GattResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** PLX Measurement Status (16 bits; bits 0-4 reserved). */
export interface PlxMeasurementStatus {
  measurementOngoing: boolean;
  earlyEstimatedData: boolean;
  validatedData: boolean;
  fullyQualifiedData: boolean;
  dataFromMeasurementStorage: boolean;
  dataForDemonstration: boolean;
  dataForTesting: boolean;
  calibrationOngoing: boolean;
  measurementUnavailable: boolean;
  questionableMeasurementDetected: boolean;
  invalidMeasurementDetected: boolean;
}

const MEAS_BITS: [keyof PlxMeasurementStatus, number][] = [
  ['measurementOngoing', 5],
  ['earlyEstimatedData', 6],
  ['validatedData', 7],
  ['fullyQualifiedData', 8],
  ['dataFromMeasurementStorage', 9],
  ['dataForDemonstration', 10],
  ['dataForTesting', 11],
  ['calibrationOngoing', 12],
  ['measurementUnavailable', 13],
  ['questionableMeasurementDetected', 14],
  ['invalidMeasurementDetected', 15],
];

/** PLX Device and Sensor Status (24 bits; bits 16-23 reserved). */
export interface PlxDeviceStatus {
  extendedDisplayUpdateOngoing: boolean;
  equipmentMalfunctionDetected: boolean;
  signalProcessingIrregularityDetected: boolean;
  inadequateSignalDetected: boolean;
  poorSignalDetected: boolean;
  lowPerfusionDetected: boolean;
  erraticSignalDetected: boolean;
  nonpulsatileSignalDetected: boolean;
  questionablePulseDetected: boolean;
  signalAnalysisOngoing: boolean;
  sensorInterferenceDetected: boolean;
  sensorUnconnectedToUser: boolean;
  unknownSensorConnected: boolean;
  sensorDisplaced: boolean;
  sensorMalfunctioning: boolean;
  sensorDisconnected: boolean;
}

const DEV_BITS: (keyof PlxDeviceStatus)[] = [
  'extendedDisplayUpdateOngoing',
  'equipmentMalfunctionDetected',
  'signalProcessingIrregularityDetected',
  'inadequateSignalDetected',
  'poorSignalDetected',
  'lowPerfusionDetected',
  'erraticSignalDetected',
  'nonpulsatileSignalDetected',
  'questionablePulseDetected',
  'signalAnalysisOngoing',
  'sensorInterferenceDetected',
  'sensorUnconnectedToUser',
  'unknownSensorConnected',
  'sensorDisplaced',
  'sensorMalfunctioning',
  'sensorDisconnected',
];

function measStatus(v: number): PlxMeasurementStatus {
  return Object.fromEntries(MEAS_BITS.map(([k, b]) => [k, ((v >> b) & 1) === 1])) as unknown as PlxMeasurementStatus;
}
function devStatus(v: number): PlxDeviceStatus {
  return Object.fromEntries(DEV_BITS.map((k, b) => [k, ((v >> b) & 1) === 1])) as unknown as PlxDeviceStatus;
}

export interface PlxReading {
  spo2: Sfloat;
  pulseRate: Sfloat;
}

export interface PlxSpotCheck extends PlxReading {
  /** Date Time (year, month, day, hours, minutes, seconds) as given; null when absent */
  timestamp: { year: number; month: number; day: number; hours: number; minutes: number; seconds: number } | null;
  deviceClockNotSet: boolean;
  measurementStatus: PlxMeasurementStatus | null;
  deviceStatus: PlxDeviceStatus | null;
  pulseAmplitudeIndex: Sfloat | null;
}

export interface PlxContinuous {
  normal: PlxReading;
  fast: PlxReading | null;
  slow: PlxReading | null;
  measurementStatus: PlxMeasurementStatus | null;
  deviceStatus: PlxDeviceStatus | null;
  pulseAmplitudeIndex: Sfloat | null;
}

class Reader {
  i = 0;
  constructor(private readonly b: Uint8Array) {}
  need(n: number): boolean {
    return this.i + n <= this.b.length;
  }
  u8(): number {
    return this.b[this.i++]!;
  }
  u16(): number {
    const v = this.b[this.i]! | (this.b[this.i + 1]! << 8); // GATT is little-endian
    this.i += 2;
    return v;
  }
  u24(): number {
    const v = this.b[this.i]! | (this.b[this.i + 1]! << 8) | (this.b[this.i + 2]! << 16);
    this.i += 3;
    return v;
  }
  get done(): boolean {
    return this.i === this.b.length;
  }
}

const SHORT = { ok: false, reason: 'too_short' } as const;
const LONG = { ok: false, reason: 'too_long' } as const;
const RESERVED = { ok: false, reason: 'reserved_bits' } as const;

function pair(r: Reader): PlxReading {
  return { spo2: decodeSfloat(r.u16()), pulseRate: decodeSfloat(r.u16()) };
}

/** PLX Spot-Check Measurement (0x2A5E). Flags: 0 timestamp, 1 measurement status, 2 device and sensor status, 3 PAI, 4 device clock not set. */
export function decodePlxSpotCheck(b: Uint8Array): GattResult<PlxSpotCheck> {
  const r = new Reader(b);
  if (!r.need(5)) return SHORT;
  const flags = r.u8();
  if (flags & 0xe0) return RESERVED;
  const reading = pair(r);
  let timestamp: PlxSpotCheck['timestamp'] = null;
  if (flags & 0x01) {
    if (!r.need(7)) return SHORT;
    timestamp = { year: r.u16(), month: r.u8(), day: r.u8(), hours: r.u8(), minutes: r.u8(), seconds: r.u8() };
  }
  let ms: PlxMeasurementStatus | null = null;
  if (flags & 0x02) {
    if (!r.need(2)) return SHORT;
    const v = r.u16();
    if (v & 0x1f) return RESERVED;
    ms = measStatus(v);
  }
  let ds: PlxDeviceStatus | null = null;
  if (flags & 0x04) {
    if (!r.need(3)) return SHORT;
    const v = r.u24();
    if (v & 0xff0000) return RESERVED;
    ds = devStatus(v);
  }
  let pai: Sfloat | null = null;
  if (flags & 0x08) {
    if (!r.need(2)) return SHORT;
    pai = decodeSfloat(r.u16());
  }
  if (!r.done) return LONG;
  return {
    ok: true,
    value: {
      ...reading,
      timestamp,
      deviceClockNotSet: (flags & 0x10) !== 0,
      measurementStatus: ms,
      deviceStatus: ds,
      pulseAmplitudeIndex: pai,
    },
  };
}

/** PLX Continuous Measurement (0x2A5F). Flags: 0 fast, 1 slow, 2 measurement status, 3 device and sensor status, 4 PAI. */
export function decodePlxContinuous(b: Uint8Array): GattResult<PlxContinuous> {
  const r = new Reader(b);
  if (!r.need(5)) return SHORT;
  const flags = r.u8();
  if (flags & 0xe0) return RESERVED;
  const normal = pair(r);
  let fast: PlxReading | null = null;
  let slow: PlxReading | null = null;
  if (flags & 0x01) {
    if (!r.need(4)) return SHORT;
    fast = pair(r);
  }
  if (flags & 0x02) {
    if (!r.need(4)) return SHORT;
    slow = pair(r);
  }
  let ms: PlxMeasurementStatus | null = null;
  if (flags & 0x04) {
    if (!r.need(2)) return SHORT;
    const v = r.u16();
    if (v & 0x1f) return RESERVED;
    ms = measStatus(v);
  }
  let ds: PlxDeviceStatus | null = null;
  if (flags & 0x08) {
    if (!r.need(3)) return SHORT;
    const v = r.u24();
    if (v & 0xff0000) return RESERVED;
    ds = devStatus(v);
  }
  let pai: Sfloat | null = null;
  if (flags & 0x10) {
    if (!r.need(2)) return SHORT;
    pai = decodeSfloat(r.u16());
  }
  if (!r.done) return LONG;
  return { ok: true, value: { normal, fast, slow, measurementStatus: ms, deviceStatus: ds, pulseAmplitudeIndex: pai } };
}

export interface HeartRateMeasurement {
  /** beats per minute */
  hr: number;
  /** sensor contact: 'unsupported' when the feature is not supported */
  contact: 'detected' | 'not_detected' | 'unsupported';
  /** kilojoules, null when absent */
  energyExpended: number | null;
  /** RR intervals in seconds (resolution 1/1024 s), oldest first */
  rrIntervals: number[];
}

/** Heart Rate Measurement (0x2A37). Flags: 0 uint16 value, 1 contact detected, 2 contact supported, 3 energy expended, 4 RR intervals. */
export function decodeHeartRate(b: Uint8Array): GattResult<HeartRateMeasurement> {
  const r = new Reader(b);
  if (!r.need(2)) return SHORT;
  const flags = r.u8();
  if (flags & 0xe0) return RESERVED;
  const wide = (flags & 0x01) !== 0;
  if (wide && !r.need(2)) return SHORT;
  const hr = wide ? r.u16() : r.u8();
  const contact = flags & 0x04 ? (flags & 0x02 ? 'detected' : 'not_detected') : 'unsupported';
  let energyExpended: number | null = null;
  if (flags & 0x08) {
    if (!r.need(2)) return SHORT;
    energyExpended = r.u16();
  }
  const rrIntervals: number[] = [];
  if (flags & 0x10) {
    if (r.done || (b.length - r.i) % 2 !== 0) return r.done ? SHORT : LONG;
    while (!r.done) rrIntervals.push(r.u16() / 1024);
  }
  if (!r.done) return LONG;
  return { ok: true, value: { hr, contact, energyExpended, rrIntervals } };
}

/** Battery Level (0x2A19): one byte, percent 0..100 (101..255 reserved). */
export function decodeBatteryLevel(b: Uint8Array): GattResult<number> {
  if (b.length < 1) return SHORT;
  if (b.length > 1) return LONG;
  if (b[0]! > 100) return { ok: false, reason: 'out_of_range' };
  return { ok: true, value: b[0]! };
}

/** Characteristic UUIDs (16-bit, as 4 lowercase hex digits) the gateway understands. */
export const GATT = {
  plxSpotCheck: '2a5e',
  plxContinuous: '2a5f',
  heartRate: '2a37',
  batteryLevel: '2a19',
} as const;

/** Accepts `2A5E`, `0x2a5e` or the full 128-bit base UUID form `00002a5e-0000-1000-8000-00805f9b34fb`. */
export function shortUuid(u: string): string | null {
  const s = u.trim().toLowerCase();
  let m = /^(?:0x)?([0-9a-f]{4})$/.exec(s);
  if (m) return m[1]!;
  m = /^0000([0-9a-f]{4})-0000-1000-8000-00805f9b34fb$/.exec(s);
  return m ? m[1]! : null;
}

/** Whether a PLX reading should be trusted as a live measurement. */
export function plxUsable(ms: PlxMeasurementStatus | null, ds: PlxDeviceStatus | null): boolean {
  if (ms && (ms.measurementUnavailable || ms.invalidMeasurementDetected || ms.questionableMeasurementDetected)) return false;
  if (ms && (ms.dataForDemonstration || ms.dataForTesting || ms.calibrationOngoing)) return false;
  if (
    ds &&
    (ds.equipmentMalfunctionDetected ||
      ds.sensorMalfunctioning ||
      ds.sensorDisconnected ||
      ds.sensorUnconnectedToUser ||
      ds.sensorDisplaced)
  )
    return false;
  return true;
}

/** A finite value as SFLOAT with the fewest decimals (0..3) that keep it, for simulators and tests. */
export function encodeSfloat(v: number, maxDecimals = 1): number {
  for (let d = 0; d <= maxDecimals; d++) {
    const m = Math.round(v * 10 ** d);
    if (Math.abs(m - v * 10 ** d) < 1e-6 || d === maxDecimals) {
      if (m > 2045 || m < -2046) break;
      return ((-d & 0xf) << 12) | (m & 0x0fff);
    }
  }
  const m = Math.round(v);
  if (m > 2045 || m < -2046) throw new RangeError(`${v} does not fit a 16-bit SFLOAT`);
  return m & 0x0fff;
}
