// Responder screens: the live alert feed; the alarm screen of one alert (where to go, how to get in,
// I'm going / I can't go, the calls, the escalation clock, then why, vitals, first aid and timeline);
// and the first-aid guide. After each action focus moves to the next step and the result is announced.
import { ApiError, api } from '../api.js';
import { vitalsChart, vitalsSummary } from '../chart.js';
import { fmtCountdown, fmtElapsed, fmtTime, h } from '../dom.js';
import { OUTCOME_KEYS, t } from '../messages.js';
import type { Alert, AlertContext, AlertDetail, Escalation, VitalsWindow } from '../types.js';
import { OPEN_STATES } from '../types.js';
import type { Ctx } from './ctx.js';
import { testPageSection } from './test-page.js';

const byNewest = (a: Alert, b: Alert) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
const enc = encodeURIComponent;

export function feedView(ctx: Ctx): HTMLElement {
  const list = [...ctx.alerts.values()].sort(byNewest);
  const sec = h('section', { 'aria-labelledby': 'alerts-h' }, h('h2', { id: 'alerts-h' }, t.alertsTitle));
  if (list.length === 0) sec.append(h('p', { id: 'empty', class: 'muted' }, t.noAlerts));
  else sec.append(h('ul', { id: 'alert-list', class: 'alerts' }, ...list.map((a) => alertCard(ctx, a))));
  return h('div', {}, sec, testPageSection());
}

function attendingLine(ctx: Ctx, a: Alert): HTMLElement | null {
  if (!a.attendingResponderId) {
    if (a.attendingContact)
      return h(
        'p',
        { class: 'attending', 'data-testid': 'taken' },
        OPEN_STATES.has(a.state) ? t.taken(a.attendingContact) : t.attended(a.attendingContact),
      );
    return null;
  }
  if (a.attendingResponderId === ctx.me.id)
    return h('p', { class: 'attending mine' }, OPEN_STATES.has(a.state) ? t.youAreAttending : t.youAttended);
  const who = ctx.name(a.attendingResponderId);
  return h('p', { class: 'attending', 'data-testid': 'taken' }, OPEN_STATES.has(a.state) ? t.taken(who) : t.attended(who));
}

function alertCard(ctx: Ctx, a: Alert): HTMLElement {
  const li = h('li', { class: `alert ${a.state}`, 'data-alert-id': a.id, 'data-state': a.state });
  li.append(
    h('h3', {}, t.alertTitle(a.wearerAlias)),
    h(
      'div',
      {},
      h('span', { class: 'state' }, t.state[a.state] ?? a.state),
      ` · ${t.risk} ${a.score}${a.news2 !== null ? ` · ${t.news2} ${a.news2}` : ''} · ${fmtTime(a.createdAt)}`,
    ),
    h('ul', { class: 'reasons' }, ...a.reasons.map((r) => h('li', {}, r))),
  );
  const att = attendingLine(ctx, a);
  if (att) li.append(att);
  const actions = h('div', { class: 'actions' });
  if (a.state === 'pending_checkin' || a.state === 'escalating') actions.append(ackButton(ctx, a.id, `card-${a.id}`));
  actions.append(
    h(
      'a',
      { class: 'button', href: `#/alerts/${a.id}`, 'data-focus-key': `open-${a.id}` },
      t.openAlert,
      h('span', { class: 'sr-only' }, ` ${a.wearerAlias}`),
    ),
  );
  li.append(actions);
  return li;
}

function ackButton(ctx: Ctx, id: string, place: string): HTMLElement {
  const hintId = `ack-hint-${place}`;
  const btn = h('button', { type: 'button', class: 'danger', 'aria-describedby': hintId, 'data-focus-key': `ack-${place}` }, t.acknowledge);
  // "I have naloxone" goes with the acknowledgement (the others see it on the timeline).
  const kit = h('input', { type: 'checkbox', id: `naloxone-${place}-${id}`, class: 'naloxone' });
  btn.addEventListener('click', () => {
    btn.disabled = true;
    ctx.alarm.stop(id);
    api<{ alert: Alert; attending: boolean }>(`/api/alerts/${enc(id)}/ack`, { method: 'POST', body: kit.checked ? { naloxone: true } : {} })
      .then((r) => {
        if (r.attending) {
          ctx.announce(t.announceAcked);
          // The next step: Arrived on the alarm screen (the feed has no Arrived: its Open link then).
          ctx.focusNext(place === 'detail' ? `arrived-${id}` : `open-${id}`);
        } else {
          ctx.announce(
            t.announceAckedOther(
              r.alert.attendingResponderId ? ctx.name(r.alert.attendingResponderId) : (r.alert.attendingContact ?? t.someone),
            ),
          );
          ctx.focusNext(place === 'detail' ? 'detail-h' : `open-${id}`);
        }
        ctx.upsert(r.alert);
      })
      .catch((err: unknown) => {
        btn.disabled = false;
        ctx.flash(err);
      });
  });
  return h(
    'span',
    { class: 'ack-wrap' },
    btn,
    h('span', { class: 'hint', id: hintId }, t.acknowledgeHint),
    h('label', { class: 'check naloxone-check', for: kit.id }, kit, ` ${t.haveNaloxone}`),
  );
}

