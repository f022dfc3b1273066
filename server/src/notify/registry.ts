// The channels the server runs. A new channel is one folder (its module: id, label, render, send,
// status words), one line in CHANNEL_INFO plus one in createChannels, and its id in the chain schema's
// CHANNEL_IDS (@odart/protocol, so the console's chain editor knows it too); the escalator, the
// dispatcher and the console (GET /api/channels) take it from here, and the escalator asks
// CHANNEL_ROLES which channel carries info texts and which channels the default chain uses.
import { APP, appChannel, type AppPager } from './app/channel.js';
import { CHANNEL_IDS, type ChannelId, type ChannelView } from '@odart/protocol/api';
import type { Channel, LiveChannel, QueuedChannel } from './channel.js';
import { HANDOFF, handoffChannel, type HandoffDeps } from './handoff/channel.js';
import { PUSH, pushChannel, type PushDeps } from './push/channel.js';
import type { SmsSender } from './sms.js';
import { SMS, smsChannel } from './sms/channel.js';
import type { VoiceCaller } from './voice.js';
import { VOICE, voiceChannel } from './voice/channel.js';

/** Every channel the server runs; the chain schema's list (@odart/protocol CHANNEL_IDS) gives their order. */
export const CHANNEL_INFO = [APP, SMS, VOICE, PUSH, HANDOFF] as const;
/** The registry runs exactly the channels a chain may name: a channel missing on either side fails tsc here. */
type RegistryIds = (typeof CHANNEL_INFO)[number]['id'];
const sameIds: [RegistryIds] extends [ChannelId] ? ([ChannelId] extends [RegistryIds] ? true : false) : false = true;
void sameIds;
export { CHANNEL_IDS, type ChannelId };

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
  /** alarm-centre hand-off (the endpoints, CAP sender); unset: a hand-off page fails at once (handoff_not_configured) */
  handoff?: HandoffDeps | undefined;
}

/** Which channels play a part beyond a chain's own list: the one that carries info texts, and a default chain step's. */
export interface ChannelRoles {
  /** a queued channel that can carry a plain text to a phone ("someone else is going", the page reminder) */
  text?: ChannelId;
  /** the channels of the step of the chain a wearer without one gets */
  defaults?: readonly ChannelId[];
}

/** The roles of today's channels: info texts go by SMS; the default chain pages by the app and SMS. */
export const CHANNEL_ROLES = { text: 'sms', defaults: ['app', 'sms'] } as const satisfies ChannelRoles;

/** How a channel that reaches a person addresses them (ChannelRegistry.personAddress). */
export type PersonAddress = 'app' | 'user' | 'phone';

export class ChannelRegistry {
  private readonly byId: ReadonlyMap<string, Channel>;

  constructor(
    readonly all: readonly Channel[],
    private readonly roles: ChannelRoles = {},
  ) {
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

  /**
   * The channels that reach the person a target names, in registry order (not an organisation standing in
   * for them): what a test page tests and what makes a rota member reachable.
   */
  personal(): Channel[] {
    return this.all.filter((c) => c.reaches === 'person');
  }

  /**
   * How a channel reaches a person: their open app (`app`), their browsers found by their user id
   * (`user`, push) or their phone number (`phone`); null for a channel that reaches an organisation
   * (or an unknown id). The one question test pages, readiness and the texts to phones ask.
   */
  personAddress(id: string): PersonAddress | null {
    const c = this.byId.get(id);
    if (c?.reaches !== 'person') return null;
    if (c.delivery === 'live') return 'app';
    return c.address === 'user' ? 'user' : c.address === 'endpoint' ? null : 'phone';
  }

  /** A page on this channel reached a person's phone number (texted back when someone else takes the alert). */
  reachesPhone(id: string): boolean {
    return this.personAddress(id) === 'phone';
  }

  /** The queued channel that carries info texts to a person's phone (the taken-by-someone-else text, the page reminder). */
  textChannel(): QueuedChannel {
    const c = this.roles.text === undefined ? undefined : this.byId.get(this.roles.text);
    if (c?.delivery !== 'queued' || !this.reachesPhone(c.id)) throw new Error('no text channel');
    return c;
  }

  /** The channels of the default chain's step (a wearer with no chain of their own). */
  defaultChannels(): ChannelId[] {
    return [...(this.roles.defaults ?? [])];
  }

  /** What GET /api/channels lists: the channels a chain may name (a test's own channel outside that list is not offered). */
  info(): ChannelView[] {
    return this.all.flatMap((c) =>
      isChannelId(c.id) ? [{ id: c.id, label: c.label, ...(c.fallbackOnly ? { fallbackOnly: true } : {}) }] : [],
    );
  }
}

const isChannelId = (id: string): id is ChannelId => (CHANNEL_IDS as readonly string[]).includes(id);

export function createChannels(d: ChannelDeps): ChannelRegistry {
  const channels: Record<ChannelId, LiveChannel | QueuedChannel> = {
    app: appChannel(d.app),
    sms: smsChannel(d.sms, d.smsStatusCallback),
    voice: voiceChannel(d.voice, d.voiceGatherUrl, d.voiceStatusCallback),
    push: pushChannel(d.push),
    handoff: handoffChannel(d.handoff),
  };
  return new ChannelRegistry(
    CHANNEL_IDS.map((id) => channels[id]),
    CHANNEL_ROLES,
  );
}
