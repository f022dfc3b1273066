// Every user-facing text of the server (SMS, replies, voice), English first; other languages copy this shape.
// Wording is plain and non-stigmatising: the wearer is a person, named by the alias they chose.
// SMS texts stay within one GSM-7 segment (160 characters); en.test.ts checks it.

export const en = {
  smsAlert: (p: { alias: string; place: string; link: string }) =>
    `ODART: ${p.alias} may need help now at ${p.place}. Reply 1 if you are going. ${p.link}`,
  smsAlertShortPlace: 'their home',
  smsPageReminder: (p: { alias: string; link: string }) => `ODART reminder: ${p.alias} still needs a responder. Reply 1 if you are going. ${p.link}`,
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

  // Wearer consent (consent/): what a person who chose monitoring receives. Plain words, their choice first.
  smsConsentInvite: (p: { service: string; link: string }) =>
    `${p.service} offers you overdose monitoring. It is your choice. Read what it means: ${p.link} Reply YES to join, STOP to say no.`,
  smsOptedIn: 'ODART: monitoring is on. Reply PAUSE 2H to pause it, STOP to leave. You can change your mind at any time.',
  smsOptedOut: 'ODART: monitoring is off and your service has been told. Reply YES if you want to join again.',
  smsPaused: (p: { duration: string }) => `ODART: monitoring is paused for ${p.duration}. It restarts by itself. Reply YES to restart it sooner.`,
  smsPauseHelp: 'ODART: to pause, reply PAUSE and a time from 15M to 72H, for example PAUSE 2H.',
  smsNotMonitored: 'ODART: monitoring is not on, so there is nothing to pause. Reply YES to join.',
  smsPauseReminder: (p: { minutes: number }) =>
    `ODART: monitoring starts again in ${p.minutes} minutes. Reply PAUSE 1H for more time, or STOP to leave.`,
  smsResumed: 'ODART: monitoring is on again. Reply PAUSE 2H to pause it, STOP to leave.',
  smsWearerHelp: 'ODART: reply YES to be monitored, PAUSE 2H to pause, STOP to leave.',
  /** "2 hours", "30 minutes": durations inside wearer messages */
  duration: (ms: number) => {
    const min = Math.round(ms / 60_000);
    if (min % 60 === 0) return `${min / 60} hour${min === 60 ? '' : 's'}`;
    return `${min} minutes`;
  },
  /** who is called next, in the escalation clock on alerts (GET /api/alerts/:id `escalation.next`) */
  escalationEmergencyContact: 'Emergency contact',
  escalationUnknownResponder: 'A responder',
} as const;

export type Messages = typeof en;
