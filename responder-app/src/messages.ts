// Every text the responder app shows, English first; a translation copies this object.
export const t = {
  alertTitle: (alias: string) => `${alias} may need help`,
  risk: 'risk',
  state: {
    pending_checkin: 'checking in with wearer',
    escalating: 'needs a responder',
    acknowledged: 'responder going',
    resolved: 'resolved',
    cancelled: 'cancelled',
  },
  acknowledge: 'Acknowledge',
  resolve: 'Resolve',
  resolvePrompt: 'Outcome: overdose_naloxone_given, overdose_ambulance, wearer_ok, false_alarm_sensor, no_one_found, other',
  youAreAttending: 'You are attending.',
  attending: (who: string) => `Attending: ${who}`,
  live: 'live',
  reconnecting: 'reconnecting…',
  badCredentials: 'Wrong username or password.',
} as const;
