// What a hand-off carries, in the two formats an alarm centre may ask for (docs/escalation.md
// "Alarm-centre hand-off"): our JSON, or an OASIS CAP 1.2 <alert>. The stored notification body is
// the neutral HandoffMessage; the endpoint's format is applied when it is sent. Only the wearer's
// alias goes out, never a name; the link is the page's signed, time-limited no-login view.
import { escapeXml, reasonWords } from '../page.js';

export type HandoffMsgType = 'Alert' | 'Update' | 'Cancel';
export type HandoffLevel = 'critical' | 'high' | 'watch';
/** What a later message says happened to the alert. */
export type HandoffChange = 'acknowledged' | 'resolved' | 'cancelled';

/** The stored body of a hand-off notification (JSON). */
export interface HandoffMessage {
  msgType: HandoffMsgType;
  alertId: string;
  /** the alert's state when this message was made (escalating, acknowledged, resolved, cancelled) */
  state: string;
  level: HandoffLevel;
  reasons: string[];
  address: string | null;
  alias: string;
  link: string;
  /** when this message was made (ms) */
  at: number;
  /** when the first (Alert) message about this alert was made (ms): later ones reference it */
  firstAt: number;
  note?: string;
}

/** The wire JSON of format "json" (docs/api.md). */
export interface HandoffJson {
  type: 'alert' | 'update' | 'cancel';
  alertId: string;
  state: string;
  level: HandoffLevel;
  reasons: string[];
  address: string | null;
  alias: string;
  link: string;
  sent: string;
  note?: string;
}

/** The detection level of a risk score: the same bands as detection's (WATCH 30, TRIGGER 60, CRITICAL 90). */
export function levelOfScore(score: number): HandoffLevel {
  return score >= 90 ? 'critical' : score >= 60 ? 'high' : 'watch';
}

export const CHANGE_NOTE: Record<HandoffChange, string> = {
  acknowledged: 'Acknowledged: someone is going to the person.',
  resolved: 'Resolved: the alert is closed.',
  cancelled: 'Cancelled: the person said they are OK or recovered.',
};

/** The later message for a change of the alert, made from the first one. */
export function changeMessage(first: HandoffMessage, change: HandoffChange, at: number): HandoffMessage {
  return { ...first, msgType: change === 'acknowledged' ? 'Update' : 'Cancel', state: change, at, note: CHANGE_NOTE[change] };
}

export function toJson(m: HandoffMessage): HandoffJson {
  return {
    type: m.msgType === 'Alert' ? 'alert' : m.msgType === 'Update' ? 'update' : 'cancel',
    alertId: m.alertId,
    state: m.state,
    level: m.level,
    reasons: m.reasons,
    address: m.address,
    alias: m.alias,
    link: m.link,
    sent: new Date(m.at).toISOString(),
    ...(m.note !== undefined ? { note: m.note } : {}),
  };
}

/** CAP's dateTime: seconds, and a numeric offset ("Z" is not allowed). */
export function capTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}+00:00`;
}

/** XML 1.0 text: characters XML cannot carry (controls, lone surrogates) are dropped, markup escaped. */
export function xmlText(s: string): string {
  // eslint-disable-next-line no-control-regex -- these are the characters XML 1.0 allows (tab, LF, CR and up)
  return escapeXml(s.replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, ''));
}

/** A CAP identifier or address: no spaces, commas, "<" or "&". */
const capToken = (s: string) => s.replace(/[\s,<&]/g, '_');

const SEVERITY: Record<HandoffLevel, string> = { critical: 'Extreme', high: 'Severe', watch: 'Moderate' };
const CERTAINTY: Record<HandoffLevel, string> = { critical: 'Likely', high: 'Possible', watch: 'Possible' };

export function identifierOf(m: HandoffMessage): string {
  return capToken(m.msgType === 'Alert' ? `odart-${m.alertId}-${m.at}` : `odart-${m.alertId}-${m.state}-${m.at}`);
}

/** The OASIS CAP 1.2 <alert> of a message, for the endpoint `addresses` (scope Private). */
export function toCap(m: HandoffMessage, o: { sender: string; addresses: string }): string {
  const sender = capToken(o.sender);
  const t = (s: string) => xmlText(s);
  const description = m.reasons.length > 0 ? m.reasons.join('; ') : 'Possible overdose';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">',
    `<identifier>${t(identifierOf(m))}</identifier>`,
    `<sender>${t(sender)}</sender>`,
    `<sent>${capTime(m.at)}</sent>`,
    '<status>Actual</status>',
    `<msgType>${m.msgType}</msgType>`,
    '<scope>Private</scope>',
    `<addresses>${t(capToken(o.addresses))}</addresses>`,
    ...(m.note !== undefined ? [`<note>${t(m.note)}</note>`] : []),
    ...(m.msgType !== 'Alert'
      ? [`<references>${t(`${sender},${identifierOf({ ...m, msgType: 'Alert', at: m.firstAt })},${capTime(m.firstAt)}`)}</references>`]
      : []),
    `<incidents>${t(capToken(`odart-${m.alertId}`))}</incidents>`,
    '<info>',
    '<language>en-GB</language>',
    '<category>Health</category>',
    '<category>Rescue</category>',
    '<event>Suspected opioid overdose</event>',
    '<urgency>Immediate</urgency>',
    `<severity>${SEVERITY[m.level]}</severity>`,
    `<certainty>${CERTAINTY[m.level]}</certainty>`,
    '<senderName>ODART</senderName>',
    `<headline>${t(`${m.alias}: ${reasonWords(m.reasons)}`)}</headline>`,
    `<description>${t(description)}</description>`,
    `<web>${t(m.link)}</web>`,
    '<area>',
    `<areaDesc>${t(m.address ?? 'Address not recorded')}</areaDesc>`,
    '</area>',
    '</info>',
    '</alert>',
  ];
  return lines.join('\n');
}
