// Responder screens: the live alert feed, one alert in detail (who, where, how to get in, why, vitals
// chart, timeline) with the actions Acknowledge / Arrived / Resolve and the emergency call link, and
// the first-aid guide.
import { ApiError, api } from '../api.js';
import { vitalsChart, vitalsSummary } from '../chart.js';
import { fmtElapsed, fmtTime, h } from '../dom.js';
import { OUTCOME_KEYS, t } from '../messages.js';
import type { Alert, AlertContext, AlertDetail, VitalsWindow } from '../types.js';
import { OPEN_STATES } from '../types.js';
import type { Ctx } from './ctx.js';

const byNewest = (a: Alert, b: Alert) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

export function feedView(ctx: Ctx): HTMLElement {
  const list = [...ctx.alerts.values()].sort(byNewest);
  const sec = h('section', { 'aria-labelledby': 'alerts-h' }, h('h2', { id: 'alerts-h' }, t.alertsTitle));
  if (list.length === 0) sec.append(h('p', { id: 'empty', class: 'muted' }, t.noAlerts));
  sec.append(h('ul', { id: 'alert-list', class: 'alerts' }, ...list.map((a) => alertCard(ctx, a))));
  return sec;
}

function attendingLine(ctx: Ctx, a: Alert): HTMLElement | null {
  if (!a.attendingResponderId) return null;
  if (a.attendingResponderId === ctx.me.id) return h('p', { class: 'attending mine' }, OPEN_STATES.has(a.state) ? t.youAreAttending : t.youAttended);
  const who = ctx.name(a.attendingResponderId);
  return h('p', { class: 'attending', 'data-testid': 'taken' }, OPEN_STATES.has(a.state) ? t.taken(who) : t.attended(who));
}

function alertCard(ctx: Ctx, a: Alert): HTMLElement {
  const li = h('li', { class: `alert ${a.state}`, 'data-alert-id': a.id, 'data-state': a.state });
  li.append(
    h('h3', {}, t.alertTitle(a.wearerAlias)),
    h('div', {}, h('span', { class: 'state' }, t.state[a.state] ?? a.state),
      ` · ${t.risk} ${a.score}${a.news2 !== null ? ` · ${t.news2} ${a.news2}` : ''} · ${fmtTime(a.createdAt)}`),
    h('ul', { class: 'reasons' }, ...a.reasons.map((r) => h('li', {}, r))),
  );
  const att = attendingLine(ctx, a);
  if (att) li.append(att);
  const actions = h('div', { class: 'actions' });
  if (a.state === 'pending_checkin' || a.state === 'escalating') actions.append(ackButton(ctx, a.id));
  actions.append(h('a', { class: 'button', href: `#/alerts/${a.id}`, 'data-focus-key': `open-${a.id}` }, t.openAlert, h('span', { class: 'sr-only' }, ` ${a.wearerAlias}`)));
  li.append(actions);
  return li;
}

function ackButton(ctx: Ctx, id: string): HTMLElement {
  const hintId = `ack-hint-${id}`;
  const btn = h('button', { type: 'button', class: 'danger', 'aria-describedby': hintId, 'data-focus-key': `ack-${id}` }, t.acknowledge);
  btn.addEventListener('click', () => {
    btn.disabled = true;
    ctx.alarm.stop(id);
    api<{ alert: Alert }>(`/api/alerts/${encodeURIComponent(id)}/ack`, { method: 'POST', body: {} })
      .then((r) => ctx.upsert(r.alert))
      .catch((err: unknown) => {
        btn.disabled = false;
        ctx.flash(err);
      });
  });
  return h('span', { class: 'ack-wrap' }, btn, h('span', { class: 'hint', id: hintId }, t.acknowledgeHint));
}

// ---- detail -------------------------------------------------------------------------------

