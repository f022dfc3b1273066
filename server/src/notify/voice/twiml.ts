// The alert call: TwiML that says the page and takes one keypress at the gather URL.
import { en } from '../../messages/en.js';
import { cleanLine as clean, escapeXml as xml, reasonWords, type PageFacts } from '../page.js';

/** TwiML for an alert call: says the page and takes one keypress (1 = going, 2 = cannot go) at the gather URL. */
export function alertVoiceTwiml(f: PageFacts, gatherUrl: string): string {
  const text = en.voiceAlert({
    alias: clean(f.alias) || 'Someone',
    address: clean(f.address) || en.smsAlertShortPlace,
    access: clean(f.accessNotes) || null,
    reason: reasonWords(f.reasons),
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?><Response>' +
    `<Gather input="dtmf" numDigits="1" timeout="10" action="${xml(gatherUrl)}" method="POST">` +
    `<Say>${xml(text)}</Say></Gather><Say>${xml(en.voiceNoInput)}</Say></Response>`
  );
}
