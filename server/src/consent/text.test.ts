// The consent text a wearer reads lives in the app's catalogue; the version the server records must be
// the one they read. And the wearer's SMS replies stay one segment each (the invite carries a link and may not).
import { describe, expect, it } from 'vitest';
import { CONSENT_VERSION as APP_VERSION, t } from '../../../responder-app/src/messages.js';
import { en } from '../messages/en.js';
import { isSingleSegment } from '../notify/sms.js';
import { CONSENT_VERSION } from './text.js';

describe('consent text and wearer SMS', () => {
  it('the app shows the consent version the server records', () => {
    expect(APP_VERSION).toBe(CONSENT_VERSION);
    expect(t.consentText.length).toBeGreaterThan(3);
  });

  it('every wearer SMS reply fits one segment', () => {
    const replies = [
      en.smsOptedIn,
      en.smsOptedOut,
      en.smsPaused({ duration: en.duration(72 * 3600_000) }),
      en.smsPauseHelp,
      en.smsNotMonitored,
      en.smsPauseReminder({ minutes: 10 }),
      en.smsResumed,
      en.smsWearerHelp,
    ];
    for (const r of replies) expect(isSingleSegment(r), r).toBe(true);
  });

  it('durations read naturally', () => {
    expect(en.duration(3600_000)).toBe('1 hour');
    expect(en.duration(2 * 3600_000)).toBe('2 hours');
    expect(en.duration(30 * 60_000)).toBe('30 minutes');
  });
});
