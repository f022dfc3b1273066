// Detector rebuild (issue 14): a node that becomes the active core has fresh, empty detectors, while a wearer's
// apnoea may be half-way to its alert on the core that died. Before live ingest starts, the new core replays the
// stored recent samples of every consenting wearer (the vitals store's vitals and presence) into a fresh detector in
// virtual time (the samples' own times, the engine's 1 s tick between them), then live data continues from there.
// What the replay decided was the old core's to act on, and mostly it did: an alert it raised is in the store. So
// only the decision that the wearer's episode stands on is handed on, and only when the store does not have it (the
// old core died between deciding and storing), or when the check-in ran out meanwhile (pending -> escalating). An
// alert people closed during the episode closes the replayed episode too, as it did on the old core. A read that
// fails (a query past the renew window) costs its page one more read after the others, never the rebuild; what could
// not be read is listed (`unrebuilt`), for the node to say.
import type { Decision, DetectionEngine, DetectorSnapshot, RestoreOutcome, Sample, WearerDecision } from '../detection/index.js';
import type { VitalsPoint } from '../store/vitals.js';

/** Wearers read per query. */
const PAGE = 200;
/** Pages read ahead while one replays (RebuildDeps.prefetch). */
const PREFETCH = 1;
/**
 * Failed page reads after which no further page is read (nor read again): the database is not answering, and each
 * failed read held device data for up to the query bound (the renew window). The pages not read are `unrebuilt`.
 */
export const MAX_FAILED_READS = 3;
/** The live engine ticks every second (server.ts); the replay ticks at the same pace between samples. */
const TICK_MS = 1000;

export interface RebuildDeps {
  engine: DetectionEngine;
  /** the stored samples of many wearers, each wearer's in time order (VitalsStore.windows) */
  windows(wearerIds: readonly string[], from: number, to: number): Promise<Map<string, VitalsPoint[]>>;
  /** the wearers to rebuild: those whose consent is active (the device directory's) */
  wearers(): readonly string[];
  /** the wearer's open alert state, or null */
  openAlert(wearerId: string): Promise<string | null>;
  /** when the wearer's alerts were closed by people (resolved or cancelled), at or after `since` */
  closedSince(wearerId: string, since: number): Promise<number[]>;
  /** the stored detector snapshots of these wearers (those that have one; none: every detector learns afresh) */
  snapshots?(wearerIds: readonly string[]): Promise<Map<string, DetectorSnapshot>>;
  /**
   * How far back to replay this wearer's stored samples (default: the engine's `rebuildWindowMs`, the longest
   * evidence window of the rules, for the wearer's thresholds; server.ts narrows it to the wearer's devices).
   */
  windowFor?(wearerId: string): number;
  /** pages of stored samples read ahead while one replays (default 1; 0 reads each page only when it is its turn) */
  prefetch?: number;
  /** told of each failed read of a page of `wearers` (its snapshots or stored samples): it is read once more, later */
  readFailed?(err: unknown, wearers: number): void;
  now: number;
}

export interface RebuildResult {
  wearers: number;
  samples: number;
  /** detectors that took back what they had learnt from a stored snapshot */
  restored: number;
  /** snapshots not used: of a version this core does not read, or not readable (the detector learns afresh) */
  ignored: { unknown_version: number; malformed: number };
  /** decisions to publish (as `detection.decisions`): the old core decided them, the store does not show them */
  decisions: WearerDecision[];
  /** page reads that failed (each page is read at most twice; none after MAX_FAILED_READS) */
  failedReads: number;
  /** wearers whose stored samples and snapshot could not be read: their detectors start from live data */
  unrebuilt: string[];
  /** wearers replayed into an episode whose stored alert could not be looked up: its decision is handed on unchecked */
  unchecked: string[];
}

/** Absent for null (a module-level function: one made per call cost 14 % of the rebuild, bench --cpu-prof). */
function opt<T>(v: T | null): T | undefined {
  return v === null ? undefined : v;
}