export function detailView(ctx: Ctx, id: string): HTMLElement {
  const root = h('section', { class: 'detail', 'aria-labelledby': 'detail-h', 'data-alert-id': id },
    h('p', {}, h('a', { href: '#/' }, `← ${t.back}`)),
    h('h2', { id: 'detail-h' }, t.loading));
  void loadDetail(ctx, id, root);
  return root;
}

async function loadDetail(ctx: Ctx, id: string, root: HTMLElement): Promise<void> {
  let detail: AlertDetail;
  let context: AlertContext;
  try {
    [detail, context] = await Promise.all([
      api<AlertDetail>(`/api/alerts/${encodeURIComponent(id)}`),
      api<AlertContext>(`/api/alerts/${encodeURIComponent(id)}/context`),
    ]);
  } catch (err) {
    root.querySelector('h2')!.textContent = err instanceof ApiError ? err.message : t.errorGeneric;
    return;
  }
  ctx.upsert(detail, false);
  const a = detail;
  const open = OPEN_STATES.has(a.state);
  const onset = Date.parse(context.onsetAt);
  // Server time can differ from the phone's: count from the server's "now" at load.
  const skew = Date.parse(context.now) - Date.now();
  const elapsed = h('span', { id: 'elapsed' }, fmtElapsed(Date.now() + skew - onset));
  ctx.every(() => {
    elapsed.textContent = fmtElapsed(Date.now() + skew - onset);
  }, 1000);

  const title = root.querySelector('h2')!;
  title.textContent = t.alertTitle(a.wearerAlias);
  root.dataset.state = a.state;
  const status = h('p', {}, h('span', { class: `badge ${a.state}` }, t.state[a.state] ?? a.state));
  const att = attendingLine(ctx, a);

  const actions = h('div', { class: 'actions big', role: 'group', 'aria-label': t.actions });
  if (a.state === 'pending_checkin' || a.state === 'escalating') actions.append(ackButton(ctx, a.id));
  const arrivedDone = detail.timeline.some((e) => e.type === 'arrived' && e.by === ctx.me.id);
  if (a.state === 'acknowledged' && !arrivedDone) {
    const arrived = h('button', { type: 'button', class: 'primary', 'data-focus-key': `arrived-${a.id}` }, t.arrived);
    arrived.addEventListener('click', () => {
      arrived.disabled = true;
      api<unknown>(`/api/alerts/${encodeURIComponent(a.id)}/arrived`, { method: 'POST', body: {} })
        .then(() => ctx.refresh())
        .catch((err: unknown) => {
          arrived.disabled = false;
          ctx.flash(err);
        });
    });
    actions.append(arrived);
  }
  if (open) {
    const resolveBtn = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'resolve-form' }, t.resolve);
    const form = resolveForm(ctx, a.id);
    form.hidden = true;
    resolveBtn.addEventListener('click', () => {
      form.hidden = !form.hidden;
      resolveBtn.setAttribute('aria-expanded', String(!form.hidden));
      if (!form.hidden) form.querySelector('input')?.focus();
    });
    actions.append(resolveBtn);
    root.append(status, ...(att ? [att] : []), actions, form);
  } else {
    root.append(status, ...(att ? [att] : []));
    if (a.outcome) root.append(h('p', {}, `${t.colOutcome}: ${t.outcomes[a.outcome as keyof typeof t.outcomes] ?? a.outcome}`));
  }

  root.append(
    h('p', { class: 'call' },
      h('a', { class: 'button call-link', href: `tel:${context.emergencyNumber.replace(/[^0-9+]/g, '')}` }, t.call(context.emergencyNumber)),
      h('span', { class: 'hint' }, ` ${t.callHint}`)),
    h('dl', { class: 'facts' },
      h('dt', {}, t.address), h('dd', { id: 'address' }, context.wearer.address ?? t.none),
      h('dt', {}, t.accessNotes), h('dd', { id: 'access' }, context.wearer.accessNotes ?? t.none),
      h('dt', {}, t.room), h('dd', { id: 'room' }, context.room ?? t.roomUnknown),
      h('dt', {}, t.sinceOnset), h('dd', {}, elapsed),
      h('dt', {}, t.news2), h('dd', {}, a.news2 === null ? t.none : `${a.news2} (${t.news2Hint})`),
      h('dt', {}, t.reasons), h('dd', {}, h('ul', { class: 'reasons' }, ...a.reasons.map((r) => h('li', {}, r))))),
  );

  const chartBox = h('section', { class: 'chart-box', 'aria-labelledby': 'chart-h' }, h('h3', { id: 'chart-h' }, t.vitalsTitle), h('p', { class: 'muted' }, t.loading));
  root.append(chartBox);
  api<VitalsWindow>(`/api/alerts/${encodeURIComponent(a.id)}/vitals`).then((v) => {
    chartBox.querySelector('p')!.remove();
    if (v.vitals.length === 0) chartBox.append(h('p', { class: 'muted' }, t.vitalsNone));
    else chartBox.append(vitalsChart(v), h('p', { class: 'muted', id: 'vitals-summary' }, vitalsSummary(v)));
    chartBox.dataset.points = String(v.vitals.length);
  }, (err: unknown) => {
    chartBox.querySelector('p')!.textContent = err instanceof Error ? err.message : t.errorGeneric;
  });

  root.append(
    h('details', { class: 'guide-inline' }, h('summary', {}, t.guideTitle), guideBody()),
    h('section', { 'aria-labelledby': 'tl-h' }, h('h3', { id: 'tl-h' }, t.timeline),
      h('ol', { class: 'timeline', id: 'timeline' }, ...detail.timeline.map((e) =>
        h('li', { 'data-type': e.type }, h('time', { datetime: e.at }, fmtTime(e.at)), ' ', t.timelineText(e.type, e, (uid) => ctx.name(uid)))))),
  );
}

