// The channel registry: ids and labels for the chain schema and the console, each channel's render
// (byte for byte the page texts), its send through its provider port, and its provider's status words.
import { describe, expect, it } from 'vitest';
import type { SmsMessage, SmsResult } from './sms.js';
import type { VoiceCall } from './voice.js';
import { alertSmsBody, alertVoiceTwiml, CHANNEL_IDS, createChannels, type AppPager, type QueuedChannel } from './index.js';

const facts = { alias: 'Jo', address: '12 Rose Street, flat 3', accessNotes: 'Buzz 3', reasons: ['no breathing for 30 s'] };
const ok: SmsResult = { ok: true, sid: 'X1', status: 'queued' };

function registry() {
  const texts: SmsMessage[] = [];
  const calls: VoiceCall[] = [];
  const pushed: [string, unknown][] = [];
  const channels = createChannels({
    app: { page: (userId, alert, alias, step) => (pushed.push([userId, { alert: alert.id, alias, step }]), 1) },
    sms: { provider: 'fake', send: (m) => (texts.push(m), Promise.resolve(ok)) },
    voice: { provider: 'fake', call: (c) => (calls.push(c), Promise.resolve(ok)) },
    smsStatusCallback: 'https://x.example/webhooks/twilio/status',
    voiceStatusCallback: 'https://x.example/webhooks/twilio/status',
    voiceGatherUrl: 'https://x.example/webhooks/twilio/voice',
  });
  return { channels, texts, calls, pushed };
}
const queued = (c: ReturnType<typeof registry>['channels'], id: string) => c.get(id) as QueuedChannel;

describe('channel registry', () => {
  it('lists app, sms, voice, push and handoff in order, for the chain schema and GET /api/channels', () => {
    const { channels } = registry();
    expect(CHANNEL_IDS).toEqual(['app', 'sms', 'voice', 'push', 'handoff']);
    expect(channels.info()).toEqual([
      { id: 'app', label: 'App' },
      { id: 'sms', label: 'SMS' },
      { id: 'voice', label: 'Phone call' },
      { id: 'push', label: 'Push notification' },
      { id: 'handoff', label: 'Alarm centre hand-off' },
    ]);
    expect(channels.queued().map((c) => c.id)).toEqual(['sms', 'voice', 'push', 'handoff']);
    // handoff is addressed to an endpoint id: never texted "taken" either
    expect(channels.reachesPhone('handoff')).toBe(false);
    // push is queued but addressed to a user, not a phone: nobody is texted "taken" for it
    expect([channels.isLive('push'), channels.reachesPhone('push'), channels.reachesPhone('sms')]).toEqual([false, false, true]);
    expect([channels.isLive('app'), channels.isLive('sms'), channels.reachesPhone('voice'), channels.reachesPhone('app')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(() => channels.get('pigeon')).toThrow(/unknown channel/);
  });

  it('says which channels reach a person and how they address them; the hand-off reaches an organisation', () => {
    const { channels } = registry();
    expect(channels.all.map((c) => [c.id, c.reaches])).toEqual([
      ['app', 'person'],
      ['sms', 'person'],
      ['voice', 'person'],
      ['push', 'person'],
      ['handoff', 'organisation'],
    ]);
    expect(channels.personal().map((c) => c.id)).toEqual(['app', 'sms', 'voice', 'push']);
    expect(CHANNEL_IDS.map((id) => channels.personAddress(id))).toEqual(['app', 'phone', 'phone', 'user', null]);
    expect(channels.personAddress('pigeon')).toBeNull();
  });

  it("names the channel for info texts (taken by someone else, the page reminder) and the default chain step's channels", () => {
    const { channels } = registry();
    expect(channels.textChannel().id).toBe('sms');
    expect(channels.textChannel().delivery).toBe('queued');
    expect(channels.defaultChannels()).toEqual(['app', 'sms']);
  });

  it("renders the page as the page texts do, and sends with the channel's status callback", async () => {
    const { channels, texts, calls } = registry();
    const page = { alertId: 'al1', facts, replyCode: 'K7QX', link: 'https://x.example/#/p/abc.def' };
    const sms = queued(channels, 'sms');
    const voice = queued(channels, 'voice');
    expect(sms.render(page)).toBe(alertSmsBody(facts, 'K7QX', 'https://x.example/#/p/abc.def'));
    expect(voice.render(page)).toBe(alertVoiceTwiml(facts, 'https://x.example/webhooks/twilio/voice'));
    await sms.send({ to: '+447700900001', body: 'hi' });
    await voice.send({ to: '+447700900001', body: '<Response/>' });
    expect(texts).toEqual([
      { to: '+447700900001', body: 'hi', statusCallback: 'https://x.example/webhooks/twilio/status', owner: undefined },
    ]);
    expect(calls).toEqual([
      { to: '+447700900001', twiml: '<Response/>', statusCallback: 'https://x.example/webhooks/twilio/status', owner: undefined },
    ]);
  });

  it("the app channel pushes to the user's open connections", () => {
    const { channels, pushed } = registry();
    const app = channels.get('app');
    const alert = { id: 'al1' } as Parameters<AppPager['page']>[1];
    expect(app.delivery === 'live' && app.push('u1', { alert, alias: 'Jo', step: 2 })).toBe(1);
    expect(pushed).toEqual([['u1', { alert: 'al1', alias: 'Jo', step: 2 }]]);
  });

  it.each([
    ['sms', 'delivered', null, 'ok'],
    ['sms', 'sent', null, 'ok'],
    ['sms', 'undelivered', '30003', 'retryable'],
    ['sms', 'failed', '30006', 'permanent'],
    ['sms', 'undelivered', null, 'permanent'],
    ['voice', 'completed', null, 'ok'],
    ['voice', 'busy', null, 'retryable'],
    ['voice', 'no-answer', null, 'retryable'],
    ['voice', 'failed', null, 'permanent'],
    ['voice', 'ringing', null, 'pending'],
  ] as const)('%s reads the status %j (error %j) as %j', (id, status, code, want) => {
    expect(queued(registry().channels, id).parseStatus(status, code)).toBe(want);
  });
});
