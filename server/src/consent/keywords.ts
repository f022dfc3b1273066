// SMS keywords a wearer may send: YES (join / resume), STOP or LEAVE (opt out), PAUSE 2H / PAUSE 30M.
// Pure parsing, so the webhook's dispatch stays a small switch.

export type WearerKeyword = { kind: 'yes' } | { kind: 'stop' } | { kind: 'pause'; ms: number } | { kind: 'pause_invalid' };

/** Longest pause a wearer can choose by SMS or web: three days. */
export const MAX_PAUSE_MS = 72 * 3600_000;
export const MIN_PAUSE_MS = 15 * 60_000;

export function parseWearerKeyword(body: string): WearerKeyword | null {
  const text = body.trim().toUpperCase().replace(/\s+/g, ' ');
  if (/^(YES|Y|START|RESUME)[.!]?$/.test(text)) return { kind: 'yes' };
  if (/^(STOP|LEAVE|STOPALL|UNSUBSCRIBE|QUIT|END|CANCEL)[.!]?$/.test(text)) return { kind: 'stop' };
  if (!text.startsWith('PAUSE')) return null;
  const m = /^PAUSE ?(\d{1,3}) ?(H|HR|HRS|HOUR|HOURS|M|MIN|MINS|MINUTES)?$/.exec(text);
  if (!m) return { kind: 'pause_invalid' };
  const n = Number(m[1]);
  const unit = m[2] ?? 'H';
  const ms = unit.startsWith('M') ? n * 60_000 : n * 3600_000;
  if (ms < MIN_PAUSE_MS || ms > MAX_PAUSE_MS) return { kind: 'pause_invalid' };
  return { kind: 'pause', ms };
}
