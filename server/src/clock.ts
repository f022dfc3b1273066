// Time as a port: production uses the system clock; tests and `evaluate` drive a virtual clock.
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Run fn once after ms (relative to now()). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Run fn every ms. */
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, Math.max(0, ms));
    h.unref?.();
    return { cancel: () => clearTimeout(h) };
  },
  setInterval(fn, ms) {
    const h = setInterval(fn, ms);
    h.unref?.();
    return { cancel: () => clearInterval(h) };
  },
};

interface VirtualTimer {
  at: number;
  seq: number;
  fn: () => void;
  every: number | null;
  cancelled: boolean;
}

/** Deterministic clock: timers fire only when advance()/advanceTo() moves time past them. */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: VirtualTimer[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(0, ms), null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(1, ms), Math.max(1, ms));
  }

  /** Move time forward to `target`, firing every due timer in time order. */
  advanceTo(target: number): void {
    for (;;) {
      this.timers = this.timers.filter((x) => !x.cancelled);
      let next: VirtualTimer | undefined;
      for (const x of this.timers) {
        if (x.at <= target && (!next || x.at < next.at || (x.at === next.at && x.seq < next.seq))) next = x;
      }
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      if (next.every !== null) {
        next.at += next.every;
        next.seq = this.seq++;
      } else {
        next.cancelled = true;
      }
      next.fn();
    }
    this.t = Math.max(this.t, target);
  }

  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  /** Time of the next pending timer, or null. */
  nextTimerAt(): number | null {
    let min: number | null = null;
    for (const x of this.timers) if (!x.cancelled && (min === null || x.at < min)) min = x.at;
    return min;
  }

  private add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const timer: VirtualTimer = { at: this.t + ms, seq: this.seq++, fn, every, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }
}
