// The voice channel: an alert call through the voice port that says the page and takes a keypress
// (1 going, 2 cannot go); its final call status words are the provider's, read by its adapter (twilio/status.ts).
import type { QueuedChannel } from '../channel.js';
import { callStatusOutcome, callStatusWords } from '../twilio/status.js';
import type { VoiceCaller } from '../voice.js';
import { alertVoiceTwiml } from './twiml.js';

export const VOICE = { id: 'voice', label: 'Phone call', reaches: 'person' } as const;

export function voiceChannel(voice: VoiceCaller, gatherUrl: string, statusCallback: string | undefined): QueuedChannel {
  return {
    ...VOICE,
    delivery: 'queued',
    render: (p) => alertVoiceTwiml(p.facts, gatherUrl),
    send: (m) => voice.call({ to: m.to, twiml: m.body, statusCallback, owner: m.owner }),
    parseStatus: (status) => callStatusOutcome(status),
    statusWords: callStatusWords,
  };
}