/** The nearest naloxone kits to the home (distance, access, directions) and who carries one. */
function naloxoneSection(context: AlertContext): HTMLElement {
  const kits = context.nearestKits ?? [];
  const carriers = context.kitCarriers ?? [];
  return h(
    'section',
    { class: 'naloxone', 'aria-labelledby': 'naloxone-h' },
    h('h3', { id: 'naloxone-h' }, t.naloxoneTitle),
    carriers.length ? h('p', { id: 'kit-carriers' }, t.naloxoneCarriers(carriers.map((c) => c.name).join(', '))) : null,
    !context.located
      ? h('p', { class: 'muted', id: 'kits-unlocated' }, t.naloxoneNotLocated)
      : kits.length === 0
        ? h('p', { class: 'muted' }, t.naloxoneNone)
        : h(
            'ol',
            { class: 'kits', id: 'nearest-kits' },
            ...kits.map((k) =>
              h(
                'li',
                {},
                h('strong', {}, k.name),
                ` · ${t.distance(k.distanceM)} · ${t.kitHolders[k.holder] ?? k.holder}`,
                k.address ? h('br') : null,
                k.address ?? '',
                k.accessNotes ? h('span', { class: 'hint' }, ` ${k.accessNotes}`) : null,
                ' ',
                h(
                  'a',
                  { class: 'button directions', href: k.directions },
                  t.naloxoneDirections,
                  h('span', { class: 'sr-only' }, ` ${k.name}`),
                ),
              ),
            ),
          ),
  );
}

/**
 * "I can't go": POST /api/alerts/:id/decline; the chain moves on, this phone stops ringing. Also offered
 * to the one going (`attending`), so a responder who cannot make it after all hands the alert back at
 * once instead of leaving it to the arrival timer.
 */
function declineButton(ctx: Ctx, id: string, attending = false): HTMLElement {
  const btn = h('button', { type: 'button', 'aria-describedby': 'decline-hint', 'data-focus-key': `decline-${id}` }, t.decline);
  btn.addEventListener('click', () => {
    btn.disabled = true;
    api<Alert | { alert: Alert }>(`/api/alerts/${enc(id)}/decline`, { method: 'POST', body: {} })
      .then((r) => {
        // Only once the server has it: until then the chain still counts on us, so the alarm goes on.
        ctx.declined.add(id);
        ctx.alarm.stop(id);
        ctx.announce(t.youDeclined);
        ctx.focusNext('detail-h');
        ctx.upsert('alert' in r ? r.alert : r);
      })
      .catch((err: unknown) => {
        btn.disabled = false;
        ctx.flash(err);
      });
  });
  return h(
    'span',
    { class: 'ack-wrap' },
    btn,
    h('span', { class: 'hint', id: 'decline-hint' }, attending ? t.declineAttendingHint : t.declineHint),
  );
}

// ---- the alarm screen (one alert) ---------------------------------------------------------

interface DetailRoot extends HTMLElement {
  dataset: DOMStringMap & { alertId: string };
}
const loads = new WeakMap<HTMLElement, number>();

export function detailView(ctx: Ctx, id: string): HTMLElement {
  const root = h(
    'section',
    { class: 'detail', 'aria-labelledby': 'detail-h', 'data-alert-id': id },
    h('p', { class: 'back-row' }, h('a', { class: 'back', href: '#/' }, `← ${t.back}`)),
    h('h2', { id: 'detail-h', tabindex: -1 }, t.loading),
  );
  void loadDetail(ctx, id, root);
  return root;
}

export function isDetailOf(el: HTMLElement, id: string): boolean {
  return el.classList.contains('detail') && (el as DetailRoot).dataset.alertId === id;
}

