// Protocol contract: topics and payload schemas (docs/protocol.md).
import { describe, expect, it } from 'vitest';
import { decodePayload, deviceTopic, parseTopic } from './index.js';

describe('topics', () => {
  it('builds and parses odart/v1/devices/{id}/{stream}', () => {
    expect(deviceTopic('demo-wrist', 'vitals')).toBe('odart/v1/devices/demo-wrist/vitals');
    expect(parseTopic('odart/v1/devices/demo-wrist/vitals')).toEqual({ kind: 'device', deviceId: 'demo-wrist', stream: 'vitals' });
    expect(parseTopic('odart/v1/devices/demo-wrist/command')).toEqual({ kind: 'command', deviceId: 'demo-wrist' });
    for (const t of [
      'odart/v1/devices/a/b/vitals',
      'odart/v1/devices//vitals',
      'odart/v2/devices/a/vitals',
      'odart/v1/devices/a/fire',
      'odart/v1/devices/+/vitals',
    ]) {
      expect(parseTopic(t).kind, t).toBe('other');
    }
  });
});

describe('payloads', () => {
  it('accepts the trace-format fields, with null or absent vitals', () => {
    expect(decodePayload('vitals', '{"hr":72,"spo2":97,"rr":14,"activity":3,"onBody":true}', 8192).ok).toBe(true);
    expect(decodePayload('vitals', '{"hr":null,"spo2":null}', 8192).ok).toBe(true);
    expect(decodePayload('vitals', '{"hr":72,"extra":"ignored"}', 8192).ok).toBe(true);
    expect(decodePayload('presence', '{"occupied":true,"motion":40}', 8192).ok).toBe(true);
    expect(decodePayload('door', '{"open":false}', 8192).ok).toBe(true);
    expect(decodePayload('button', '{"action":"ok"}', 8192).ok).toBe(true);
    expect(decodePayload('status', '{"state":"offline"}', 8192).ok).toBe(true);
  });
  it('rejects out-of-range and wrong types with field names, never values', () => {
    const r = decodePayload('vitals', '{"hr":999,"spo2":"97"}', 8192);
    expect(r).toEqual({ ok: false, reason: 'invalid', detail: 'invalid fields: hr, spo2' });
    expect(decodePayload('vitals', '{', 8192)).toMatchObject({ ok: false, reason: 'not_json' });
    expect(decodePayload('vitals', 'x'.repeat(9000), 8192)).toMatchObject({ ok: false, reason: 'too_large' });
    expect(decodePayload('vitals', '{"rr":NaN}', 8192)).toMatchObject({ ok: false, reason: 'not_json' });
  });
});
