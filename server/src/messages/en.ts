// Every user-facing text of the server (SMS, replies, voice), English first; other languages copy this shape.
// Wording is plain and non-stigmatising: the wearer is a person, named by the alias they chose.
// SMS texts stay within one GSM-7 segment (160 characters); en.test.ts checks it.

export const en = {
  // The page (escalation/page-text.ts): may take two segments; its own test counts them.
  smsAlert: (p: { alias: string; address: string; access: string | null; reason: string | null; code: string; link: string }) =>
    `ODART: ${p.alias} may need help now at ${p.address}.${p.access ? ` Get in: ${p.access}.` : ''}${p.reason ? ` Why: ${p.reason}.` : ''}` +
    ` Reply 1 if you are going, NO if you can't. Alert code ${p.code} ${p.link}`,
  reasonHelp: 'help button pressed',
  reasonNoBreathing: 'no breathing detected',
  reasonSlowBreathing: 'very slow breathing',
  reasonLowOxygen: 'low oxygen',
  reasonNoMovement: 'no movement',
  reasonNoAnswer: 'no answer to check-in',
  reasonDefault: 'possible overdose',
  smsAlertShortPlace: 'their home',
  smsPageReminder: (p: { alias: string; link: string }) =>
    `ODART reminder: ${p.alias} still needs a responder. Reply 1 if you are going. ${p.link}`,
  smsAcked: (p: { alias: string; code: string }) =>
    `Thanks, you are attending ${p.alias}. Call 999 if they are not breathing. Reply ARRIVED ${p.code} when there, DONE ${p.code} when finished.`,
  smsAlreadyTaken: (p: { alias: string; responder: string }) => `${p.responder} is already going to ${p.alias}. Thank you.`,
  smsTakenByOther: (p: { alias: string; responder: string }) => `Update: ${p.responder} is going to ${p.alias}. No action needed.`,
  smsHelp:
    "ODART: reply 1 if you are going to the alert, NO if you can't, ARRIVED when you are there, DONE when it is over, each with the alert code.",
  smsNoOpenAlert: 'ODART: there is no open alert for you right now.',
  smsArrived: (p: { code: string }) => `Thanks. Call 999 if they are not breathing. Reply DONE ${p.code} when it is over.`,
  smsNotAttending: 'ODART: you are not attending an open alert.',
  smsOutcomePrompt: (p: { code: string }) =>
    `Thanks. What happened? Reply 1 naloxone given, 2 ambulance, 3 person OK, 4 false alarm, 5 no one found, 6 other, with the code: 2 ${p.code}`,
  smsOutcomeThanks: 'Thank you. The outcome is recorded.',
  smsContactAcked: (p: { alias: string }) => `Thanks, the service knows you are going to ${p.alias}. Call 999 if they are not breathing.`,
  responderFallbackName: 'Another responder',
  // SMS replies (http/sms-replies.ts): ambiguity is asked, never guessed; closing needs the alert code.
  /** numbered choices, e.g. "1 for Jo (Flat 2), 2 for Kai" */
  smsChoose: (p: { choices: string }) => `ODART: which alert? Reply ${p.choices}.`,
  smsChooseMore: (p: { choices: string }) => `ODART: which alert? Reply ${p.choices}, or 1 and the alert code.`,
  smsConfirmCode: (p: { word: string; codes: string }) => `ODART: to confirm, reply ${p.word} ${p.codes}.`,
  smsBadCode: 'ODART: that alert code is not one of the alerts sent to this phone. Check the alert text.',
  smsDeclined: (p: { alias: string }) => `Thanks for telling us. You are not going to ${p.alias}; the next person is being called.`,
  smsChoiceGone: 'ODART: that alert is no longer open for you.',
  // Confirmation of an external number before a chain may page it (http/routes-chains.ts).
  smsVerifyPhone: (p: { service: string; label: string; code: string }) =>
    `ODART: ${p.service} wants to text this phone (${p.label}) when someone may need help. Reply YES ${p.code} to agree. Ignore this to say no.`,
  smsVerifyBadCode: 'ODART: that code does not match. Reply YES and the 6 digits from our text.',
  smsPhoneVerified: (p: { service: string }) =>
    `ODART: thank you, this phone is confirmed. ${p.service} may now text it when someone needs help.`,
  voiceAlert: (p: { alias: string; address: string; access: string | null; reason: string }) =>
    `This is O DART. ${p.alias} may need help now at ${p.address}. ${p.access ? `To get in: ${p.access}. ` : ''}Reason: ${p.reason}. ` +
    'Press 1 if you are going. Press 2 if you cannot go.',
  voiceAcked: (p: { alias: string }) => `Thank you. You are attending ${p.alias}. Call 999 if they are not breathing. Goodbye.`,
  voiceTaken: (p: { responder: string }) => `${p.responder} is already going. Thank you. Goodbye.`,
  voiceNoInput: 'No key was pressed. Goodbye.',
  voiceDeclined: 'Thank you for telling us. We are calling the next person. Goodbye.',

  // Wearer consent (consent/): what a person who chose monitoring receives. Plain words, their choice first.
  smsConsentInvite: (p: { service: string; link: string }) =>
    `${p.service} offers you overdose monitoring. It is your choice. Read what it means: ${p.link} Reply YES to join, STOP to say no.`,
  smsOptedIn: 'ODART: monitoring is on. Reply PAUSE 2H to pause it, STOP to leave. You can change your mind at any time.',
  smsOptedOut: 'ODART: monitoring is off and your service has been told. Reply YES if you want to join again.',
  smsPaused: (p: { duration: string }) =>
    `ODART: monitoring is paused for ${p.duration}. It restarts by itself. Reply YES to restart it sooner.`,
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
  escalationOnShift: (group: string) => `On shift in ${group}`,
  escalationAlarmCentre: 'Alarm centre',
  handoffAnswer: ({ action }: { action: 'acknowledged' | 'dispatched' | 'resolved' }) =>
    action === 'dispatched'
      ? 'Alarm centre: ambulance dispatched'
      : action === 'acknowledged'
        ? 'Alarm centre: acknowledged'
        : 'Alarm centre: case closed',
  escalationUnknownResponder: 'A responder',
  // Test pages (escalation/test-page.ts): never worded like an alert.
  smsTestPage: 'ODART TEST PAGE: this is only a test, not an alert. No action needed. Your SMS pages reach you.',
  voiceTestPage: 'This is an O DART test page. It is only a test, not an alert. No action is needed. Goodbye.',
  pushTestPageTitle: 'ODART test page',
  pushTestPageBody: 'Only a test, not an alert. Your push pages reach this device.',
} as const;

export type Messages = typeof en;
