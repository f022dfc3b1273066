// Published test vectors of frame protocol v1 (docs/firmware-protocol.md lists the same hex).
// Firmware makers check their encoder against these; tests check both directions.
import type { Frame } from './frame.js';

/** 2026-01-01T00:00:00Z */
export const VECTOR_T = 1767225600000;

export const VECTORS: readonly { name: string; frame: Frame; hex: string }[] = [
  {
    name: 'vitals, all fields',
    frame: {
      deviceId: 'demo-wrist',
      seq: 1,
      ts: VECTOR_T,
      body: { type: 'vitals', hr: 72, spo2: 97, rr: 14.5, activity: 20, onBody: true },
    },
    hex: 'a7111e0a64656d6f2d777269737400000001019b76daa80002d0c200911403acbb',
  },
  {
    name: 'vitals, apnea, sensor could not compute hr/activity, on-body unknown',
    frame: {
      deviceId: 'demo-wrist',
      seq: 2,
      ts: VECTOR_T + 1000,
      body: { type: 'vitals', hr: null, spo2: 88.5, rr: 0, activity: null, onBody: null },
    },
    hex: 'a7111e0a64656d6f2d777269737400000002019b76daabe8ffffb10000ff001750',
  },
  {
    name: 'presence, occupied and still',
    frame: { deviceId: 'demo-room', seq: 7, ts: VECTOR_T, body: { type: 'presence', occupied: true, motion: 3 } },
    hex: 'a712180964656d6f2d726f6f6d00000007019b76daa80001038f35',
  },
  {
    name: 'door closed, device without a clock (ts 0)',
    frame: { deviceId: 'demo-room', seq: 8, ts: 0, body: { type: 'door', open: false } },
    hex: 'a713170964656d6f2d726f6f6d0000000800000000000000cd5e',
  },
  {
    name: 'button help, highest sequence number',
    frame: { deviceId: 'w1', seq: 4294967295, ts: VECTOR_T, body: { type: 'button', action: 'help' } },
    hex: 'a71410027731ffffffff019b76daa80001fef4',
  },
  {
    name: 'status online, battery 87 %, firmware 1.2.0',
    frame: { deviceId: 'demo-wrist', seq: 3, ts: VECTOR_T, body: { type: 'status', state: 'online', battery: 87, fw: '1.2.0' } },
    hex: 'a7151e0a64656d6f2d777269737400000003019b76daa8000157312e322e30f6d4',
  },
];
