// Naloxone kits near an alert: straight-line (great-circle) distance from the wearer's home, the nearest
// unexpired kits with a place, and how long a kit has left. Pure functions of the rows and a clock.
import type { KitView, NearbyKit } from '@odart/protocol/api';
import type { KitRow } from '../store/index.js';

const EARTH_RADIUS_M = 6_371_008.8; // mean radius (IUGG)
const DAY_MS = 86_400_000;
/** A kit this close to its expiry date shows as expiring on the console. */
export const KIT_EXPIRY_WARNING_DAYS = 30;

export interface Point {
  latitude: number;
  longitude: number;
}

/** Haversine distance in metres between two WGS 84 points (the sphere's error is under 0.5 %). */
export function distanceM(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Whole days from `now`'s UTC date to the expiry date: 0 on the day itself, negative after it. */
export function daysLeft(expiresOn: string, now: number): number {
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  return Math.round((Date.parse(`${expiresOn}T00:00:00Z`) - today) / DAY_MS);
}

/** A kit may be used through the date printed on it. */
export const usable = (k: KitRow, now: number): boolean => daysLeft(k.expires_on, now) >= 0;

const place = (k: KitRow): Point | null =>
  k.latitude === null || k.longitude === null ? null : { latitude: k.latitude, longitude: k.longitude };

/** RFC 5870 `geo:` URI, 6 decimals (about 0.1 m). */
export const geoUri = (p: Point): string => `geo:${p.latitude.toFixed(6)},${p.longitude.toFixed(6)}`;

/** The `count` nearest usable kits that have a place, nearest first (a carried kit without a place is not among them). */
export function nearestKits(kits: readonly KitRow[], home: Point, now: number, count = 3): NearbyKit[] {
  const out: NearbyKit[] = [];
  for (const k of kits) {
    const p = place(k);
    if (!p || !usable(k, now)) continue;
    out.push({
      id: k.id,
      name: k.name,
      holder: k.holder,
      address: k.address,
      accessNotes: k.access_notes,
      expiresOn: k.expires_on,
      distanceM: Math.round(distanceM(home, p)),
      directions: geoUri(p),
    });
  }
  return out.sort((a, b) => a.distanceM - b.distanceM || a.id.localeCompare(b.id)).slice(0, count);
}

export function kitView(k: KitRow, now: number, holderName: string | null): KitView {
  const left = daysLeft(k.expires_on, now);
  return {
    id: k.id,
    name: k.name,
    holder: k.holder,
    holderUserId: k.holder_user_id,
    holderName,
    address: k.address,
    latitude: k.latitude,
    longitude: k.longitude,
    accessNotes: k.access_notes,
    expiresOn: k.expires_on,
    daysLeft: left,
    expiring: left <= KIT_EXPIRY_WARNING_DAYS,
  };
}