/** Rebuilds an alert screen in place from fresh data (live event, after an action). */
export function reloadDetail(ctx: Ctx, root: HTMLElement): void {
  void loadDetail(ctx, (root as DetailRoot).dataset.alertId, root);
}

async function loadDetail(ctx: Ctx, id: string, root: HTMLElement): Promise<void> {
  const seq = (loads.get(root) ?? 0) + 1;
  loads.set(root, seq);
  let detail: AlertDetail;
  let context: AlertContext;
  try {
    [detail, context] = await Promise.all([
      api<AlertDetail>(`/api/alerts/${enc(id)}`),
      api<AlertContext>(`/api/alerts/${enc(id)}/context`),
    ]);
  } catch (err) {
    if (loads.get(root) !== seq) return;
    root.querySelector('h2')!.textContent = err instanceof ApiError ? err.message : t.errorGeneric;
    return;
  }
  // A newer load started meanwhile (live events in quick succession): only the last one draws.
  if (loads.get(root) !== seq) return;
  ctx.upsert(detail, false);
  const previousFocus = (document.activeElement as HTMLElement | null)?.dataset?.focusKey;
  root.replaceChildren(...buildDetail(ctx, detail, context, root));
  ctx.restoreFocus(root, previousFocus);
}

function buildDetail(ctx: Ctx, a: AlertDetail, context: AlertContext, root: HTMLElement): Node[] {
  const open = OPEN_STATES.has(a.state);
  // Server time can differ from the phone's: count from the server's "now" at load.
  const skew = Date.parse(context.now) - Date.now();
  const serverNow = () => Date.now() + skew;
  const onset = Date.parse(context.onsetAt);
  const elapsed = h('span', { id: 'elapsed' }, fmtElapsed(serverNow() - onset));
  root.dataset.state = a.state;

  const title = h('h2', { id: 'detail-h', tabindex: -1, 'data-focus-key': 'detail-h' }, t.alertTitle(a.wearerAlias));
  const status = h(
    'p',
    { class: 'status-line' },
    h('span', { class: `badge ${a.state}` }, t.state[a.state] ?? a.state),
    ` ${t.sinceOnset}: `,
    elapsed,
  );
  const clock = a.escalation && open ? h('p', { class: 'clock', id: 'escalation-clock' }) : null;
  const updateClock = () => {
    if (clock && a.escalation) clock.textContent = clockText(ctx, a, a.escalation, serverNow());
  };
  updateClock();
  let refetched = false;
  ctx.every(() => {
    elapsed.textContent = fmtElapsed(serverNow() - onset);
    updateClock();
    // The next step is due: the server pages it on its own; fetch the new state once.
    const next = a.escalation?.nextAt ? Date.parse(a.escalation.nextAt) : null;
    if (!refetched && next !== null && serverNow() > next + 1500) {
      refetched = true;
      ctx.refresh();
    }
  }, 1000);

  const out: Node[] = [h('p', { class: 'back-row' }, h('a', { class: 'back', href: '#/' }, `← ${t.back}`)), title, status];
  if (clock) out.push(clock);
  const att = attendingLine(ctx, a);
  if (att) out.push(att);
  // From the timeline too, so it holds after a reload and for a decline made by SMS or the page link.
  const iDeclined = ctx.declined.has(a.id) || a.timeline.some((e) => e.type === 'declined' && e.by === `responder:${ctx.me.id}`);
  if (iDeclined && a.state === 'escalating') out.push(h('p', { class: 'attending' }, t.youDeclined));

  // What to do, first: go (or not), then the calls.
  const arrivedDone = a.timeline.some((e) => e.type === 'arrived' && e.by === ctx.me.id);
  const actions = h('div', { class: 'actions big', role: 'group', 'aria-label': t.actions });
  if (a.state === 'pending_checkin' || a.state === 'escalating') {
    actions.append(ackButton(ctx, a.id, 'detail'));
    if (a.state === 'escalating' && !iDeclined) actions.append(declineButton(ctx, a.id));
  }
  if (a.state === 'acknowledged' && !arrivedDone) actions.append(arrivedButton(ctx, a.id));
  if (a.state === 'acknowledged' && !a.arrivedAt && a.attendingResponderId === ctx.me.id) actions.append(declineButton(ctx, a.id, true));
  // Resolve sits with the actions once someone is going; before that it is out of the way (below).
  const resolveHere = a.state === 'acknowledged';
  let resolveBlock: HTMLElement[] = [];
  if (open) resolveBlock = resolveControls(ctx, a.id);
  if (open && resolveHere) actions.append(resolveBlock[0]!);
  if (actions.childElementCount > 0) out.push(actions);
  if (open && resolveHere) out.push(resolveBlock[1]!);
  if (!open && a.outcome) out.push(h('p', {}, `${t.colOutcome}: ${t.outcomes[a.outcome as keyof typeof t.outcomes] ?? a.outcome}`));

  const calls = h(
    'div',
    { class: 'calls' },
    h('a', { class: 'button call-link', href: `tel:${telDigits(context.emergencyNumber)}` }, t.call(context.emergencyNumber)),
  );
  if (context.servicePhone) {
    calls.append(
      h(
        'a',
        { class: 'button call-service', href: `tel:${telDigits(context.servicePhone)}`, 'aria-describedby': 'call-service-hint' },
        t.callService(context.serviceName),
      ),
    );
  }
  out.push(
    calls,
    h('p', { class: 'hint' }, t.callHint, context.servicePhone ? h('span', { id: 'call-service-hint' }, ` ${t.callServiceHint}`) : null),
  );

  // Where to go and how to get in.
  const address = context.wearer.address;
  out.push(
    h(
      'section',
      { class: 'where', 'aria-labelledby': 'where-h' },
      h('h3', { id: 'where-h' }, t.whereTitle),
      address
        ? h(
            'a',
            { class: 'button maps', href: mapsUrl(address), target: '_blank', rel: 'noopener' },
            h('span', { id: 'address' }, address),
            h('span', { class: 'maps-hint' }, t.openInMaps),
          )
        : h('p', { id: 'address' }, t.none),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t.accessNotes),
        h('dd', { id: 'access' }, context.wearer.accessNotes ?? t.none),
        h('dt', {}, t.room),
        h('dd', { id: 'room' }, context.room ?? t.roomUnknown),
      ),
    ),
  );
  out.push(naloxoneSection(context));

  out.push(
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t.news2),
      h('dd', {}, a.news2 === null ? t.none : `${a.news2} (${t.news2Hint})`),
      h('dt', {}, t.reasons),
      h('dd', {}, h('ul', { class: 'reasons' }, ...a.reasons.map((r) => h('li', {}, r)))),
    ),
  );

  const chartBox = h(
    'section',
    { class: 'chart-box', 'aria-labelledby': 'chart-h' },
    h('h3', { id: 'chart-h' }, t.vitalsTitle),
    h('p', { class: 'muted' }, t.loading),
  );
  out.push(chartBox);
  api<VitalsWindow>(`/api/alerts/${enc(a.id)}/vitals`).then(
    (v) => {
      chartBox.querySelector('p')!.remove();
      if (v.vitals.length === 0) chartBox.append(h('p', { class: 'muted' }, t.vitalsNone));
      else chartBox.append(vitalsChart(v), h('p', { class: 'muted', id: 'vitals-summary' }, vitalsSummary(v)));
      chartBox.dataset.points = String(v.vitals.length);
    },
    (err: unknown) => {
      chartBox.querySelector('p')!.textContent = err instanceof Error ? err.message : t.errorGeneric;
    },
  );

  out.push(
    h('details', { class: 'guide-inline' }, h('summary', {}, t.guideTitle), guideBody(4)),
    h(
      'section',
      { 'aria-labelledby': 'tl-h' },
      h('h3', { id: 'tl-h' }, t.timeline),
      h(
        'ol',
        { class: 'timeline', id: 'timeline' },
        ...a.timeline.map((e) =>
          h(
            'li',
            { 'data-type': e.type },
            h('time', { datetime: e.at }, fmtTime(e.at)),
            ' ',
            t.timelineText(e.type, e, (uid) => ctx.name(uid)),
          ),
        ),
      ),
    ),
  );
  if (open && !resolveHere) {
    out.push(
      h(
        'section',
        { class: 'close-alert', 'aria-labelledby': 'close-h' },
        h('h3', { id: 'close-h' }, t.closeTitle),
        h('p', { class: 'hint' }, t.closeHint),
        ...resolveBlock,
      ),
    );
  }
  return out;
}

