// The alarm for a new alert: a repeating two-tone sound (Web Audio, no media file), vibration and a
// system notification, until the responder acts or silences it. What actually ran is written to
// data-alarm-* attributes on <html>, so tests (and support staff) can see it, not assume it.
import type { Alert } from './types.js';
import { t } from './messages.js';

const MAX_RING_MS = 90_000;
const root = () => document.documentElement.dataset;

export class Alarm {
  private ctx: AudioContext | null = null;
  private timer: number | undefined;
  private stopAt = 0;
  private ringing: string | null = null;
  private count = 0;
  onChange: (alertId: string | null) => void = () => undefined;

  /** Browsers only allow sound after a user gesture: call this from one (sign in, any tap). */
  unlock(): void {
    try {
      this.ctx ??= new AudioContext();
      if (this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined);
    } catch {
      this.ctx = null;
    }
  }

  get current(): string | null {
    return this.ringing;
  }

  start(a: Alert): void {
    this.count++;
    const d = root();
    d.alarmCount = String(this.count);
    d.alarmAlert = a.id;
    this.ringing = a.id;
    this.stopAt = Date.now() + MAX_RING_MS;
    this.beepLoop();
    let vib = 'unsupported';
    try {
      if (typeof navigator.vibrate === 'function') vib = navigator.vibrate([500, 250, 500, 250, 500]) ? 'yes' : 'refused';
    } catch {
      vib = 'refused';
    }
    d.alarmVibrate = vib;
    d.alarmNotified = this.notify(a);
    this.onChange(a.id);
  }

  stop(alertId?: string): void {
    if (alertId && this.ringing !== alertId) return;
    window.clearTimeout(this.timer);
    this.timer = undefined;
    this.ringing = null;
    root().alarmSound = 'off';
    this.onChange(null);
  }

  private beepLoop(): void {
    window.clearTimeout(this.timer);
    const d = root();
    try {
      this.ctx ??= new AudioContext();
      if (this.ctx.state === 'suspended') void this.ctx.resume().catch(() => undefined);
      const now = this.ctx.currentTime;
      for (const [i, f] of [880, 660, 880, 660].entries()) {
        const osc = this.ctx.createOscillator();
        const gain = this.ctx.createGain();
        osc.type = 'square';
        osc.frequency.value = f;
        gain.gain.value = 0.25;
        osc.connect(gain).connect(this.ctx.destination);
        osc.start(now + i * 0.3);
        osc.stop(now + i * 0.3 + 0.25);
      }
      d.alarmSound = this.ctx.state === 'running' ? 'playing' : 'blocked';
    } catch {
      d.alarmSound = 'blocked';
    }
    if (Date.now() < this.stopAt) this.timer = window.setTimeout(() => this.beepLoop(), 1500);
    else this.stop();
  }

  private notify(a: Alert): string {
    if (!('Notification' in window)) return 'unsupported';
    if (Notification.permission !== 'granted') return Notification.permission;
    try {
      const n = new Notification(t.alertTitle(a.wearerAlias), { body: a.reasons.join('; '), tag: a.id, requireInteraction: true });
      n.onclick = () => {
        window.focus();
        location.hash = `#/alerts/${a.id}`;
      };
      return 'shown';
    } catch {
      return 'failed';
    }
  }
}
