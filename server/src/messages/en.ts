// Every user-facing text of the server (SMS, replies, voice), English first; other languages copy this shape.
// Wording is plain and non-stigmatising: the wearer is a person, named by the alias they chose.
// SMS texts stay within one GSM-7 segment (160 characters); en.test.ts checks it.

export const en = {
  smsAlert: (p: { alias: string; place: string; link: string }) =>
    `ODART: ${p.alias} may need help now at ${p.place}. Reply 1 if you are going. ${p.link}`,
  smsAlertShortPlace: 'their home',
  smsAcked: (p: { alias: string }) => `Thanks, you are attending ${p.alias}. Call 999 if they are not breathing. Reply ARRIVED when there, DONE when finished.`,
  smsAlreadyTaken: (p: { alias: string; responder: string }) => `${p.responder} is already going to ${p.alias}. Thank you.`,
  smsTakenByOther: (p: { alias: string; responder: string }) => `Update: ${p.responder} is going to ${p.alias}. No action needed.`,
  smsHelp: 'ODART: reply 1 if you are going to the alert, ARRIVED when you are there, DONE when it is over.',
  smsNoOpenAlert: 'ODART: there is no open alert for you right now.',
  smsArrived: 'Thanks. Call 999 if they are not breathing. Reply DONE when it is over.',
  smsNotAttending: 'ODART: you are not attending an open alert.',
  smsOutcomePrompt: 'Thanks. What happened? Reply 1 naloxone given, 2 ambulance, 3 person OK, 4 false alarm, 5 no one found, 6 other.',
  smsOutcomeThanks: 'Thank you. The outcome is recorded.',
  smsContactAcked: (p: { alias: string }) => `Thanks, the service knows you are going to ${p.alias}. Call 999 if they are not breathing.`,
  responderFallbackName: 'Another responder',
  voiceAlert: (p: { alias: string; place: string }) =>
    `This is O DART. ${p.alias} may need help now at ${p.place}. Press 1 if you are going. Press 1 now if you are going.`,
  voiceAcked: (p: { alias: string }) => `Thank you. You are attending ${p.alias}. Call 999 if they are not breathing. Goodbye.`,
  voiceTaken: (p: { responder: string }) => `${p.responder} is already going. Thank you. Goodbye.`,
  voiceNoInput: 'No key was pressed. Goodbye.',
} as const;

export type Messages = typeof en;