/** A stored point as the sample ingest would have handed the detector (its time is where ingest placed it). */
export function sampleOf(p: VitalsPoint): Sample {
  return p.stream === 'vitals'
    ? {
        t: p.t,
        deviceId: p.deviceId,
        message: { stream: 'vitals', data: { hr: p.hr, spo2: p.spo2, rr: p.rr, activity: p.activity, onBody: opt(p.onBody) } },
      }
    : {
        t: p.t,
        deviceId: p.deviceId,
        message: { stream: 'presence', data: { occupied: p.occupied === true, motion: opt(p.motion) } },
      };
}

const raises = (d: Decision) => d.kind === 'wearer_prompt' || d.kind === 'responder_alert';

/**
 * A fresh detector for the wearer, with its snapshot restored when there is one it can read; the outcome says which.
 * A snapshot it cannot read leaves a fresh detector (never a half-restored one).
 */
export function freshDetector(engine: DetectionEngine, wearerId: string, snapshot?: DetectorSnapshot): 'none' | RestoreOutcome {
  engine.forget(wearerId);
  return snapshot ? engine.restore(wearerId, snapshot) : 'none';
}

/**
 * Replays one wearer's points into a fresh detector (its snapshot restored first, when given); returns the decision
 * the episode stands on (the last prompt or responder alert since the detector was last idle) with the time the
 * episode began, or null when it ended idle.
 */
export function replayWearer(
  engine: DetectionEngine,
  wearerId: string,
  points: readonly VitalsPoint[],
  now: number,
  closedAt: readonly number[] = [],
  snapshot?: DetectorSnapshot,
  /** told what became of the snapshot */
  restored?: (outcome: ReturnType<typeof freshDetector>) => void,
): { standing: WearerDecision; since: number } | null {
  const outcome = freshDetector(engine, wearerId, snapshot);
  restored?.(outcome);
  const d = engine.detector(wearerId);
  const closes = [...closedAt].sort((a, b) => a - b);
  const st: { standing: WearerDecision | null; since: number } = { standing: null, since: 0 };
  let lastTick = points.length > 0 ? points[0]!.t : now;
  const closeUpTo = (t: number) => {
    for (; closes.length > 0 && closes[0]! <= t; closes.shift()) {
      d.closeEpisode();
      st.standing = null;
    }
  };
  const take = (ds: readonly Decision[]) => {
    for (const x of ds) {
      if (!raises(x)) continue;
      if (st.standing === null) st.since = x.t;
      st.standing = { ...x, wearerId };
    }
    if (d.state === 'idle') st.standing = null;
  };
  const tickTo = (t: number) => {
    while (lastTick + TICK_MS <= t) {
      lastTick += TICK_MS;
      closeUpTo(lastTick);
      take(d.tick(lastTick));
    }
  };
  for (const p of points) {
    if (p.t > now) break;
    tickTo(p.t);
    closeUpTo(p.t);
    take(d.onSample(sampleOf(p)));
  }
  tickTo(now);
  closeUpTo(now);
  take(d.tick(now));
  return st.standing ? { standing: st.standing, since: st.since } : null;
}

/**
 * Rebuilds every consenting wearer's detector before `now`: its stored snapshot restored (what the rules learnt over
 * hours), then the stored samples of its evidence window replayed (what is running now: an apnoea half-way to its
 * alert, stillness, a check-in).
 */