function clockText(ctx: Ctx, a: Alert, e: Escalation, now: number): string {
  const step = e.steps > 0 ? `${t.clockStep(e.step + 1, e.steps)} ` : '';
  switch (a.state) {
    case 'pending_checkin':
      return e.next.length ? t.clockCheckin(e.next) : '';
    case 'escalating': {
      if (e.exhausted) return `${step}${t.clockExhausted}`;
      if (e.nextAt && e.next.length) {
        const left = Date.parse(e.nextAt) - now;
        return `${step}${left > 0 ? t.clockNext(e.next, fmtCountdown(left)) : t.clockNextNow(e.next)}`;
      }
      return `${step}${t.clockLast}`;
    }
    case 'acknowledged': {
      if (a.arrivedAt) return t.clockArrived;
      if (!e.ackTimeoutAt) return '';
      const left = fmtCountdown(Date.parse(e.ackTimeoutAt) - now);
      if (a.attendingResponderId === ctx.me.id) return t.clockAckMine(left);
      return t.clockAckOther(a.attendingResponderId ? ctx.name(a.attendingResponderId) : (a.attendingContact ?? t.someone), left);
    }
    default:
      return '';
  }
}

function arrivedButton(ctx: Ctx, id: string): HTMLElement {
  const arrived = h('button', { type: 'button', class: 'primary', 'data-focus-key': `arrived-${id}` }, t.arrived);
  arrived.addEventListener('click', () => {
    arrived.disabled = true;
    api<unknown>(`/api/alerts/${enc(id)}/arrived`, { method: 'POST', body: {} })
      .then(() => {
        ctx.announce(t.announceArrived);
        ctx.focusNext(`resolve-${id}`);
        ctx.refresh();
      })
      .catch((err: unknown) => {
        arrived.disabled = false;
        ctx.flash(err);
      });
  });
  return arrived;
}

