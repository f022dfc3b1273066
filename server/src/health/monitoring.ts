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
    for (const deviceId of devices) await this.o.bus.publish('device.command', { deviceId, command: { type: 'monitoring', everyS } });
    if (devices.length > 0) await this.o.told?.(devices, this.o.clock.now());
    return devices.length;
  }
}
