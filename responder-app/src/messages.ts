// Every text the responder app and service console show, English first; a translation copies this object.
// Wording is plain and non-stigmatising: the wearer is a person, named by the alias they chose.

// The outcomes are the server's (@odart/protocol/api): the app offers exactly what the resolve route accepts.
import type { Outcome as OutcomeKey } from '@odart/protocol/api';

export { OUTCOMES as OUTCOME_KEYS, type Outcome as OutcomeKey } from '@odart/protocol/api';

/** Must equal server/src/consent/text.ts CONSENT_VERSION (a test keeps them in step). */
export const CONSENT_VERSION = '2026-01';

/** "Sam", "Sam and Alex", "Sam, Alex and Jo" */
function listText(xs: string[]): string {
  if (xs.length <= 1) return xs[0] ?? '';
  return `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)!}`;
}

export const t = {
  appName: 'ODART responder',
  // ---- sign in ----
  signInTitle: 'Sign in',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  signOut: 'Sign out',
  badCredentials: 'Wrong username or password.',
  tooManyAttempts: 'Too many attempts. Wait a few minutes and try again.',
  // ---- navigation ----
  navAlerts: 'Alerts',
  navGuide: 'First aid',
  navConsole: 'Console',
  navDashboard: 'Dashboard',
  navWearers: 'People monitored',
  navDevices: 'Devices',
  navPeople: 'Responders and groups',
  navChains: 'Call chains',
  navHistory: 'Alert history',
  navService: 'Service',
  navKits: 'Naloxone',
  skipToContent: 'Skip to content',
  // ---- live connection ----
  live: 'live',
  reconnecting: 'reconnecting…',
  offline: 'offline',
  noCoreActive: 'No detection core is active: wearers are NOT monitored',
  // ---- alerts feed ----
  alertsTitle: 'Alerts',
  noAlerts: 'No alerts. You will hear an alarm when one comes in.',
  alertTitle: (alias: string) => `${alias} may need help`,
  /** a test page's push notification (the server's words come first; these when it sent none) */
  testPushTitle: 'ODART test page',
  testPushBody: 'Only a test, not an alert. Acknowledge to confirm push reaches this phone.',
  risk: 'risk',
  state: {
    pending_checkin: 'checking in with wearer',
    escalating: 'needs a responder',
    acknowledged: 'responder going',
    resolved: 'resolved',
    cancelled: 'cancelled',
  } as Record<string, string>,
  acknowledge: 'Acknowledge',
  acknowledgeHint: "I'm going",
  arrived: 'Arrived',
  resolve: 'Resolve',
  openAlert: 'Open',
  actions: 'Actions',
  youAreAttending: 'You are attending.',
  attending: (who: string) => `${who} is going.`,
  youAttended: 'You attended.',
  attended: (who: string) => `${who} attended.`,
  taken: (who: string) => `${who} got there first and is going. No action needed unless you are asked.`,
  gotThereFirst: (who: string) => `${who} got there first. No action needed unless you are asked.`,
  someone: 'Another responder',
  // ---- alarm ----
  alarmBanner: (alias: string) => `New alert: ${alias} may need help`,
  silence: 'Silence',
  silenceFor: ' for 2 minutes',
  silencedUntil: (time: string) => `(silenced until ${time})`,
  exhaustedBanner: (alias: string) => `Nobody has acknowledged: everyone in ${alias}'s call chain has been called`,
  enableAlerts: 'Turn on sound and notifications',
  // ---- alert detail ----
  back: 'Back to alerts',
  decline: "I can't go",
  declineHint: 'The next person is called at once',
  declineAttendingHint: 'The call chain starts again at once',
  youDeclined: "You said you can't go. The next person in the call chain is being called.",
  announceAcked: 'You are attending. Press Arrived when you get there.',
  announceAckedOther: (who: string) => `${who} got there first. No action needed unless you are asked.`,
  announceArrived: 'Arrival recorded. Resolve with what happened when you are done.',
  announceResolved: (outcome: string) => `Outcome saved: ${outcome}. The alert is resolved.`,
  whereTitle: 'Where',
  openInMaps: 'Open in maps',
  callService: (name: string) => `Call ${name}`,
  callServiceHint: 'For advice, or if you cannot get in.',
  closeTitle: 'Close without going',
  closeHint: 'Only if you know the person is safe or it is a false alarm. Acknowledge first if you are going.',
  // ---- escalation clock ----
  clockStep: (step: number, steps: number) => `Call step ${step} of ${steps}.`,
  clockNext: (names: string[], inText: string) => `${listText(names)} ${names.length === 1 ? 'is' : 'are'} called in ${inText}.`,
  clockNextNow: (names: string[]) => `Calling ${listText(names)} now.`,
  clockCheckin: (names: string[]) =>
    `Checking with the person first. If they do not answer, ${listText(names)} ${names.length === 1 ? 'is' : 'are'} called.`,
  clockLast: 'The last people in the call chain are being called.',
  clockExhausted: 'Everyone in the call chain has been called. The service is told until someone goes.',
  clockAckMine: (inText: string) => `The call chain starts again if you have not arrived in ${inText}.`,
  clockAckOther: (who: string, inText: string) => `The call chain starts again if ${who} has not arrived in ${inText}.`,
  clockArrived: 'Someone is with the person.',
  address: 'Address',
  accessNotes: 'How to get in',
  room: 'Room',
  roomUnknown: 'not known',
  sinceOnset: 'Since the alert began',
  reasons: 'Why',
  news2: 'NEWS2',
  news2Hint: 'context only, from the wearable',
  call: (n: string) => `Call ${n}`,
  callHint: 'Call if the person is not breathing or you cannot wake them.',
  vitalsTitle: 'Last 10 minutes',
  vitalsNone: 'No readings in this period.',
  vitalsSummary: (p: { rr: string; spo2: string; hr: string }) =>
    `Latest: breathing ${p.rr} per minute, oxygen ${p.spo2} %, pulse ${p.hr} per minute.`,
  chartRr: 'Breathing (per min)',
  chartSpo2: 'Oxygen (SpO2 %)',
  chartHr: 'Pulse (per min)',
  chartAlertMark: 'alert',
  timeline: 'Timeline',
  outcomeLegend: 'What happened?',
  note: 'Note (optional)',
  saveOutcome: 'Save outcome',
  cancel: 'Cancel',
  outcomes: {
    overdose_naloxone_given: 'Overdose: naloxone given',
    overdose_ambulance: 'Overdose: ambulance called',
    wearer_ok: 'Person was OK',
    false_alarm_sensor: 'False alarm (sensor)',
    no_one_found: 'No one found',
    other: 'Other',
  } as Record<OutcomeKey, string>,
  timelineText: (type: string, e: Record<string, unknown>, name: (id: string) => string): string => {
    const by = typeof e.by === 'string' ? name(e.by) : '';
    const who = (target: unknown) => (typeof target === 'string' && target.startsWith('responder:') ? name(target.slice(10)) : 'Someone');
    switch (type) {
      case 'created':
        return 'Alert began';
      case 'wearer_prompt':
        return 'Asked the person if they are OK';
      case 'escalating':
        return e.reason === 'attending_declined' ? 'Responders called again: the person going cannot go' : 'Responders called';
      case 'escalation_step':
        return `Call step ${Number(e.step) + 1}`;
      case 'notified':
        return `Notified by ${String(e.channel) === 'sms' ? 'SMS' : 'app'}${typeof e.target === 'string' ? ` (${e.target.startsWith('responder:') ? name(e.target.slice(10)) : e.target === 'emergency_contact' ? 'emergency contact' : 'phone'})` : ''}`;
      case 'notify_failed':
        return `Could not send ${String(e.channel)}`;
      case 'delivery_status':
        return `SMS ${String(e.result)}`;
      case 'acknowledged':
        return `${e.attending ? `${by} is going` : `${by} also acknowledged`}${e.naloxone === true ? ' (has naloxone)' : ''}`;
      case 'arrived':
        return `${by || 'Responder'} arrived`;
      case 'resolved':
        return `Resolved by ${by}: ${t.outcomes[e.outcome as OutcomeKey] ?? String(e.outcome)}`;
      case 'cancelled':
        return e.by === 'wearer_ok' ? 'The person said they are OK' : 'Readings recovered';
      case 'retriggered':
        return 'Readings still worrying';
      case 'score_update':
        return 'Readings updated';
      case 'chain_exhausted':
        return 'Everyone in the call chain has been called';
      case 'target_skipped':
        return `${typeof e.target === 'string' && e.target.startsWith('responder:') ? name(e.target.slice(10)) : 'Someone'} skipped: off duty`;
      case 'step_failed':
        return `Step ${Number(e.step) + 1} could not reach anyone (${String(e.reason)}): next step now`;
      case 'reminder_sms':
        return `Reminder SMS to ${typeof e.target === 'string' && e.target.startsWith('responder:') ? name(e.target.slice(10)) : 'a responder'} (the app had not shown the alert)`;
      case 'seen':
        return `${by || 'Responder'}'s app showed the alert`;
      // `by` is the decliner's target ("responder:alex"); `name` what they are called (a contact's label).
      case 'declined':
        return `${typeof e.name === 'string' ? e.name : who(e.by)} can't go${e.attending ? ' after all' : ''}`;
      case 'step_declined':
        return `Nobody in step ${Number(e.step) + 1} can go: the next step is called now`;
      // An alarm centre's answer (hand-off): its words ("Alarm centre: ambulance dispatched") and its note.
      case 'handoff_answer':
        return `${typeof e.text === 'string' ? e.text : 'Alarm centre answered'}${typeof e.note === 'string' && e.note ? ` (${e.note})` : ''}`;
      default:
        return type.replace(/_/g, ' ');
    }
  },
  // ---- first aid guide ----
  guideTitle: 'First aid for a suspected overdose',
  guideNaloxoneTitle: 'Naloxone',
  guideNaloxone: [
    'Shout their name and rub the middle of their chest hard. If they do not respond, call the emergency number.',
    'Nasal spray: lay them on their back, put the nozzle in one nostril and press the plunger.',
    'Injection: inject into the outer thigh or upper arm muscle, through clothing if needed.',
    'If they are not breathing, give rescue breaths or CPR as the call handler tells you.',
    'If there is no response after 2–3 minutes, give another dose if you have one.',
    'Stay with them: naloxone wears off sooner than many opioids, so the overdose can come back.',
  ],
  guideRecoveryTitle: 'Recovery position',
  guideRecovery: [
    'Kneel beside them. Put the arm nearest you at a right angle to their body.',
    'Bring the far arm across their chest and hold the back of that hand against their cheek.',
    'Bend the far knee up, then roll them towards you onto their side.',
    'Tilt the head back a little and open the mouth so they can breathe and fluids can drain.',
    'Keep checking their breathing until help arrives.',
  ],
  guideNote: 'This guide does not replace training. Follow what the emergency call handler tells you.',
  // ---- console: common ----
  save: 'Save',
  saved: 'Saved.',
  delete: 'Delete',
  confirmDelete: (what: string) => `Delete ${what}? This cannot be undone.`,
  loading: 'Loading…',
  none: '—',
  yes: 'yes',
  no: 'no',
  notAvailable: (msg: string) => `Not available on this server yet: ${msg}`,
  tableOf: (caption: string) => `${caption} (table, scrolls sideways)`,
  actionsCol: 'Actions',
  fixBelow: 'Check the fields marked below.',
  copy: 'Copy',
  copied: 'Copied.',
  copyFailed: 'Could not copy: select the text and copy it.',
  // ---- console: dashboard ----
  dashboardTitle: 'Dashboard',
  statAlerts: 'Alerts (12 weeks)',
  statMedianAck: 'Median time to acknowledge',
  statMedianArrive: 'Median time to arrive',
  statFalseAlarms: 'False-alarm share',
  perWeekTitle: 'Alerts per week',
  perWeekLabel: (week: string, n: number) => `Week of ${week}: ${n} alerts`,
  notices: 'Notices',
  noNotices: 'No notices.',
  dismiss: 'Dismiss',
  noticeExhausted: (alias: string) => `${alias}: everyone in the call chain was called and nobody acknowledged`,
  noticeRepeat: (n: number) => ` (${n} times)`,
  openAlertsTitle: 'Open alerts',
  noOpenAlerts: 'No open alerts.',
  startedAt: (time: string) => `Started ${time}`,
  attendingSince: (who: string, time: string) => `${who} is going, since ${time}`,
  nobodyAttending: 'Nobody has acknowledged yet.',
  escalationStep: (step: number, steps: number) => `Call step ${step} of ${steps}`,
  escalationNext: (next: string, time: string) => `next: ${next} at ${time}`,
  chainExhausted: 'Everyone in the call chain has been called. Nobody has acknowledged: call someone now.',
  readinessTitle: 'Ready to respond?',
  readinessSummaryTitle: 'Readiness of each person',
  readinessAllReady: 'Everyone monitored is covered.',
  readyYes: 'ready',
  readyNo: 'not ready',
  colReady: 'Ready',
  colMissing: 'What is missing',
  readinessItem: {
    consent: 'Consent',
    monitoring: 'Monitored now',
    devices: 'Devices online',
    chain: 'Call chain assigned',
    responders: 'Every responder reachable and on duty',
  } as Record<string, string>,
  readinessOk: 'OK',
  readinessGap: 'Missing',
  createChainFor: (alias: string) => `Create a call chain for ${alias}`,
  chainAssigned: (alias: string) => `Chain saved and assigned to ${alias}.`,
  enrolled: (alias: string) => `${alias} is enrolled. Next: register their devices, send the consent link, and check the list below.`,
  noticeConsent: (alias: string, change: string, via: string) => `${alias}: ${t.consentChange[change] ?? change} (${via})`,
  noticeTechnical: (wearer: string, device: string, issue: string) => `${wearer}: device ${device} ${issue.replace(/_/g, ' ')}`,
  seconds: (s: number | null) => (s === null ? '—' : s < 120 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`),
  percent: (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)} %`),
  // ---- console: wearers ----
  wearersTitle: 'People monitored',
  enrolTitle: 'Enrol a person',
  alias: 'Name or alias',
  aliasHint: 'The name they want responders to use.',
  phone: 'Mobile phone',
  phoneHint: 'As you would dial it (07700 900123) or with the country code (+44 7700 900123).',
  emergencyContact: 'Emergency contact phone',
  chain: 'Call chain',
  noChain: 'No chain',
  responders: 'Responders',
  enrol: 'Enrol',
  consent: 'Consent',
  consentState: {
    pending: 'waiting for their choice',
    active: 'monitoring on',
    paused: 'paused',
    opted_out: 'opted out',
  } as Record<string, string>,
  consentChange: {
    invited: 'invited',
    opted_in: 'opted in',
    opted_out: 'opted out',
    paused: 'paused',
    resumed: 'monitoring on again',
    pause_reminder: 'reminded that the pause ends',
  } as Record<string, string>,
  consentVersionLabel: (v: string | null) => `Consent text version: ${v ?? '—'}`,
  pausedUntil: (s: string) => `Paused until ${s}`,
  sendLink: 'Send consent link by SMS',
  showLink: 'Show consent link',
  linkShownOnce: 'Give this link to the person. It is shown only once; making a new one stops this one working.',
  linkReplaceWarning: (when: string) =>
    `A consent link was made on ${when}. A new link stops that one working, including one already texted to the person.`,
  linkReplaceConfirm: 'Make a new link anyway',
  pauseFor: 'Pause for',
  pause: 'Pause',
  resume: 'Resume now',
  recordOptOut: 'Record that they want to stop',
  consentLog: 'Consent log',
  devices: 'Devices',
  exportData: 'Export their data (JSON)',
  deleteWearer: 'Delete this person and all their data',
  editTitle: 'Details',
  // ---- console: devices ----
  devicesTitle: 'Devices',
  registerDevice: 'Register a device',
  deviceId: 'Device id',
  deviceIdHint: 'Letters, digits, . _ - ; leave empty to generate one.',
  kind: 'Type',
  kinds: { wearable: 'Wearable', room: 'Room sensor', door: 'Door sensor', button: 'Help button', gateway: 'Home gateway' } as Record<
    string,
    string
  >,
  wearer: 'Person',
  unassigned: 'not assigned',
  roomLabel: 'Room (for room sensors)',
  online: 'Online',
  battery: 'Battery',
  lastSeen: 'Last seen',
  never: 'never',
  register: 'Register',
  rotate: 'New secret',
  removeDevice: 'Remove',
  secretOnce: (id: string) => `Secret for ${id}. Copy it into the device now: it is shown only once.`,
  copySecret: (id: string) => `Copy the secret for ${id}`,
  deviceRegistered: (id: string) => `Device ${id} registered.`,
  // ---- console: people ----
  peopleTitle: 'Responders and groups',
  displayName: 'Display name',
  role: 'Role',
  roles: { admin: 'Service admin', responder: 'Responder' } as Record<string, string>,
  onDuty: 'On duty',
  addUser: 'Add a person',
  newPassword: 'Password (at least 10 characters)',
  account: 'Account',
  accountActive: 'Active',
  accountDisabled: 'Disabled',
  disableAccount: 'Disable',
  enableAccount: 'Enable',
  confirmDisable: (name: string) =>
    `Disable ${name}? They are signed out at once, cannot sign in and are not called for alerts until enabled again.`,
  resetPassword: 'New password',
  confirmResetPassword: (name: string) => `Give ${name} a new password? Their old one stops working and they are signed out everywhere.`,
  passwordOnce: (name: string) => `New password for ${name}. Give it to them now: it is shown only once.`,
  signOutEverywhere: 'Sign out everywhere',
  signedOutEverywhere: (name: string) => `${name} is signed out on every device.`,
  testPageFor: (name: string, role: string, at: string) => `Test page for ${name} (${role}), sent at ${at}:`,
  groupsTitle: 'Groups',
  groupName: 'Group name',
  members: 'Members',
  addGroup: 'Add group',
  // ---- console: chains ----
  chainsTitle: 'Call chains',
  chainName: 'Chain name',
  newChain: 'New chain',
  editChain: (name: string) => `Edit chain: ${name}`,
  step: (n: number) => `Step ${n}`,
  stepWho: 'Who',
  stepChannels: 'How',
  channelApp: 'App',
  channelSms: 'SMS',
  channelVoice: 'Phone call',
  waitS: 'Wait before the next step (seconds)',
  emergencyContactTarget: "The person's emergency contact",
  handoffTarget: (name: string) => `Alarm centre: ${name}`,
  handoffTitle: 'Alarm centres (hand-off)',
  handoffNone: 'No alarm centre yet. A chain step can hand an alert to one once it is added here.',
  handoffName: 'Name',
  handoffUrl: 'Address (URL)',
  handoffUrlHint: 'https:// — the alarm centre gives you this',
  handoffSecret: 'Shared secret',
  handoffSecretHint: 'At least 16 characters, agreed with the alarm centre; it is not shown again',
  handoffFormat: 'Format',
  handoffFormatCap: 'CAP 1.2 (XML)',
  handoffFormatJson: 'JSON',
  handoffAdd: 'Add alarm centre',
  handoffRemove: 'Remove',
  handoffActions: 'Actions',
  extraPhone: 'Other phone number (optional)',
  addStep: 'Add step',
  removeStep: 'Remove step',
  moveUp: 'Move up',
  moveDown: 'Move down',
  saveChain: 'Save chain',
  // ---- console: history ----
  historyTitle: 'Alert history',
  exportCsv: 'Download CSV',
  colWhen: 'When',
  colWho: 'Person',
  colState: 'State',
  colOutcome: 'Outcome',
  colAck: 'To acknowledge',
  colArrive: 'To arrive',
  colAttending: 'Responder',
  // ---- consent page (the wearer's own) ----
  consentTitle: 'Your monitoring',
  consentHello: (alias: string, service: string) => `Hello ${alias}. ${service} offers you overdose monitoring.`,
  consentTextTitle: 'What it means',
  consentText: [
    'It is your choice. Saying no does not change any other support you get.',
    'Your wearable and room sensor send your breathing, oxygen, pulse and movement to the service.',
    'If the readings look like an overdose, your wearable first asks if you are OK. If you do not answer, responders you agreed to are told and come to you. They may call an ambulance.',
    'Responders see the name you chose, your address and how to get in.',
    'Raw readings are deleted after 7 days. Alerts are kept so the service can check it works.',
    'You can pause monitoring, stop it, or ask for your data or for it to be deleted, at any time: on this page, by text (PAUSE 2H, STOP), or by asking the service.',
  ],
  consentVersion: (v: string) => `Version ${v}`,
  /** whether the core is watching them now (issue 16.4): never a false reassurance */
  consentMonitored: (at: string) => `Monitored: the system checked in with your devices at ${at}.`,
  consentNotMonitored:
    'NOT MONITORED right now: the system is not watching over you. Do not rely on it for help until this says monitored again.',
  consentCurrent: (state: string) => `Right now: ${t.consentState[state] ?? state}.`,
  optIn: 'Yes, monitor me',
  optOut: 'Stop monitoring',
  consentDone: {
    opt_in: 'Thank you. Monitoring is on.',
    opt_out: 'Monitoring is off. The service has been told.',
    pause: 'Monitoring is paused. It restarts by itself.',
    resume: 'Monitoring is on again.',
  } as Record<string, string>,
  consentBadLink: 'This link is not valid any more. Ask your service for a new one.',
  consentExpiredLink: 'This link has expired. Ask your service for a new one.',
  pauseOptions: [
    { minutes: 30, label: '30 minutes' },
    { minutes: 60, label: '1 hour' },
    { minutes: 120, label: '2 hours' },
    { minutes: 240, label: '4 hours' },
    { minutes: 720, label: '12 hours' },
    { minutes: 1440, label: '24 hours' },
  ],
  // ---- console: service settings ----
  serviceTitle: 'Service settings',
  serviceEmergencyNumber: 'Emergency number',
  serviceEmergencyHint: 'Shown to responders as "Call 999" on the alarm screen.',
  servicePhone: 'Service phone line (optional)',
  servicePhoneHint: 'Responders can call it from the alarm screen. Leave empty for none.',
  serviceCountry: 'Country for phone numbers',
  serviceCountryHint: 'Phone numbers typed without a country code (07700 900123) are read as numbers in this country.',
  countryOption: (name: string, code: string) => (name === code ? code : `${name} (${code})`),
  // ---- console: naloxone kits ----
  kitsTitle: 'Naloxone kits',
  kitsNone: 'No kits yet. Add the boxes, pharmacies and kits responders carry, so an alert shows the nearest.',
  kitsWarnTitle: 'Needs replacing',
  kitExpiresIn: (name: string, days: number, date: string) =>
    days === 0 ? `${name} expires today (${date})` : `${name} expires in ${days} day${days === 1 ? '' : 's'} (${date})`,
  kitExpired: (name: string, days: number, date: string) => `${name} expired ${days} day${days === 1 ? '' : 's'} ago (${date})`,
  kitCarriersTitle: 'Responders carrying naloxone',
  kitCarriersNone: 'No responder carries a kit.',
  kitCarries: (who: string, kit: string, date: string) => `${who}: ${kit} (until ${date})`,
  kitName: 'Name',
  kitHolder: 'Where it is',
  kitHolders: { box: 'Box', pharmacy: 'Pharmacy', responder: 'Carried by a responder' } as Record<string, string>,
  kitCarrier: 'Who carries it',
  kitAddress: 'Address',
  kitLatitude: 'Latitude',
  kitLongitude: 'Longitude',
  kitPlaceHint: 'Decimal degrees, e.g. 55.8642 and -4.2518. A box or pharmacy needs them; a carried kit does not.',
  kitExpires: 'Expiry date',
  kitAdd: 'Add kit',
  kitEdit: 'Edit',
  kitEditing: (name: string) => `Editing ${name}`,
  kitCancelEdit: 'Cancel',
  kitDelete: 'Delete',
  kitDeleteConfirm: (name: string) => `Delete ${name}?`,
  kitAdded: (name: string) => `${name} added`,
  kitDeleted: 'Kit deleted',
  kitCols: ['Name', 'Where', 'Expires', 'Actions'] as string[],
  homeLocation: 'Home location (for the nearest naloxone)',
  homeLocationHint: 'Latitude and longitude in decimal degrees. Leave both empty if not known.',
  // ---- responder: naloxone on the alert screen ----
  naloxoneTitle: 'Naloxone nearby',
  naloxoneNotLocated: 'The home has no map location, so distances cannot be shown. Ask the service to add it.',
  naloxoneNone: 'No naloxone kit with a known place.',
  naloxoneDirections: 'Directions',
  naloxoneCarriers: (names: string) => `Carrying naloxone: ${names}`,
  distance: (m: number) => (m < 1000 ? `${Math.round(m / 10) * 10} m` : `${(m / 1000).toFixed(1)} km`),
  haveNaloxone: 'I have naloxone with me',
  // ---- the page behind an alert SMS link (no sign-in) ----
  pageTitle: (alias: string) => `${alias} may need help`,
  pageState: {
    pending_checkin: 'Checking with them first',
    escalating: 'Nobody is going yet',
    acknowledged: 'Someone is going',
    resolved: 'This alert is over',
    cancelled: 'This alert was cancelled',
  } as Record<string, string>,
  pageAddress: 'Address',
  pageMaps: 'Open in maps',
  pageAccess: 'How to get in',
  pageReason: 'Why',
  pageGoing: "I'm going",
  pageDecline: "I can't go",
  pageYouAttend: (emergency: string) => `You are going. Call ${emergency} if they are not breathing.`,
  pageOtherAttends: (name: string) => `${name} is going.`,
  pageYouDeclined: 'You said you cannot go. The next person is being called. Thank you.',
  pageBadLink: 'This link is not valid any more. The alert may be over.',
  pageCall: (n: string) => `Call ${n}`,
  // ---- errors ----
  errorGeneric: 'Something went wrong. Try again.',
  errorOffline: 'No connection to the server.',
  // rotas (issue 16.1)
  rotaTitle: (group: string) => `Rota: ${group}`,
  rotaLink: 'Rota',
  rotaOnNow: 'On shift now',
  rotaNobody: 'Nobody',
  rotaNext7: 'Next 7 days',
  rotaFrom: 'From',
  rotaTo: 'To',
  rotaWho: 'On shift',
  rotaWarnings: 'Warnings',
  rotaNoWarnings: 'No gaps and everyone on the rota can be paged.',
  rotaGap: (from: string, to: string) => `Nobody on shift from ${from} to ${to}`,
  rotaUnreachable: (name: string, problem: string) => `${name}: ${problem}`,
  rotaShifts: 'Weekly shifts',
  rotaAddShift: 'Add shift',
  rotaRemove: 'Remove',
  rotaPerson: 'Person',
  rotaWeekday: 'Day',
  rotaStart: 'Starts (local time)',
  rotaStartCol: 'Starts',
  rotaEndCol: 'Ends',
  rotaEnd: 'Ends (local time; earlier than the start means the next day)',
  rotaOverrides: 'Overrides',
  rotaAddOverride: 'Add override',
  rotaReplaces: 'Replaces (optional)',
  rotaNoOne: '— nobody (added) —',
  rotaOverrideStart: 'From',
  rotaOverrideEnd: 'To',
  rotaCovers: (who: string, whom: string | null) => (whom ? `${who} covers ${whom}` : `${who} added`),
  rotaTimeZone: (tz: string) => `Times in ${tz}, the service's time zone (daylight saving included).`,
  rotaNoRota: 'This group has no rota yet: add shifts below.',
  rotaWarningsTitle: 'Rotas',
  rotaAllGood: 'Every rota is covered for the next 7 days.',
  onShiftTarget: (group: string) => `${group} (whoever is on shift)`,
  weekdays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  calibrationTitle: 'Detection calibration',
  calibrationNotRunning: "No data from this person's devices since the server started: nothing learnt yet.",
  baselinesTitle: 'Personal baselines',
  baselineRr: 'Breathing',
  baselineSpo2: 'SpO2',
  baselineHr: 'Heart rate',
  notLearnt: 'not learnt yet',
  roomScaleCaption: 'Room sensors: motion while occupied, as this sensor reads it',
  colSensor: 'Sensor',
  colMoving: 'Moving',
  colStill: 'Still',
  colSamples: 'Readings',
  colScale: 'Scale',
  stillLearning: 'still learning',
  learntScale: (factor: number) => `learnt (x${factor} the reference)`,
  noRoomSensor: 'No room sensor readings yet.',
} as const;

export type Messages = typeof t;
