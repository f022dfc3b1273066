// Inbound text replies of people paged (the reading is reply-grammar.ts'). A reply acts only on alerts its number was paged for, as the
// user (or external contact) that page was for; when that is not one alert, it asks with numbered
// choices instead of guessing. ACK and NO work without the alert code; ARRIVED, DONE and outcomes need it
// (docs/escalation.md, "SMS replies"), so a spoofed sender number cannot close an alert.
import { AppError } from '../errors.js';
import { contactLabel } from '../escalation/index.js';
import { en } from '../messages/en.js';
import { gsm7Length } from '../notify/index.js';
import { OPEN_ALERT_STATES, type AlertRow, type UserRow } from '../store/index.js';
import type { HttpDeps } from './app.js';
import { OUTCOME_DIGITS, type ReplyAction, type ResponderReading } from './reply-grammar.js';
/** How long after an SMS resolve the outcome digit is still taken. */
const SURVEY_WINDOW_MS = 24 * 3600_000;
/** A numbered question is answered within this, or forgotten. */
const CHOICE_TTL_MS = 15 * 60_000;

type Actor = { kind: 'user'; user: UserRow } | { kind: 'contact'; key: string; label: string; phone: string };
interface Option {
  alert: AlertRow;
  actor: Actor;
  target: string;
}
type Action = ReplyAction;

const isOpen = (a: AlertRow) => OPEN_ALERT_STATES.includes(a.state);
const actorKey = (a: Actor) => (a.kind === 'user' ? `user:${a.user.id}` : a.key);

