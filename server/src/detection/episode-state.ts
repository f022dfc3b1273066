// The detector's side of an episode (not alerts/episode.ts, which is the alert's): idle -> prompting
// (the wearer's check-in) -> alerted. It prompts, shortens or skips the check-in for a critical
// picture, escalates when the window ends, cancels on the wearer's OK or a recovery held for
// clearSeconds, re-arms after an OK (snooze) and after 5 min of clear signals. It scores nothing:
// it reads the picture the scorer (the wearer's detector, handed in with each call) scores for it.
import { levelOf } from './fusion.js';
import { ROOM, TRIGGER_SCORE, WATCH_SCORE, WEARABLE, secs, type Picture } from './rules/rule.js';
import type { Assessment, Decision, RiskLevel } from './types.js';

export type Episode = 'idle' | 'prompting' | 'alerted';

/** A prompt is not repeated for this long after the wearer said OK, unless the picture turns critical. */
const OK_SNOOZE_MS = 60_000;
/** After a responder alert, this long of clear signals returns the detector to idle (the alert stays open). */
const EPISODE_RESET_MS = 300_000;

/** The scoring side, as the episode uses it (the wearer's detector). */
export interface Scorer {
  /** the picture of the last scoring */
  readonly picture: Picture;
  /** scores the picture at `now` and returns it (one record, rewritten by the next call) */
  score(now: number): Picture;
  /** scores and puts it in words */
  assess(now: number): Assessment & { critical: boolean; level: RiskLevel };
}

export class EpisodeState {
  state: Episode = 'idle';
  private promptAt = 0;
  /** this check-in's window, fixed when it starts (what the wearable counts down; a retune does not move it) */
  private windowMs = 0;
  private lastReported = 0;
  private clearSince: number | null = null;
  private okUntil = Number.NEGATIVE_INFINITY;
  private silentEscalated = false;
  /** which sources carried the episode's evidence (WEARABLE | ROOM): only they can show recovery */
  private sources = 0;

  /** The alert this episode raised was resolved or cancelled by people: start afresh. */
  close(): void {
    this.state = 'idle';
    this.sources = 0;
    this.clearSince = null;
    this.lastReported = 0;
    this.silentEscalated = false;
  }

  /** idle -> prompting -> alerted, with cancel on OK or on clear recovery (hysteresis). */
  step(now: number, out: Decision[], scorer: Scorer): void {
    const p = scorer.score(now);
    const th = p.th;
    const score = p.score;
    // Recovery can only be seen by the sources that showed the problem, and only while they report.
    const src = this.state === 'idle' ? WEARABLE | ROOM : this.sources || WEARABLE | ROOM;
    const fresh = (!(src & WEARABLE) || p.vitalsFresh) && (!(src & ROOM) || p.roomFresh) && (p.vitalsFresh || p.roomFresh);
    if (score < WATCH_SCORE && fresh) this.clearSince ??= now;
    else this.clearSince = null;
    const clearFor = this.clearSince === null ? 0 : now - this.clearSince;
    if (score < WATCH_SCORE && fresh) this.silentEscalated = false;

    switch (this.state) {
      case 'idle':
        if ((score >= TRIGGER_SCORE && now >= this.okUntil) || p.critical) this.prompt(now, out, scorer);
        else if (!this.silentEscalated && silent(p)) {
          this.silentEscalated = true;
          this.prompt(now, out, scorer, 'the wearable went silent while breathing was abnormal');
        }
        return;
      case 'prompting': {
        if (p.critical) return this.escalate(now, out, scorer);
        // Went silent after the prompt went out (a silence that caused the prompt waits for the window).
        if (p.vitalsT >= this.promptAt && silent(p)) return this.escalate(now, out, scorer, 'the wearable went silent during the check-in');
        if (clearFor >= th.clearSeconds * 1000) {
          this.state = 'idle';
          out.push({ kind: 'cancelled', t: now, reason: 'recovered' });
          return;
        }
        // At the end of the window: escalate unless the picture is already clearing, in which
        // case it gets clearSeconds more to prove the recovery. A picture that has started to clear
        // by then (every sign below watch) finishes its clearSeconds: a wearable that counts breaths
        // over a window shows resumed breathing as a rate climbing for seconds, so the signs of a
        // pause that ended before the window did may fall below watch only after it. Anything at
        // watch or above again (clearSince null) escalates at once; the most this adds is clearSeconds.
        const windowEnd = this.promptAt + this.windowMs;
        const recovering = this.clearSince !== null || p.breathingNow;
        const graceOver = now >= windowEnd + th.clearSeconds * 1000 && this.clearSince === null;
        if (now >= windowEnd && (!recovering || graceOver)) this.escalate(now, out, scorer);
        return;
      }
      case 'alerted':
        if (score >= this.lastReported + 10) {
          const a = scorer.assess(now);
          this.lastReported = a.score;
          out.push({ kind: 'update', t: now, score: a.score, level: a.level, reasons: a.reasons, news2: a.news2 });
        }
        if (clearFor >= EPISODE_RESET_MS) this.close();
        return;
      default:
        this.state satisfies never;
    }
  }

