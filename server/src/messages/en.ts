// Every user-facing text of the server (SMS, replies), English first; other languages copy this shape.
// Wording is plain and non-stigmatising: the wearer is a person, named by the alias they chose.

export const en = {
  smsAlert: (p: { alias: string; place: string; link: string }) =>
    `ODART: ${p.alias} may need help now at ${p.place}. Reply 1 if you are going. ${p.link}`,
  smsAlertShortPlace: 'their home',
  smsAcked: (p: { alias: string }) => `Thanks, you are attending ${p.alias}. Call 999 if they are not breathing.`,
  smsAlreadyTaken: (p: { alias: string; responder: string }) => `${p.responder} is already going to ${p.alias}. Thank you.`,
  smsTakenByOther: (p: { alias: string; responder: string }) => `Update: ${p.responder} is going to ${p.alias}. No action needed.`,
  smsHelp: 'ODART: reply 1 to say you are going to the alert.',
  smsNoOpenAlert: 'ODART: there is no open alert for you right now.',
} as const;

export type Messages = typeof en;