export function createSmsReplies(d: HttpDeps): (from: string, reading: ResponderReading) => Promise<string | null> {
  const esc = d.escalator.esc;
  const links = d.escalator.links;

  const alias = async (a: AlertRow) => (await d.repos.wearerById(a.wearer_id))?.alias ?? 'the person';
  const place = async (a: AlertRow) => (await d.repos.wearerById(a.wearer_id))?.address?.split(',')[0]?.trim() ?? '';
  const attendingName = async (a: AlertRow) => {
    if (a.attending_responder_id) return (await d.repos.userById(a.attending_responder_id))?.display_name ?? en.responderFallbackName;
    return a.attending_contact ?? en.responderFallbackName;
  };
  /** Who this number was paged as, per alert: open alerts, and alerts resolved since `since` (surveys). */
  const optionsFor = async (from: string, since: number): Promise<Option[]> => {
    const out: Option[] = [];
    for (const r of await esc.pageRecipientsForAddress(from)) {
      const a = await d.repos.alertById(r.alert_id);
      if (!a || !(isOpen(a) || (a.state === 'resolved' && (a.closed_at ?? 0) >= since))) continue;
      let actor: Actor;
      if (r.user_id) {
        const u = await d.repos.userById(r.user_id);
        if (!u || u.service_id !== a.service_id) continue;
        actor = { kind: 'user', user: u };
      } else {
        actor = { kind: 'contact', key: r.target, label: contactLabel(a.chain_snapshot, r.target), phone: from };
      }
      if (!out.some((o) => o.alert.id === a.id && actorKey(o.actor) === actorKey(actor))) out.push({ alert: a, actor, target: r.target });
    }
    return out;
  };

  const codes = (opts: Option[]) => {
    const uniq = [...new Map(opts.map((o) => [o.alert.id, o])).values()];
    return Promise.all(
      uniq.map(async (o) =>
        uniq.length === 1 ? links.replyCode(o.alert.id) : `${links.replyCode(o.alert.id)} for ${await alias(o.alert)}`,
      ),
    ).then((xs) => xs.join(', '));
  };

  /** Numbered choices in one segment: with places if they fit, as many as fit otherwise. */
  const ask = async (from: string, action: Action, opts: Option[]): Promise<string> => {
    const sameAlert = new Set(opts.map((o) => o.alert.id)).size === 1;
    const label = async (o: Option, withPlace: boolean) => {
      const who = o.actor.kind === 'user' ? o.actor.user.display_name : o.actor.label;
      if (sameAlert) return `${await alias(o.alert)} as ${who}`;
      const p = withPlace ? await place(o.alert) : '';
      return p ? `${await alias(o.alert)} (${p})` : await alias(o.alert);
    };
    const list = async (n: number, withPlace: boolean) =>
      (await Promise.all(opts.slice(0, n).map(async (o, i) => `${i + 1} for ${await label(o, withPlace)}`))).join(', ');
    const fits = (s: string) => (gsm7Length(s) ?? Infinity) <= 160;
    let text = en.smsChoose({ choices: await list(opts.length, true) });
    if (!fits(text)) text = en.smsChoose({ choices: await list(opts.length, false) });
    let shown = Math.min(opts.length, 9);
    if (!fits(text) || opts.length > 9) {
      do text = en.smsChooseMore({ choices: await list(shown, false) });
      while (!fits(text) && --shown > 1);
    }
    await esc.setChoice(
      from,
      action,
      opts.slice(0, shown).map((o) => ({ alertId: o.alert.id, actor: actorKey(o.actor) })),
      d.clock.now() + CHOICE_TTL_MS,
    );
    return text;
  };

  const act = async (action: Action, o: Option): Promise<string> => {
    const a = o.alert;
    const name = await alias(a);
    const code = links.replyCode(a.id);
    switch (action) {
      case 'ack': {
        if (o.actor.kind === 'user') {
          const res = await d.alerts.ack(a.id, o.actor.user, 'sms');
          if (res.attending) return en.smsAcked({ alias: name, code });
          return en.smsAlreadyTaken({ alias: name, responder: await attendingName((await d.repos.alertById(a.id))!) });
        }
        const res = await d.alerts.ackByContact(a.id, { key: o.actor.key, label: o.actor.label, phone: o.actor.phone });
        if (res.attending || (res.alert.attending_responder_id === null && res.alert.attending_contact === o.actor.label))
          return en.smsContactAcked({ alias: name });
        return en.smsAlreadyTaken({ alias: name, responder: await attendingName(res.alert) });
      }
      case 'decline':
        await d.alerts.decline(
          a.id,
          {
            target: o.target,
            userId: o.actor.kind === 'user' ? o.actor.user.id : null,
            name: o.actor.kind === 'user' ? o.actor.user.display_name : o.actor.label,
          },
          'sms',
        );
        return en.smsDeclined({ alias: name });
      case 'arrived':
        if (o.actor.kind !== 'user') return en.smsHelp;
        await d.alerts.arrived(a.id, o.actor.user, 'sms');
        return en.smsArrived({ code });
      case 'done':
        if (o.actor.kind !== 'user') return en.smsHelp;
        await d.alerts.resolve(a.id, o.actor.user, null, null, 'sms');
        return en.smsOutcomePrompt({ code });
      default:
        return action satisfies never;
    }
  };

  return async (from, reading) => {
    const { word, code } = reading;
    const now = d.clock.now();

    // The answer to the numbered question this number was just asked.
    if (reading.choice !== null && (await esc.hasChoice(from, now))) {
      const choice = await esc.takeChoice(from, now);
      const picked = choice?.options[reading.choice - 1] as { alertId: string; actor: string } | undefined;
      if (choice && picked) {
        const o = (await optionsFor(from, now)).find(
          (x) => x.alert.id === picked.alertId && actorKey(x.actor) === picked.actor && isOpen(x.alert),
        );
        return o ? act(choice.action as Action, o) : en.smsChoiceGone;
      }
    }

    const all = await optionsFor(from, now - SURVEY_WINDOW_MS);
    const known = all.length > 0 || (await d.repos.userByPhone(from)) !== undefined;
    // A number we never paged and no user has: say nothing (do not confirm the service exists).
    if (!known) return null;
    const scoped = code ? all.filter((o) => links.replyCode(o.alert.id) === code) : all;
    const open = scoped.filter((o) => isOpen(o.alert));
    const attending = (o: Option) => o.actor.kind === 'user' && o.alert.attending_responder_id === o.actor.user.id;
    const surveys = scoped.filter((o) => o.alert.state === 'resolved' && o.alert.outcome === null && attending(o));

    let kind = reading.action;
    // "1" with nothing open to acknowledge may be the first outcome digit of a survey.
    if (kind === 'ack' && word === '1' && open.length === 0 && surveys.length > 0) kind = 'outcome';
    if (code && scoped.length === 0) return kind ? en.smsBadCode : en.smsHelp;

    switch (kind) {
      case 'ack':
      case 'decline':
        if (open.length === 0) return en.smsNoOpenAlert;
        if (open.length === 1) return act(kind, open[0]!);
        return ask(from, kind, open);
      case 'arrived': {
        const mine = open.filter((o) => o.actor.kind === 'user');
        if (mine.length === 0) return en.smsNotAttending;
        if (!code) {
          // Arriving means going: with one alert the bare word acknowledges as "1" would; the arrival needs the code.
          const only = mine.length === 1 ? mine[0]! : undefined;
          if (only && only.actor.kind === 'user' && only.alert.state !== 'acknowledged')
            await d.alerts.ack(only.alert.id, only.actor.user, 'sms');
          return en.smsConfirmCode({ word: 'ARRIVED', codes: await codes(mine) });
        }
        return mine.length === 1 ? act('arrived', mine[0]!) : ask(from, 'arrived', mine);
      }
      case 'done': {
        const mine = open.filter((o) => o.alert.state === 'acknowledged' && attending(o));
        if (mine.length === 0) return en.smsNotAttending;
        if (!code) return en.smsConfirmCode({ word: 'DONE', codes: await codes(mine) });
        return mine.length === 1 ? act('done', mine[0]!) : ask(from, 'done', mine);
      }
      case 'outcome': {
        if (surveys.length === 0) return open.length > 0 ? en.smsHelp : en.smsNoOpenAlert;
        if (!code) return en.smsConfirmCode({ word, codes: await codes(surveys) });
        const o = surveys[0]!;
        if (o.actor.kind === 'user' && (await d.alerts.setOutcome(o.alert.id, o.actor.user, OUTCOME_DIGITS[word]!)))
          return en.smsOutcomeThanks;
        return en.smsNoOpenAlert;
      }
      case null:
        return en.smsHelp;
      default:
        return kind satisfies never;
    }
  };
}

/** The alert closed or is not theirs between lookup and action: a plain answer, not a 4xx Twilio retries. */
export function isGoneError(err: unknown): boolean {
  return err instanceof AppError && (err.code === 'ODART_ERR_ALERT_CLOSED' || err.code === 'ODART_ERR_NOT_FOUND');
}
