// Every SMS text of the service fits one GSM-7 segment (160 characters), with realistic names filled in.
import { describe, expect, it } from 'vitest';
import { gsm7Length } from '../notify/index.js';
import { en } from './en.js';

describe('SMS texts: one GSM-7 segment each', () => {
  it('fits 160 GSM-7 septets', () => {
    const texts = [
      en.smsAcked({ alias: 'Jo-Anne', code: 'K7QX' }),
      en.smsAlreadyTaken({ alias: 'Jo-Anne', responder: 'Alexandra Smith' }),
      en.smsTakenByOther({ alias: 'Jo-Anne', responder: 'Alexandra Smith' }),
      en.smsHelp,
      en.smsNoOpenAlert,
      en.smsArrived({ code: 'K7QX' }),
      en.smsNotAttending,
      en.smsOutcomePrompt({ code: 'K7QX' }),
      en.smsOutcomeThanks,
      en.smsContactAcked({ alias: 'Jo-Anne' }),
      en.smsBadCode,
      en.smsVerifyPhone({ service: 'Glasgow Harm Reduction', label: 'Hostel night desk', code: '123456' }),
      en.smsVerifyBadCode,
      en.smsPhoneVerified({ service: 'Glasgow Harm Reduction' }),
      en.smsDeclined({ alias: 'Jo-Anne' }),
      en.smsChoiceGone,
      en.smsConfirmCode({ word: 'ARRIVED', codes: 'K7QX' }),
      en.smsPageReminder({ alias: 'Jo-Anne', link: 'https://odart.example/#/p/ntf_abcdefghijklmnopqrstuv.AbCdEfGhIjKlMnOp' }),
    ];
    for (const t of texts) {
      const n = gsm7Length(t);
      expect(n, t).not.toBeNull();
      expect(n!, t).toBeLessThanOrEqual(160);
    }
  });
});
