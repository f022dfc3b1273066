// GATT decoders against vectors written from the Bluetooth SIG specifications (PLXS 1.0.1, HRS 1.0,
// BAS 1.0) and IEEE 11073-20601 (SFLOAT). Multi-byte fields are little-endian on the air.
import { describe, expect, it } from 'vitest';
import {
  decodeBatteryLevel,
  decodeHeartRate,
  decodePlxContinuous,
  decodePlxSpotCheck,
  decodeSfloat,
  encodeSfloat,
  plxUsable,
  shortUuid,
} from './gatt.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('IEEE 11073 16-bit SFLOAT', () => {
  it('decodes exponent and mantissa, both signed', () => {
    expect(decodeSfloat(0x0048)).toEqual({ value: 72 }); // e 0, m 72
    expect(decodeSfloat(0xf3ca)).toEqual({ value: 97 }); // e -1, m 970 -> 97.0
    expect(decodeSfloat(0xf3c5)).toEqual({ value: 96.5 });
    expect(decodeSfloat(0xffff)).toEqual({ value: -0.1 }); // e -1, m -1
    expect(decodeSfloat(0x1002)).toEqual({ value: 20 }); // e 1, m 2
    expect(decodeSfloat(0xe7ff)).toEqual({ value: 20.47 }); // e -2, m 2047 (largest positive mantissa)
    expect(decodeSfloat(0x0000)).toEqual({ value: 0 });
  });
  it('recognises NaN, NRes, +INF, -INF and the reserved value (exponent 0 only)', () => {
    expect(decodeSfloat(0x07ff)).toEqual({ special: 'NaN' });
    expect(decodeSfloat(0x0800)).toEqual({ special: 'NRes' });
    expect(decodeSfloat(0x07fe)).toEqual({ special: '+INF' });
    expect(decodeSfloat(0x0802)).toEqual({ special: '-INF' });
    expect(decodeSfloat(0x0801)).toEqual({ special: 'reserved' });
    // the same mantissas with a non-zero exponent are ordinary numbers
    expect(decodeSfloat(0xf7ff)).toEqual({ value: 204.7 });
    expect(decodeSfloat(0x1800)).toEqual({ value: -20480 });
  });
});

