// The SDK's REST modules load at start-up, not in the first alert's send (issue 14: a ~60-200 ms synchronous require
// on the event loop at the first SMS, seen in a CPU profile at 10,000 wearers).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { TwilioSms } from './twilio-sms.js';
import { TwilioVoice } from './twilio-voice.js';

const require = createRequire(import.meta.url);
const loaded = (mod: string) => require.cache[require.resolve(mod)] !== undefined;
const cfg = { accountSid: 'AC' + 'b'.repeat(32), authToken: 'token', from: '+15005550006', baseUrl: 'http://127.0.0.1:9' };

describe('Twilio adapters', () => {
  it('load the Messages and Calls APIs when made, before any send', () => {
    expect(loaded('twilio/lib/rest/api/v2010/account/message.js')).toBe(false);
    new TwilioSms(cfg as never);
    expect(loaded('twilio/lib/rest/api/v2010/account/message.js')).toBe(true);
    new TwilioVoice(cfg as never);
    expect(loaded('twilio/lib/rest/api/v2010/account/call.js')).toBe(true);
  });
});
