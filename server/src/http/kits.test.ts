// Nearest naloxone kits: distances checked against figures worked out apart from the code (a degree of
// latitude is 111.2 km on the mean sphere; Big Ben to the Eiffel Tower is about 340.5 km great-circle).
import { describe, expect, it } from 'vitest';
import type { KitRow } from '../store/index.js';
import { daysLeft, distanceM, geoUri, kitView, nearestKits } from './kits.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const kit = (id: string, lat: number | null, lon: number | null, over: Partial<KitRow> = {}): KitRow => ({
  id,
  service_id: 's',
  name: `Kit ${id}`,
  holder: 'box',
  holder_user_id: null,
  address: null,
  latitude: lat,
  longitude: lon,
  access_notes: null,
  expires_on: '2027-01-01',
  created_at: 0,
  ...over,
});

describe('distanceM', () => {
  it('0.001 degree of latitude is 111 m; Big Ben to the Eiffel Tower is about 340.5 km; a point to itself is 0', () => {
    expect(distanceM({ latitude: 55.8642, longitude: -4.2518 }, { latitude: 55.8652, longitude: -4.2518 })).toBeCloseTo(111.2, 0);
    const km = distanceM({ latitude: 51.5007, longitude: -0.1246 }, { latitude: 48.8584, longitude: 2.2945 }) / 1000;
    expect(km).toBeGreaterThan(339.5);
    expect(km).toBeLessThan(341.5);
    expect(distanceM({ latitude: 10, longitude: 20 }, { latitude: 10, longitude: 20 })).toBe(0);
  });
  it('is the short way round across the antimeridian and stays finite at antipodes', () => {
    expect(distanceM({ latitude: 0, longitude: 179.999 }, { latitude: 0, longitude: -179.999 })).toBeLessThan(250);
    expect(distanceM({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 180 })).toBeCloseTo(Math.PI * 6_371_008.8, -1);
  });
});

describe('daysLeft and expiry', () => {
  it('counts whole UTC days: 0 on the printed date, -1 the day after, 30 a month ahead', () => {
    expect(daysLeft('2026-01-01', NOW)).toBe(0);
    expect(daysLeft('2025-12-31', NOW)).toBe(-1);
    expect(daysLeft('2026-01-31', NOW)).toBe(30);
    expect(daysLeft('2026-01-31', Date.UTC(2026, 0, 1, 23, 59))).toBe(30);
  });
  it('a kit is expiring when it has 30 days or fewer left, or is past its date', () => {
    expect(kitView(kit('a', 1, 1, { expires_on: '2026-01-31' }), NOW, null)).toMatchObject({ daysLeft: 30, expiring: true });
    expect(kitView(kit('a', 1, 1, { expires_on: '2026-02-01' }), NOW, null)).toMatchObject({ daysLeft: 31, expiring: false });
    expect(kitView(kit('a', 1, 1, { expires_on: '2025-06-01' }), NOW, null).expiring).toBe(true);
  });
});

describe('nearestKits', () => {
  const home = { latitude: 55.8642, longitude: -4.2518 };
  it('the three nearest usable kits with a place, nearest first, with metres and a geo: link', () => {
    const kits = [
      kit('far', 55.9642, -4.2518), // 11.1 km
      kit('c', 55.8742, -4.2518), // 1112 m
      kit('expired', 55.8643, -4.2518, { expires_on: '2025-12-31' }), // 11 m but past its date
      kit('carried', null, null, { holder: 'responder', holder_user_id: 'alex' }),
      kit('b', 55.8642, -4.2418), // 624 m east
      kit('a', 55.8652, -4.2518), // 111 m north
      kit('today', 55.8645, -4.2518, { expires_on: '2026-01-01' }), // 33 m, still usable today
    ];
    const near = nearestKits(kits, home, NOW);
    expect(near.map((k) => [k.id, k.distanceM])).toEqual([
      ['today', 33],
      ['a', 111],
      ['b', 624],
    ]);
    expect(near[1]!.directions).toBe('geo:55.865200,-4.251800');
    expect(nearestKits(kits, home, NOW, 10).map((k) => k.id)).toEqual(['today', 'a', 'b', 'c', 'far']);
  });
  it('no kits, or none with a place, is an empty list', () => {
    expect(nearestKits([], home, NOW)).toEqual([]);
    expect(nearestKits([kit('x', null, null)], home, NOW)).toEqual([]);
  });
  it('geoUri writes RFC 5870 coordinates', () => {
    expect(geoUri({ latitude: -33.8568, longitude: 151.2153 })).toBe('geo:-33.856800,151.215300');
  });
});