export async function rebuildDetectors(r: RebuildDeps): Promise<RebuildResult> {
  const ids = [...r.wearers()];
  const windowFor = r.windowFor ?? ((id: string) => r.engine.rebuildWindowMs(id));
  const out: RebuildResult = {
    wearers: 0,
    samples: 0,
    restored: 0,
    ignored: { unknown_version: 0, malformed: 0 },
    decisions: [],
    failedReads: 0,
    unrebuilt: [],
    unchecked: [],
  };
  const pages: string[][] = [];
  for (let i = 0; i < ids.length; i += PAGE) pages.push(ids.slice(i, i + PAGE));
  const depth = Math.max(0, Math.floor(r.prefetch ?? PREFETCH));
  const givenUp = () => out.failedReads >= MAX_FAILED_READS;
  // A read that fails (a query timed out: a lock, a slow moment of the database) costs its page, not the rebuild:
  // null, counted and told; the page is read once more after the others.
  const readOnce = (page: readonly string[]): Promise<PageRead | null> =>
    readPage(r, page, windowFor).catch((err: unknown) => {
      out.failedReads++;
      r.readFailed?.(err, page.length);
      return null;
    });
  // The reads of the next pages are under way while a page replays (the database works while this process replays).
  const ahead: { page: string[]; read: Promise<PageRead | null> }[] = [];
  const retry: string[][] = [];
  let next = 0;
  const issue = () => {
    const page = pages[next++]!;
    ahead.push({ page, read: readOnce(page) });
  };
  while (ahead.length > 0 || (next < pages.length && !givenUp())) {
    if (ahead.length === 0) issue();
    const current = ahead.shift()!;
    while (next < pages.length && ahead.length < depth && !givenUp()) issue();
    const got = await current.read;
    if (got) await replayPage(r, out, current.page, got);
    else retry.push(current.page);
  }
  // pages never asked for: reads were given up (the database is not answering; device data waits meanwhile)
  const unread = pages.slice(next).flat();
  for (const page of retry) {
    const got = givenUp() ? null : await readOnce(page);
    if (got) await replayPage(r, out, page, got);
    else out.unrebuilt.push(...page);
  }
  out.unrebuilt.push(...unread);
  return out;
}

/** Replays one page's wearers, each from its snapshot and stored samples, and settles what each episode stands on. */
async function replayPage(r: RebuildDeps, out: RebuildResult, page: readonly string[], read: PageRead): Promise<void> {
  const { snapshots, windows } = read;
  for (const id of page) {
    const points = windows.get(id) ?? [];
    const snapshot = snapshots.get(id);
    if (points.length === 0) {
      // Nothing to replay: what the detector learnt is kept for when the wearer's devices report again.
      if (snapshot) count(out, freshDetector(r.engine, id, snapshot));
      continue;
    }
    // One wearer's replay at a time on the event loop: a page of 200 wearers replayed in one turn held it for
    // ~0.6 s (bench --only=rebuild), with this node's HTTP, live WebSockets and cluster bus frozen meanwhile.
    await new Promise<void>((resolve) => setImmediate(resolve));
    out.wearers++;
    out.samples += points.length;
    let res = replayWearer(r.engine, id, points, r.now, [], snapshot, (o) => count(out, o));
    if (!res) continue;
    let standing = res.standing;
    try {
      const closed = await r.closedSince(id, res.since);
      // people closed this episode's alert on the old core: the replay closes it where it did
      if (closed.length > 0) res = replayWearer(r.engine, id, points, r.now, closed, snapshot);
      if (!res) continue;
      standing = res.standing;
      const open = await r.openAlert(id);
      if (open === null || (open === 'pending_checkin' && standing.kind === 'responder_alert')) out.decisions.push(standing);
    } catch {
      // The store did not answer whether the episode's alert is stored or closed: the decision is handed on all the
      // same (the alert service matches it to the open alert, one alert per episode); a lost alert is the worse error.
      out.unchecked.push(id);
      out.decisions.push(standing);
    }
  }
}

interface PageRead {
  snapshots: Map<string, DetectorSnapshot>;
  windows: Map<string, VitalsPoint[]>;
}

/** One page's snapshots and stored samples: one read per window length in the page (mostly one: wearers share thresholds and kinds of device). */
async function readPage(r: RebuildDeps, page: readonly string[], windowFor: (id: string) => number): Promise<PageRead> {
  const byFrom = new Map<number, string[]>();
  for (const id of page) {
    const from = r.now - windowFor(id);
    const group = byFrom.get(from);
    if (group) group.push(id);
    else byFrom.set(from, [id]);
  }
  const [snapshots, ...reads] = await Promise.all([
    r.snapshots?.(page) ?? Promise.resolve(new Map<string, DetectorSnapshot>()),
    ...[...byFrom].map(([from, group]) => r.windows(group, from, r.now)),
  ]);
  const windows = new Map<string, VitalsPoint[]>();
  for (const got of reads) for (const [id, ps] of got) windows.set(id, ps);
  return { snapshots, windows };
}

function count(out: RebuildResult, outcome: ReturnType<typeof freshDetector>): void {
  if (outcome === 'restored') out.restored++;
  else if (outcome !== 'none') out.ignored[outcome]++;
}