function resolveForm(ctx: Ctx, id: string): HTMLFormElement {
  const note = h('textarea', { id: 'resolve-note', rows: 2, maxlength: 2000 });
  const form = h('form', { id: 'resolve-form', class: 'resolve' },
    h('fieldset', {}, h('legend', {}, t.outcomeLegend),
      ...OUTCOME_KEYS.map((k) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'outcome', value: k, required: true }), ` ${t.outcomes[k]}`))),
    h('label', { for: 'resolve-note' }, t.note), note,
    h('button', { type: 'submit', class: 'primary' }, t.saveOutcome));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const chosen = form.querySelector<HTMLInputElement>('input[name=outcome]:checked');
    if (!chosen) {
      form.querySelector<HTMLInputElement>('input[name=outcome]')?.focus();
      return;
    }
    const submit = form.querySelector('button')!;
    submit.disabled = true;
    api<Alert>(`/api/alerts/${encodeURIComponent(id)}/resolve`, { method: 'POST', body: { outcome: chosen.value, ...(note.value.trim() ? { note: note.value.trim() } : {}) } })
      .then((al) => {
        ctx.alarm.stop(id);
        ctx.upsert(al);
      })
      .catch((err: unknown) => {
        submit.disabled = false;
        ctx.flash(err);
      });
  });
  return form;
}

// ---- first aid ----------------------------------------------------------------------------

function guideBody(): HTMLElement {
  return h('div', { class: 'guide' },
    h('h4', {}, t.guideNaloxoneTitle), h('ol', {}, ...t.guideNaloxone.map((x) => h('li', {}, x))),
    h('h4', {}, t.guideRecoveryTitle), h('ol', {}, ...t.guideRecovery.map((x) => h('li', {}, x))),
    h('p', { class: 'muted' }, t.guideNote));
}

export function guideView(): HTMLElement {
  return h('section', { 'aria-labelledby': 'guide-h' }, h('h2', { id: 'guide-h' }, t.guideTitle), guideBody());
}
