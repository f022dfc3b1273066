// The `monitoring` command: every minute, while the core is healthy, every device of a wearer whose consent
// is active hears that it is watched. A device that hears nothing for 3 minutes shows "not monitored"
// (docs/protocol.md), so a paused wearer or a dead or unhealthy core never falsely reassures anyone.
import type { Clock, TimerHandle } from '../clock.js';
import type { Bus } from '../events/index.js';
import type { Logger } from '../log.js';
import type { CoreHealth } from './core-health.js';

export interface MonitoringOptions {
  clock: Clock;
  bus: Bus;
  health: CoreHealth;
  log: Logger;
  /** the devices to tell now: those of wearers whose consent is `active` (server.ts reads the store) */
  monitoredDevices(): Promise<string[]>;
  /** after a round: the devices told, and when (the store keeps it for the wearer page and the console) */
  told?(deviceIds: string[], at: number): Promise<void>;
  /** whether this node is the active core now; a standby tells no device anything (the active core does) */
  isCore?: () => boolean;
  /** default 60 000 */
  everyMs?: number;
}

/**
 * Devices told per event-loop turn: a round of 10,000 in one turn held the loop 0.2-0.6 s on a loaded core (alerts,
 * live WebSockets and the cluster bus frozen meanwhile); a chunk of 500 is a few ms (`npm run bench -- --only=monitoring`).
 */
export const MONITORING_CHUNK = 500;

/** The next turn of the event loop, after the I/O waiting now. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class MonitoringBeacon {
  private inFlight: Promise<number> | null = null;
  private readonly everyMs: number;

  constructor(private readonly o: MonitoringOptions) {
    this.everyMs = o.everyMs ?? 60_000;
  }

  start(): TimerHandle {
    return this.o.clock.setInterval(() => void this.send(), this.everyMs);
  }

  /** One round: the number of devices told (0 while the core is unhealthy). Rounds never overlap. */
  send(): Promise<number> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = this.run()
      .catch((err: unknown) => {
        this.o.log.error({ err }, 'monitoring round failed');
        return 0;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private async run(): Promise<number> {
    if (this.o.isCore && !this.o.isCore()) return 0;
    const report = await this.o.health.check();
    if (!report.healthy) {
      this.o.log.warn({ problems: report.problems }, 'core unhealthy: no monitoring command sent');
      return 0;
    }
    const devices = await this.o.monitoredDevices();
    const everyS = Math.max(1, Math.round(this.everyMs / 1000));
    let told = 0;
    for (; told < devices.length;) {
      // A core that lost its role mid-round stops: the next core tells the rest (a standby tells no device anything).
      if (told > 0 && this.o.isCore && !this.o.isCore()) break;
      const end = Math.min(devices.length, told + MONITORING_CHUNK);
      for (; told < end; told++)
        await this.o.bus.publish('device.command', { deviceId: devices[told]!, command: { type: 'monitoring', everyS } });
      await nextTurn();
    }
    // the store update in a turn of its own, for exactly the devices told
    if (told > 0) await this.o.told?.(told === devices.length ? devices : devices.slice(0, told), this.o.clock.now());
    return told;
  }
}