  /** The wearer's OK: cancels a check-in, is passed on after an alert, snoozes prompts otherwise. */
  wearerOk(t: number, out: Decision[], scorer: Scorer): void {
    if (this.state === 'prompting') {
      this.state = 'idle';
      this.okUntil = t + OK_SNOOZE_MS;
      this.clearSince = null;
      out.push({ kind: 'cancelled', t, reason: 'wearer_ok' });
    } else if (this.state === 'alerted') {
      // Responders are already on their way; they hear that the wearer answered, the alert stays.
      const a = scorer.assess(t);
      out.push({
        kind: 'update',
        t,
        score: this.lastReported,
        level: a.level,
        reasons: ['wearer pressed OK after the alert was raised', ...a.reasons],
        news2: a.news2,
      });
    } else {
      this.okUntil = t + OK_SNOOZE_MS;
    }
  }

  /** A help press (late by `lateMs` if delivered late): always an alert. */
  help(t: number, out: Decision[], scorer: Scorer, lateMs?: number): void {
    const a = scorer.assess(t);
    const pressed = lateMs === undefined ? 'wearer pressed help' : `wearer pressed help ${secs(lateMs)}s ago (delivered late)`;
    const reasons = [pressed, ...a.reasons];
    out.push({ kind: this.state === 'alerted' ? 'update' : 'responder_alert', t, score: 100, level: 'critical', reasons, news2: a.news2 });
    this.state = 'alerted';
    this.lastReported = 100;
    this.clearSince = null;
  }

  /** A device stopped: a technical matter, unless the wearer's risk is raised, when it escalates. */
  deviceSilent(t: number, deviceId: string, how: string, out: Decision[], scorer: Scorer): void {
    const p = scorer.picture;
    if (this.state === 'prompting') {
      this.escalate(t, out, scorer, `a device ${how} during the check-in`);
      return;
    }
    if (this.state === 'idle' && Math.max(p.lastWearableScore, p.lastRoomScore) >= WATCH_SCORE && !this.silentEscalated) {
      this.silentEscalated = true;
      this.prompt(t, out, scorer, `a device ${how} while breathing was abnormal`);
      return;
    }
    out.push({ kind: 'technical', t, deviceId, issue: 'offline', detail: `device ${how}` });
  }

  private prompt(now: number, out: Decision[], scorer: Scorer, extra?: string): void {
    const a = scorer.assess(now);
    const p = scorer.picture;
    this.sources = p.sources | (extra ? WEARABLE : 0);
    const score = Math.max(a.score, TRIGGER_SCORE);
    const reasons = extra ? [...a.reasons, extra] : a.reasons;
    this.lastReported = score;
    this.clearSince = null;
    if (a.critical || p.th.checkinWindowMs === 0) {
      this.state = 'alerted';
      out.push({ kind: 'responder_alert', t: now, score, level: levelOf(score, a.critical), reasons, news2: a.news2 });
      return;
    }
    this.state = 'prompting';
    this.promptAt = now;
    this.windowMs = p.th.checkinWindowMs;
    out.push({ kind: 'wearer_prompt', t: now, score, level: levelOf(score, false), reasons, news2: a.news2, windowMs: this.windowMs });
  }

  private escalate(now: number, out: Decision[], scorer: Scorer, extra?: string): void {
    const a = scorer.assess(now);
    const score = Math.max(a.score, this.lastReported, TRIGGER_SCORE);
    const reasons = [...a.reasons];
    if (extra) reasons.push(extra);
    if (reasons.length === 0) reasons.push('no answer to the check-in');
    this.state = 'alerted';
    this.lastReported = score;
    out.push({ kind: 'responder_alert', t: now, score, level: levelOf(score, a.critical), reasons, news2: a.news2 });
  }
}

/** The wearable that carried the evidence has gone silent (no data for the stale limit). */
function silent(p: Picture): boolean {
  return Number.isFinite(p.vitalsT) && p.onBody && p.now - p.vitalsT > p.th.staleMs && p.lastWearableScore >= WATCH_SCORE;
}