/** The Resolve toggle and its form: [button, form]. */
function resolveControls(ctx: Ctx, id: string): [HTMLElement, HTMLFormElement] {
  const resolveBtn = h(
    'button',
    { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'resolve-form', 'data-focus-key': `resolve-${id}` },
    t.resolve,
  );
  const form = resolveForm(ctx, id);
  form.hidden = true;
  resolveBtn.addEventListener('click', () => {
    form.hidden = !form.hidden;
    resolveBtn.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) form.querySelector('input')?.focus();
  });
  return [resolveBtn, form];
}

function resolveForm(ctx: Ctx, id: string): HTMLFormElement {
  const note = h('textarea', { id: 'resolve-note', rows: 2, maxlength: 2000 });
  const form = h(
    'form',
    { id: 'resolve-form', class: 'resolve' },
    h(
      'fieldset',
      {},
      h('legend', {}, t.outcomeLegend),
      ...OUTCOME_KEYS.map((k) =>
        h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'outcome', value: k, required: true }), ` ${t.outcomes[k]}`),
      ),
    ),
    h('label', { for: 'resolve-note' }, t.note),
    note,
    h('button', { type: 'submit', class: 'primary' }, t.saveOutcome),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const chosen = form.querySelector<HTMLInputElement>('input[name=outcome]:checked');
    if (!chosen) {
      form.querySelector<HTMLInputElement>('input[name=outcome]')?.focus();
      return;
    }
    const submit = form.querySelector('button')!;
    submit.disabled = true;
    api<Alert>(`/api/alerts/${enc(id)}/resolve`, {
      method: 'POST',
      body: { outcome: chosen.value, ...(note.value.trim() ? { note: note.value.trim() } : {}) },
    })
      .then((al) => {
        ctx.alarm.stop(id);
        ctx.announce(t.announceResolved(t.outcomes[chosen.value as keyof typeof t.outcomes] ?? chosen.value));
        ctx.focusNext('detail-h');
        ctx.upsert(al);
      })
      .catch((err: unknown) => {
        submit.disabled = false;
        ctx.flash(err);
      });
  });
  return form;
}

const telDigits = (n: string) => n.replace(/[^0-9+]/g, '');
/** A maps search link: opens the maps app on phones, the maps site elsewhere. */
const mapsUrl = (address: string) => `https://www.google.com/maps/search/?api=1&query=${enc(address)}`;

// ---- first aid ----------------------------------------------------------------------------

function guideBody(level: 3 | 4): HTMLElement {
  const hx = level === 3 ? 'h3' : 'h4';
  return h(
    'div',
    { class: 'guide' },
    h(hx, {}, t.guideNaloxoneTitle),
    h('ol', {}, ...t.guideNaloxone.map((x) => h('li', {}, x))),
    h(hx, {}, t.guideRecoveryTitle),
    h('ol', {}, ...t.guideRecovery.map((x) => h('li', {}, x))),
    h('p', { class: 'muted' }, t.guideNote),
  );
}

export function guideView(): HTMLElement {
  return h('section', { 'aria-labelledby': 'guide-h' }, h('h2', { id: 'guide-h' }, t.guideTitle), guideBody(3));
}
