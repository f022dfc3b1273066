// The page stands on its own (responder's-minute issue): full address, access, reason, replies and the
// no-login link, in GSM-7 and in as few segments as possible. The demo page is counted exactly.
import { describe, expect, it } from 'vitest';
import { gsm7Length, smsSegments } from '../notify/index.js';
import { PageLinks } from './page-links.js';
import { alertSmsBody, alertVoiceTwiml, reasonWords } from './page-text.js';

const links = new PageLinks(Buffer.alloc(32, 7));
const demo = {
  alias: 'Jo',
  address: 'Flat 2, 14 Example Street, Glasgow',
  accessNotes: 'Key safe by the door, code from the service',
  reasons: ['no breathing for 35 s'],
};
const link = (id = 'ntf_abcdefghijkm') => `http://localhost:3000/#/p/${links.token(id)}`;

describe('alert SMS text', () => {
  it('the demo page carries the full address, access notes, reason, replies, code and link in 2 GSM-7 segments', () => {
    const code = links.replyCode('al_demo');
    const body = alertSmsBody(demo, code, link());
    expect(body).toBe(
      `ODART: Jo may need help now at Flat 2, 14 Example Street, Glasgow. Get in: Key safe by the door, code from the service. Why: no breathing detected.` +
        ` Reply 1 if you are going, NO if you can't. Alert code ${code} ${link()}`,
    );
    expect(gsm7Length(body)).not.toBeNull();
    expect(smsSegments(body)).toBe(2);
  });

  it('long access notes and reasons are shortened to stay in 2 segments; the address and the link are never cut', () => {
    const address = 'Flat 12/3, 1234 Extraordinarily Long Street Name Road, Partick, Glasgow G11 5AB';
    const body = alertSmsBody(
      {
        alias: 'Alexandria-Josephine',
        address,
        accessNotes: 'Buzz 12/3; if no answer the concierge at the front desk has a key, ask for Pat. Dog is friendly. '.repeat(3),
        reasons: ['no breathing'],
      },
      'K7QX',
      link(),
    );
    expect(body).toContain(address);
    expect(body).toContain(link());
    expect(body).toContain('Alert code K7QX');
    expect(smsSegments(body)).toBe(2);
  });

  it('curly quotes, dashes and accents are made GSM-7, so one character never triples the segments', () => {
    const body = alertSmsBody(
      { alias: 'Zoë', address: 'Ōak Court – flat “B”', accessNotes: 'Door’s on the left', reasons: [] },
      'K7QX',
      link(),
    );
    expect(gsm7Length(body)).not.toBeNull();
    expect(body).toContain('Zoe may need help now at Oak Court - flat "B". Get in: Door\'s on the left. Why: possible overdose.');
  });

  it('the reason is a few plain words, never a vital sign value', () => {
    expect(reasonWords(['SpO2 82%, 9 below baseline, for 40 s'])).toBe('low oxygen');
    expect(reasonWords(['breathing 6/min or less for 30 s'])).toBe('very slow breathing');
    expect(reasonWords(['no movement in occupied room for 180 s, door closed'])).toBe('no movement');
    expect(reasonWords(['wearer pressed help'])).toBe('help button pressed');
    expect(reasonWords(['no answer to the check-in'])).toBe('no answer to check-in');
  });

  it('the call says the full address, how to get in and the reason, and offers 1 going / 2 cannot go', () => {
    const twiml = alertVoiceTwiml(demo, 'https://odart.example/webhooks/twilio/voice');
    expect(twiml).toContain(
      'Jo may need help now at Flat 2, 14 Example Street, Glasgow. To get in: Key safe by the door, code from the service. Reason: no breathing detected.',
    );
    expect(twiml).toContain('Press 1 if you are going. Press 2 if you cannot go.');
  });
});

describe('page links and reply codes', () => {
  it('a token names one notification and is refused when altered or signed by another secret', () => {
    const t = links.token('ntf_abcdefghijkm');
    expect(links.verify(t)).toBe('ntf_abcdefghijkm');
    expect(links.verify(t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(links.verify(t.replace('abcdefghijkm', 'abcdefghijkn'))).toBeNull();
    expect(new PageLinks(Buffer.alloc(32, 8)).verify(t)).toBeNull();
    expect(links.verify('../../etc')).toBeNull();
  });

  it('reply codes are four unambiguous characters, stable per alert', () => {
    expect(links.replyCode('al_1')).toMatch(/^[ACDEFHJKMNPRTVWXY34679]{4}$/);
    expect(links.replyCode('al_1')).toBe(links.replyCode('al_1'));
    const codes = new Set(Array.from({ length: 200 }, (_, i) => links.replyCode(`al_${i}`)));
    expect(codes.size).toBeGreaterThan(190);
  });
});
