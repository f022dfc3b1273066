// The channels the server runs. A new channel is one folder (its module: id, label, render, send,
// status words) and one line in CHANNEL_INFO plus one in createChannels; the chain schema, the
// escalator, the dispatcher and the console (GET /api/channels) take it from here.
import { APP, appChannel, type AppPager } from './app/channel.js';
import type { Channel, ChannelInfo, LiveChannel, QueuedChannel } from './channel.js';
import { PUSH, pushChannel, type PushDeps } from './push/channel.js';
import type { SmsSender } from './sms.js';
import { SMS, smsChannel } from './sms/channel.js';
import type { VoiceCaller } from './voice.js';
import { VOICE, voiceChannel } from './voice/channel.js';

/** Every channel id, in the order the console lists them (and a chain's JSON names them). */
export const CHANNEL_INFO = [APP, SMS, VOICE, PUSH] as const;
export type ChannelId = (typeof CHANNEL_INFO)[number]['id'];
export const CHANNEL_IDS = CHANNEL_INFO.map((c) => c.id) as [ChannelId, ...ChannelId[]];

/** What the channels are built from (the providers and the webhook URLs given to them). */
export interface ChannelDeps {
  app: AppPager;
  sms: SmsSender;
  voice: VoiceCaller;
  smsStatusCallback: string | undefined;
  voiceStatusCallback: string | undefined;
  voiceGatherUrl: string;
  /** Web Push (VAPID keys, the subscriptions); unset: a push page fails at once (push_not_configured) and falls back */
  push?: PushDeps | undefined;
}

export class ChannelRegistry {
  private readonly byId: ReadonlyMap<string, Channel>;

  constructor(readonly all: readonly Channel[]) {
    this.byId = new Map(all.map((c) => [c.id, c]));
  }

  get(id: string): Channel {
    const c = this.byId.get(id);
    if (!c) throw new Error(`unknown channel: ${id}`);
    return c;
  }

  /** Channels whose pages go through the dispatcher's queue (each has its own rate bucket). */
  queued(): QueuedChannel[] {
    return this.all.filter((c): c is QueuedChannel => c.delivery === 'queued');
  }

  isLive(id: string): boolean {
    return this.byId.get(id)?.delivery === 'live';
  }

  /** A page on this channel reached a phone number (texted back when someone else takes the alert). */
  reachesPhone(id: string): boolean {
    const c = this.byId.get(id);
    return c?.delivery === 'queued' && (c.address ?? 'phone') === 'phone';
  }

  /** What GET /api/channels lists. */
  info(): ChannelInfo[] {
    return this.all.map((c) => ({ id: c.id, label: c.label, ...(c.fallbackOnly ? { fallbackOnly: true } : {}) }));
  }
}

export function createChannels(d: ChannelDeps): ChannelRegistry {
  const channels: Record<ChannelId, LiveChannel | QueuedChannel> = {
    app: appChannel(d.app),
    sms: smsChannel(d.sms, d.smsStatusCallback),
    voice: voiceChannel(d.voice, d.voiceGatherUrl, d.voiceStatusCallback),
    push: pushChannel(d.push),
  };
  return new ChannelRegistry(CHANNEL_IDS.map((id) => channels[id]));
}