describe('PLX Spot-Check Measurement 0x2A5E', () => {
  it('flags 0: SpO2 and pulse rate only', () => {
    const r = decodePlxSpotCheck(hex('00 ca f3 48 00'));
    expect(r).toMatchObject({
      ok: true,
      value: { spo2: { value: 97 }, pulseRate: { value: 72 }, timestamp: null, measurementStatus: null },
    });
  });
  it('every optional field: timestamp, measurement status, device and sensor status, PAI, clock not set', () => {
    // flags 0x1f; SpO2 95.0 (0xF3B6), PR 60; 2026-01-01 08:30:15; meas status: validated (bit 7);
    // device status: low perfusion (bit 5); PAI 3.5 (0xF023)
    const r = decodePlxSpotCheck(hex('1f b6 f3 3c 00  ea 07 01 01 08 1e 0f  80 00  20 00 00  23 f0'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.spo2).toEqual({ value: 95 });
    expect(r.value.pulseRate).toEqual({ value: 60 });
    expect(r.value.timestamp).toEqual({ year: 2026, month: 1, day: 1, hours: 8, minutes: 30, seconds: 15 });
    expect(r.value.deviceClockNotSet).toBe(true);
    expect(r.value.measurementStatus?.validatedData).toBe(true);
    expect(r.value.measurementStatus?.invalidMeasurementDetected).toBe(false);
    expect(r.value.deviceStatus?.lowPerfusionDetected).toBe(true);
    expect(r.value.deviceStatus?.sensorDisconnected).toBe(false);
    expect(r.value.pulseAmplitudeIndex).toEqual({ value: 3.5 });
    expect(plxUsable(r.value.measurementStatus, r.value.deviceStatus)).toBe(true);
  });
  it('NaN SpO2 and NRes pulse rate are carried as specials', () => {
    const r = decodePlxSpotCheck(hex('00 ff 07 00 08'));
    expect(r).toMatchObject({ ok: true, value: { spo2: { special: 'NaN' }, pulseRate: { special: 'NRes' } } });
  });
  it('rejects short, long and reserved-bit payloads', () => {
    expect(decodePlxSpotCheck(hex('00 ca f3 48'))).toEqual({ ok: false, reason: 'too_short' });
    expect(decodePlxSpotCheck(hex('01 ca f3 48 00 ea 07'))).toEqual({ ok: false, reason: 'too_short' });
    expect(decodePlxSpotCheck(hex('00 ca f3 48 00 00'))).toEqual({ ok: false, reason: 'too_long' });
    expect(decodePlxSpotCheck(hex('20 ca f3 48 00'))).toEqual({ ok: false, reason: 'reserved_bits' });
    expect(decodePlxSpotCheck(hex('02 ca f3 48 00 01 00'))).toEqual({ ok: false, reason: 'reserved_bits' }); // meas status bit 0
    expect(decodePlxSpotCheck(hex('04 ca f3 48 00 00 00 01'))).toEqual({ ok: false, reason: 'reserved_bits' }); // dev status bit 16
  });
});

describe('PLX Continuous Measurement 0x2A5F', () => {
  it('normal only', () => {
    expect(decodePlxContinuous(hex('00 ca f3 48 00'))).toMatchObject({
      ok: true,
      value: { normal: { spo2: { value: 97 }, pulseRate: { value: 72 } }, fast: null, slow: null },
    });
  });
  it('fast, slow, measurement status (invalid), device status (sensor disconnected), PAI', () => {
    // flags 0x1f; normal 97/72; fast 96.5/73; slow +INF/-INF; meas 0x8000 invalid; dev bit 15 disconnected; PAI NaN
    const r = decodePlxContinuous(hex('1f ca f3 48 00  c5 f3 49 00  fe 07 02 08  00 80  00 80 00  ff 07'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.fast).toEqual({ spo2: { value: 96.5 }, pulseRate: { value: 73 } });
    expect(r.value.slow).toEqual({ spo2: { special: '+INF' }, pulseRate: { special: '-INF' } });
    expect(r.value.measurementStatus?.invalidMeasurementDetected).toBe(true);
    expect(r.value.deviceStatus?.sensorDisconnected).toBe(true);
    expect(r.value.pulseAmplitudeIndex).toEqual({ special: 'NaN' });
    expect(plxUsable(r.value.measurementStatus, r.value.deviceStatus)).toBe(false);
  });
  it('rejects truncated optional fields and reserved flag bits', () => {
    expect(decodePlxContinuous(hex('01 ca f3 48 00 c5 f3'))).toEqual({ ok: false, reason: 'too_short' });
    expect(decodePlxContinuous(hex('80 ca f3 48 00'))).toEqual({ ok: false, reason: 'reserved_bits' });
    expect(decodePlxContinuous(hex(''))).toEqual({ ok: false, reason: 'too_short' });
  });
});

describe('Heart Rate Measurement 0x2A37', () => {
  it('uint8 value, contact not supported', () => {
    expect(decodeHeartRate(hex('00 48'))).toEqual({
      ok: true,
      value: { hr: 72, contact: 'unsupported', energyExpended: null, rrIntervals: [] },
    });
  });
  it('uint16 value, contact detected, energy expended, two RR intervals in 1/1024 s', () => {
    // flags 0x1f: uint16, contact detected+supported, energy, RR; hr 300; energy 1234 kJ; RR 1024 (1 s), 512 (0.5 s)
    expect(decodeHeartRate(hex('1f 2c 01 d2 04 00 04 00 02'))).toEqual({
      ok: true,
      value: { hr: 300, contact: 'detected', energyExpended: 1234, rrIntervals: [1, 0.5] },
    });
  });
  it('contact supported but not detected', () => {
    expect(decodeHeartRate(hex('04 50'))).toMatchObject({ ok: true, value: { contact: 'not_detected' } });
  });
  it('rejects odd RR bytes, missing fields and reserved flags', () => {
    expect(decodeHeartRate(hex('10 48 00 04 00'))).toEqual({ ok: false, reason: 'too_long' });
    expect(decodeHeartRate(hex('10 48'))).toEqual({ ok: false, reason: 'too_short' });
    expect(decodeHeartRate(hex('01 48'))).toEqual({ ok: false, reason: 'too_short' });
    expect(decodeHeartRate(hex('08 48 01'))).toEqual({ ok: false, reason: 'too_short' });
    expect(decodeHeartRate(hex('00 48 00'))).toEqual({ ok: false, reason: 'too_long' });
    expect(decodeHeartRate(hex('40 48'))).toEqual({ ok: false, reason: 'reserved_bits' });
  });
});

describe('Battery Level 0x2A19 and UUIDs', () => {
  it('percent 0..100, reserved above', () => {
    expect(decodeBatteryLevel(hex('57'))).toEqual({ ok: true, value: 87 });
    expect(decodeBatteryLevel(hex('64'))).toEqual({ ok: true, value: 100 });
    expect(decodeBatteryLevel(hex('65'))).toEqual({ ok: false, reason: 'out_of_range' });
    expect(decodeBatteryLevel(hex(''))).toEqual({ ok: false, reason: 'too_short' });
    expect(decodeBatteryLevel(hex('5757'))).toEqual({ ok: false, reason: 'too_long' });
  });
  it('16-bit and 128-bit base UUID forms', () => {
    expect(shortUuid('2A5F')).toBe('2a5f');
    expect(shortUuid('0x2a37')).toBe('2a37');
    expect(shortUuid('00002a19-0000-1000-8000-00805f9b34fb')).toBe('2a19');
    expect(shortUuid('12345678-0000-1000-8000-00805f9b34fb')).toBeNull();
  });
});

describe('encodeSfloat (simulator side)', () => {
  it('round-trips the values a simulator sends', () => {
    for (const v of [0, 72, 97, 96.5, 88.5, 14.5, 300, 150.2, 0.5])
      expect(decodeSfloat(encodeSfloat(v)), String(v)).toEqual({ value: Math.round(v * 10) / 10 });
    expect(encodeSfloat(97)).toBe(0x0061);
    expect(encodeSfloat(96.5)).toBe(0xf3c5);
  });
});
