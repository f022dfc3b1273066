// The alarm for alerts that paged this responder: a two-tone sound (Web Audio, no media file), vibration
// and a system notification, repeated on a schedule until the responder acts or someone else takes the
// alert (never given up on a timer). The clock is passed in, so tests drive the schedule in virtual time.
// What actually ran is written to data-alarm-* attributes on <html>, so tests and support staff see it.
import type { Alert } from './types.js';
import { t } from './messages.js';

export interface AlarmClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): number;
  clearTimeout(id: number | undefined): void;
}

const browserClock: AlarmClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => window.setTimeout(fn, ms),
  clearTimeout: (id) => window.clearTimeout(id),
};

/** The schedule (docs/app.md "Alarm"). */
export const ALARM = {
  /** one beep pattern lasts about 1.2 s */
  beepEveryMs: 1500,
  /** a new page sounds without pause for this long */
  firstRingMs: 90_000,
  /** then it rings again (sound burst + vibration) this often */
  ringEveryMs: 30_000,
  ringMs: 10_000,
  /** and shows the system notification again this often */
  notifyEveryMs: 120_000,
  /** "Silence" quiets sound and vibration for this long; the banner stays */
  silenceMs: 120_000,
} as const;

interface Ringing {
  alert: Alert;
  nextNotifyAt: number;
  notification: Notification | null;
}

const root = () => document.documentElement.dataset;

export class Alarm {
  private ctx: AudioContext | null = null;
  private timer: number | undefined;
  private readonly ringing = new Map<string, Ringing>();
  private count = 0;
  private rings = 0;
  private notifications = 0;
  private soundUntil = 0;
  private nextRingAt = 0;
  private silencedUntil = 0;
  onChange: (alertId: string | null) => void = () => undefined;

  constructor(private readonly clock: AlarmClock = browserClock) {}

  /** Browsers only allow sound after a user gesture: call this from one (sign in, any tap). */
  unlock(): void {
    try {
      this.ctx ??= new AudioContext();
      if (this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined);
    } catch {
      this.ctx = null;
    }
  }

  /** The newest alert still ringing, or null. */
  get current(): string | null {
    return [...this.ringing.keys()].at(-1) ?? null;
  }

  /** When "Silence" ends (ms), or 0 when not silenced. */
  get silenced(): number {
    return this.silencedUntil > this.clock.now() ? this.silencedUntil : 0;
  }

  start(a: Alert): void {
    const now = this.clock.now();
    this.count++;
    root().alarmCount = String(this.count);
    root().alarmAlert = a.id;
    const prev = this.ringing.get(a.id);
    this.ringing.delete(a.id);
    this.ringing.set(a.id, { alert: a, nextNotifyAt: now, notification: prev?.notification ?? null });
    // A new page is never silenced by an earlier "Silence".
    this.silencedUntil = 0;
    this.soundUntil = now + ALARM.firstRingMs;
    this.nextRingAt = now;
    this.onChange(a.id);
    this.tick();
  }

  /** Stops the alarm for one alert (acknowledged, declined, taken, closed), or for all. */
  stop(alertId?: string): void {
    if (alertId !== undefined && !this.ringing.has(alertId)) return;
    for (const [id, r] of this.ringing) {
      if (alertId !== undefined && id !== alertId) continue;
      try {
        r.notification?.close();
      } catch {
        // already gone
      }
      this.ringing.delete(id);
    }
    if (this.ringing.size > 0) {
      this.onChange(this.current);
      return;
    }
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.silencedUntil = 0;
    root().alarmSound = 'off';
    this.onChange(null);
  }

  /** Quiet for a while (ALARM.silenceMs); the alert still needs someone, so it rings again after. */
  silence(): void {
    if (this.ringing.size === 0) return;
    this.silencedUntil = this.clock.now() + ALARM.silenceMs;
    root().alarmSound = 'silenced';
    this.onChange(this.current);
    this.tick();
  }

  private tick(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.ringing.size === 0) return;
    const now = this.clock.now();
    const d = root();
    if (this.silencedUntil > now) {
      d.alarmSound = 'silenced';
    } else {
      if (this.silencedUntil !== 0) {
        // Silence is over: ring at once.
        this.silencedUntil = 0;
        this.nextRingAt = now;
        this.onChange(this.current);
      }
      if (now >= this.nextRingAt) {
        this.ring(now);
        // A late tick (a throttled background tab) rings once, not once per missed slot.
        while (this.nextRingAt <= now) this.nextRingAt += ALARM.ringEveryMs;
      }
      if (now < this.soundUntil) this.beep();
      else d.alarmSound = 'quiet';
      for (const r of this.ringing.values()) {
        if (now < r.nextNotifyAt) continue;
        d.alarmNotified = this.notify(r);
        while (r.nextNotifyAt <= now) r.nextNotifyAt += ALARM.notifyEveryMs;
      }
    }
    this.timer = this.clock.setTimeout(() => this.tick(), ALARM.beepEveryMs);
  }

  private ring(now: number): void {
    this.rings++;
    root().alarmRings = String(this.rings);
    this.soundUntil = Math.max(this.soundUntil, now + ALARM.ringMs);
    let vib = 'unsupported';
    try {
      if (typeof navigator.vibrate === 'function') vib = navigator.vibrate([500, 250, 500, 250, 500]) ? 'yes' : 'refused';
    } catch {
      vib = 'refused';
    }
    root().alarmVibrate = vib;
  }

  private beep(): void {
    const d = root();
    try {
      this.ctx ??= new AudioContext();
      if (this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined);
      const at = this.ctx.currentTime;
      for (const [i, f] of [880, 660, 880, 660].entries()) {
        const osc = this.ctx.createOscillator();
        const gain = this.ctx.createGain();
        osc.type = 'square';
        osc.frequency.value = f;
        gain.gain.value = 0.25;
        osc.connect(gain).connect(this.ctx.destination);
        osc.start(at + i * 0.3);
        osc.stop(at + i * 0.3 + 0.25);
      }
      d.alarmSound = this.ctx.state === 'running' ? 'playing' : 'blocked';
    } catch {
      d.alarmSound = 'blocked';
    }
  }

  private notify(r: Ringing): string {
    if (!('Notification' in window)) return 'unsupported';
    if (Notification.permission !== 'granted') return Notification.permission;
    const a = r.alert;
    try {
      // Same tag: the notification is replaced, and `renotify` makes the phone alert again.
      const opts: NotificationOptions & { renotify?: boolean } = {
        body: a.reasons.join('; '),
        tag: a.id,
        requireInteraction: true,
        renotify: true,
      };
      const n = new Notification(t.alertTitle(a.wearerAlias), opts);
      n.onclick = () => {
        window.focus();
        location.hash = `#/alerts/${a.id}`;
      };
      r.notification = n;
      this.notifications++;
      root().alarmNotifications = String(this.notifications);
      return 'shown';
    } catch {
      return 'failed';
    }
  }
}
