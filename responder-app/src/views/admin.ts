// Service console (admin role): dashboard, people monitored (enrol, consent, pause, export, delete),
// devices (register with a one-time secret, rotate, room), responders and groups, call-chain editor,
// alert history with CSV export. APIs another branch adds (chains, groups) degrade to their error.
import { ApiError, api } from '../api.js';
import { field, fmtDateTime, h, s } from '../dom.js';
import { t } from '../messages.js';
import type { Ctx } from './ctx.js';

interface Wearer {
  id: string; alias: string; address: string | null; accessNotes: string | null; phone: string | null;
  emergencyContactPhone: string | null; chainId: string | null; consent: string; responderIds: string[];
}
interface Device { id: string; kind: string; wearerId: string | null; online: boolean; battery: number | null; lastSeenAt: string | null; room?: string | null }
interface UserRow { id: string; username: string; role: string; displayName: string; phone: string | null; onDuty: boolean; disabled?: boolean }
interface Group { id: string; name: string; memberIds: string[] }
interface Chain { id: string; name: string; definition: ChainDef }
interface Target { type: string; id?: string; phone?: string; label?: string }
interface Step { targets: Target[]; channels: string[]; waitS: number; [k: string]: unknown }
interface ChainDef { steps: Step[]; [k: string]: unknown }
interface Consent { state: string; version: string | null; changedAt: string | null; pausedUntil: string | null; events: { at: string; type: string; via: string }[] }
interface HistoryRow {
  id: string; wearerAlias: string; state: string; outcome: string | null; createdAt: string; secondsToAcknowledge: number | null;
  secondsToArrive: number | null; attending: string | null;
}
interface Stats {
  weeks: { weekStart: string; alerts: number }[]; totalAlerts: number; medianSecondsToAcknowledge: number | null;
  medianSecondsToArrive: number | null; falseAlarmShare: number | null;
}

const enc = encodeURIComponent;
const errText = (err: unknown) => (err instanceof ApiError ? err.message : t.errorGeneric);

function nav(current: string): HTMLElement {
  const items: [string, string][] = [
    ['#/admin', t.navDashboard], ['#/admin/wearers', t.navWearers], ['#/admin/devices', t.navDevices],
    ['#/admin/people', t.navPeople], ['#/admin/chains', t.navChains], ['#/admin/alerts', t.navHistory],
    ['#/admin/service', t.navService],
  ];
  return h('nav', { class: 'subnav', 'aria-label': t.navConsole },
    h('ul', {}, ...items.map(([href, label]) => h('li', {}, h('a', { href, ...(href === current ? { 'aria-current': 'page' } : {}) }, label)))));
}

function page(current: string, title: string, ...body: (Node | null)[]): HTMLElement {
  return h('section', { class: 'console', 'aria-labelledby': 'page-h' }, nav(current), h('h2', { id: 'page-h' }, title), ...body);
}

/** Fills `box` with the result of `load`, or the API's error (e.g. a route another branch adds). */
function async<T>(box: HTMLElement, load: () => Promise<T>, render: (v: T) => Node | Node[]): HTMLElement {
  box.replaceChildren(h('p', { class: 'muted' }, t.loading));
  load().then((v) => {
    const out = render(v);
    box.replaceChildren(...(Array.isArray(out) ? out : [out]));
  }, (err: unknown) => {
    box.replaceChildren(h('p', { class: 'error', role: 'alert' }, err instanceof ApiError && err.status === 404 && err.code === 'ODART_ERR_NOT_FOUND' ? t.notAvailable(err.message) : errText(err)));
  });
  return box;
}

function table(head: string[], rows: (Node | string)[][], caption?: string): HTMLElement {
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption ?? head.join(', ') },
    h('table', {}, caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, ...head.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c)))))));
}

const input = (attrs: Record<string, string | number | boolean | null | undefined> = {}) => h('input', attrs);

// ---- dashboard ----------------------------------------------------------------------------

export function dashboardView(ctx: Ctx): HTMLElement {
  const stats = h('div');
  async(stats, () => api<Stats>('/api/admin/stats'), (st) => [
    h('div', { class: 'stats' },
      stat(t.statAlerts, String(st.totalAlerts), 'stat-alerts'),
      stat(t.statMedianAck, t.seconds(st.medianSecondsToAcknowledge), 'stat-ack'),
      stat(t.statMedianArrive, t.seconds(st.medianSecondsToArrive), 'stat-arrive'),
      stat(t.statFalseAlarms, t.percent(st.falseAlarmShare), 'stat-false')),
    h('h3', {}, t.perWeekTitle), weekChart(st.weeks),
  ]);
  const notices = h('ul', { class: 'notices', id: 'notices', 'aria-live': 'polite' },
    ...(ctx.notices.length === 0 ? [h('li', { class: 'muted' }, t.noNotices)] : ctx.notices.map((n) => h('li', { class: n.kind }, h('time', { datetime: n.at }, fmtDateTime(n.at)), ` ${n.text}`))));
  return page('#/admin', t.dashboardTitle, stats, h('h3', {}, t.notices), notices);
}

function stat(label: string, value: string, id: string): HTMLElement {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-value', id }, value), h('div', { class: 'stat-label' }, label));
}

function weekChart(weeks: Stats['weeks']): SVGSVGElement {
  const W = 320;
  const H = 120;
  const max = Math.max(1, ...weeks.map((w) => w.alerts));
  const bw = W / Math.max(1, weeks.length);
  const TOP = 12;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H + TOP + 16}`, class: 'chart weeks', role: 'img', 'aria-label': t.perWeekTitle });
  weeks.forEach((w, i) => {
    const bh = (w.alerts / max) * H;
    const bar = s('rect', { x: i * bw + 2, y: TOP + H - bh, width: bw - 4, height: Math.max(bh, 0.5), class: 'bar' });
    bar.append(s('title', {}, t.perWeekLabel(w.weekStart, w.alerts)));
    svg.append(bar);
    if (w.alerts > 0) svg.append(s('text', { x: i * bw + bw / 2, y: TOP + H - bh - 2, 'text-anchor': 'middle', class: 'chart-tick' }, String(w.alerts)));
  });
  svg.append(
    s('text', { x: 0, y: TOP + H + 13, class: 'chart-tick' }, weeks[0]?.weekStart.slice(5) ?? ''),
    s('text', { x: W, y: TOP + H + 13, class: 'chart-tick', 'text-anchor': 'end' }, weeks.at(-1)?.weekStart.slice(5) ?? ''),
  );
  return svg;
}

// ---- people monitored ---------------------------------------------------------------------

export function wearersView(ctx: Ctx): HTMLElement {
  const list = h('div');
  async(list, () => Promise.all([api<Wearer[]>('/api/admin/wearers'), api<Device[]>('/api/admin/devices')]), ([ws, ds]) =>
    table([t.alias, t.consent, t.devices, t.responders], ws.map((w) => [
      h('a', { href: `#/admin/wearers/${enc(w.id)}` }, w.alias),
      h('span', { class: `badge consent-${w.consent}` }, t.consentState[w.consent] ?? w.consent),
      String(ds.filter((d) => d.wearerId === w.id).length),
      w.responderIds.map((id) => ctx.name(id)).join(', ') || t.none,
    ]), t.wearersTitle));
  const form = wearerForm(ctx, null, (w) => {
    location.hash = `#/admin/wearers/${enc(w.id)}`;
  });
  return page('#/admin/wearers', t.wearersTitle, list, h('h3', {}, t.enrolTitle), form);
}

function wearerForm(ctx: Ctx, w: Wearer | null, done: (w: Wearer) => void): HTMLElement {
  const alias = input({ required: true, maxlength: 60, value: w?.alias ?? '', autocomplete: 'off' });
  const address = h('textarea', { rows: 2, maxlength: 300 }, w?.address ?? '');
  const access = h('textarea', { rows: 2, maxlength: 1000 }, w?.accessNotes ?? '');
  const phone = input({ type: 'tel', value: w?.phone ?? '', autocomplete: 'off' });
  const ecp = input({ type: 'tel', value: w?.emergencyContactPhone ?? '', autocomplete: 'off' });
  const chain = h('select', {}, h('option', { value: '' }, t.noChain));
  const responders = h('fieldset', { class: 'checks' }, h('legend', {}, t.responders));
  const status = h('p', { role: 'status', class: 'status' });
  const form = h('form', { class: 'stack' },
    field(t.alias, alias, t.aliasHint), field(t.address, address), field(t.accessNotes, access),
    field(t.phone, phone, t.phoneHint), field(t.emergencyContact, ecp, t.phoneHint), field(t.chain, chain), responders,
    h('button', { type: 'submit', class: 'primary' }, w ? t.save : t.enrol), status);
  api<Chain[]>('/api/admin/chains').then((cs) => {
    for (const c of cs) chain.append(h('option', { value: c.id, selected: c.id === w?.chainId }, c.name));
  }, () => {
    // chains API not on this server yet: keep the current assignment selectable
    if (w?.chainId) chain.append(h('option', { value: w.chainId, selected: true }, w.chainId));
  });
  api<UserRow[]>('/api/admin/users').then((us) => {
    for (const u of us.filter((x) => x.role === 'responder')) {
      responders.append(h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'responder', value: u.id, checked: w?.responderIds.includes(u.id) ?? false }), ` ${u.displayName}`));
    }
  }, (err: unknown) => ctx.flash(err));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = {
      alias: alias.value.trim(), address: address.value.trim() || null, accessNotes: access.value.trim() || null,
      phone: phone.value.trim() || null, emergencyContactPhone: ecp.value.trim() || null, chainId: chain.value || null,
      responderIds: [...responders.querySelectorAll<HTMLInputElement>('input:checked')].map((x) => x.value),
    };
    status.textContent = '';
    api<Wearer>(w ? `/api/admin/wearers/${enc(w.id)}` : '/api/admin/wearers', { method: w ? 'PATCH' : 'POST', body })
      .then((res) => {
        status.textContent = t.saved;
        done(res);
      }, (err: unknown) => {
        status.textContent = errText(err);
      });
  });
  return form;
}

export function wearerView(ctx: Ctx, id: string): HTMLElement {
  const body = h('div');
  const root = page('#/admin/wearers', t.loading, body);
  const title = root.querySelector('h2')!;
  async(body, () => Promise.all([
    api<Wearer>(`/api/admin/wearers/${enc(id)}`), api<Consent>(`/api/admin/wearers/${enc(id)}/consent`), api<Device[]>('/api/admin/devices'),
  ]), ([w, c, ds]) => {
    title.textContent = w.alias;
    const mine = ds.filter((d) => d.wearerId === w.id);
    return [
      consentPanel(ctx, w, c),
      h('h3', {}, t.devices),
      mine.length ? table([t.deviceId, t.kind, t.roomLabel, t.online, t.battery], mine.map((d) => [d.id, t.kinds[d.kind] ?? d.kind, d.room ?? t.none, d.online ? t.yes : t.no, d.battery === null ? t.none : `${d.battery} %`]))
        : h('p', { class: 'muted' }, t.none),
      deviceForm(ctx, w.id),
      h('h3', {}, t.editTitle),
      wearerForm(ctx, w, () => ctx.refresh()),
      h('p', {}, h('a', { class: 'button', href: `/api/admin/wearers/${enc(w.id)}/export`, download: `odart-wearer-${w.id}.json` }, t.exportData)),
      dangerButton(t.deleteWearer, t.confirmDelete(w.alias), () => api(`/api/admin/wearers/${enc(w.id)}`, { method: 'DELETE' }).then(() => {
        location.hash = '#/admin/wearers';
      })),
    ];
  });
  return root;
}

function consentPanel(ctx: Ctx, w: Wearer, c: Consent): HTMLElement {
  const out = h('div', { class: 'link-out', 'aria-live': 'polite' });
  const act = (path: string, body: unknown = {}) => api(`/api/admin/wearers/${enc(w.id)}/${path}`, { method: 'POST', body }).then(() => ctx.refresh(), (err: unknown) => ctx.flash(err));
  const link = (send: boolean) => api<{ url: string; sent: boolean }>(`/api/admin/wearers/${enc(w.id)}/consent-link`, { method: 'POST', body: { send } })
    .then((r) => {
      out.replaceChildren(h('p', {}, t.linkShownOnce), h('p', {}, h('code', { id: 'consent-url' }, r.url)));
    }, (err: unknown) => ctx.flash(err));
  const dur = h('select', {}, ...t.pauseOptions.map((o) => h('option', { value: o.minutes }, o.label)));
  dur.value = '120';
  const box = h('section', { class: 'panel', 'aria-labelledby': 'consent-h', 'data-consent': c.state },
    h('h3', { id: 'consent-h' }, t.consent),
    h('p', {}, h('span', { class: `badge consent-${c.state}`, id: 'consent-state' }, t.consentState[c.state] ?? c.state),
      c.pausedUntil ? ` ${t.pausedUntil(fmtDateTime(c.pausedUntil))}` : ''),
    h('p', { class: 'muted' }, t.consentVersionLabel(c.version)));
  const buttons = h('div', { class: 'actions' });
  if (w.phone) buttons.append(h('button', { type: 'button', onclick: () => void link(true) }, t.sendLink));
  buttons.append(h('button', { type: 'button', onclick: () => void link(false) }, t.showLink));
  if (c.state === 'active') buttons.append(field(t.pauseFor, dur), h('button', { type: 'button', onclick: () => void act('pause', { minutes: Number(dur.value) }) }, t.pause));
  if (c.state === 'paused') buttons.append(h('button', { type: 'button', onclick: () => void act('resume') }, t.resume));
  if (c.state !== 'opted_out') buttons.append(h('button', { type: 'button', class: 'secondary-danger', onclick: () => void act('opt-out') }, t.recordOptOut));
  box.append(buttons, out, h('h4', {}, t.consentLog),
    h('ol', { class: 'timeline' }, ...c.events.map((e) => h('li', {}, h('time', { datetime: e.at }, fmtDateTime(e.at)), ` ${t.consentChange[e.type] ?? e.type} (${e.via})`))));
  return box;
}

function dangerButton(label: string, confirmText: string, run: () => Promise<unknown>): HTMLElement {
  const btn = h('button', { type: 'button', class: 'danger' }, label);
  btn.addEventListener('click', () => {
    if (!window.confirm(confirmText)) return;
    btn.disabled = true;
    run().catch((err: unknown) => {
      btn.disabled = false;
      window.alert(errText(err));
    });
  });
  return btn;
}

// ---- devices ------------------------------------------------------------------------------

function secretBox(id: string, secret: string): HTMLElement {
  return h('div', { class: 'secret', role: 'alert' }, h('p', {}, t.secretOnce(id)), h('p', {}, h('code', { 'data-secret-for': id }, secret)));
}

function deviceForm(ctx: Ctx, wearerId: string | null, wearers: Wearer[] = []): HTMLElement {
  const id = input({ pattern: '[A-Za-z0-9._-]{1,64}', autocomplete: 'off' });
  const kind = h('select', {}, ...Object.entries(t.kinds).map(([k, label]) => h('option', { value: k }, label)));
  const who = h('select', {}, h('option', { value: '' }, t.unassigned), ...wearers.map((w) => h('option', { value: w.id }, w.alias)));
  const room = input({ maxlength: 60 });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'stack' }, h('h4', {}, t.registerDevice),
    field(t.deviceId, id, t.deviceIdHint), field(t.kind, kind), wearerId ? null : field(t.wearer, who), field(t.roomLabel, room),
    h('button', { type: 'submit', class: 'primary' }, t.register), out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const wid = wearerId ?? (who.value || null);
    api<{ id: string; secret: string }>('/api/admin/devices', { method: 'POST', body: { ...(id.value.trim() ? { id: id.value.trim() } : {}), kind: kind.value, wearerId: wid } })
      .then(async (d) => {
        if (room.value.trim()) await api(`/api/admin/devices/${enc(d.id)}/room`, { method: 'PUT', body: { room: room.value.trim() } });
        out.replaceChildren(secretBox(d.id, d.secret));
        form.reset();
      }, (err: unknown) => ctx.flash(err));
  });
  return form;
}

export function devicesView(ctx: Ctx): HTMLElement {
  const list = h('div');
  const formBox = h('div');
  const secretOut = h('div', { 'aria-live': 'polite' });
  async(list, () => Promise.all([api<Device[]>('/api/admin/devices'), api<Wearer[]>('/api/admin/wearers')]), ([ds, ws]) => {
    const alias = new Map(ws.map((w) => [w.id, w.alias]));
    formBox.replaceChildren(deviceForm(ctx, null, ws));
    return table([t.deviceId, t.kind, t.wearer, t.roomLabel, t.online, t.battery, t.lastSeen, ''], ds.map((d) => {
      const rotate = h('button', { type: 'button' }, t.rotate, h('span', { class: 'sr-only' }, ` ${d.id}`));
      rotate.addEventListener('click', () => {
        api<{ secret: string }>(`/api/admin/devices/${enc(d.id)}/rotate`, { method: 'POST', body: {} })
          .then((r) => secretOut.replaceChildren(secretBox(d.id, r.secret)), (err: unknown) => ctx.flash(err));
      });
      const roomIn = input({ value: d.room ?? '', maxlength: 60, 'aria-label': `${t.roomLabel}: ${d.id}`, class: 'inline' });
      roomIn.addEventListener('change', () => {
        api(`/api/admin/devices/${enc(d.id)}/room`, { method: 'PUT', body: { room: roomIn.value.trim() || null } }).then(() => ctx.flash(t.saved), (err: unknown) => ctx.flash(err));
      });
      const remove = h('button', { type: 'button', class: 'secondary-danger' }, t.removeDevice, h('span', { class: 'sr-only' }, ` ${d.id}`));
      remove.addEventListener('click', () => {
        if (!window.confirm(t.confirmDelete(d.id))) return;
        api(`/api/admin/devices/${enc(d.id)}`, { method: 'DELETE' }).then(() => ctx.refresh(), (err: unknown) => ctx.flash(err));
      });
      return [
        d.id, t.kinds[d.kind] ?? d.kind, d.wearerId ? alias.get(d.wearerId) ?? d.wearerId : t.unassigned, roomIn,
        h('span', { class: d.online ? 'ok' : 'muted' }, d.online ? t.yes : t.no), d.battery === null ? t.none : `${d.battery} %`,
        d.lastSeenAt ? fmtDateTime(d.lastSeenAt) : t.never, h('div', { class: 'actions' }, rotate, remove),
      ];
    }), t.devicesTitle);
  });
  return page('#/admin/devices', t.devicesTitle, secretOut, list, formBox);
}

// ---- responders and groups ----------------------------------------------------------------

/** Account actions for one person: disable/enable, new password (shown once in `out`), sign out everywhere. */
function accountControls(ctx: Ctx, u: UserRow, out: HTMLElement): HTMLElement {
  const who = h('span', { class: 'sr-only' }, ` ${u.displayName}`);
  const status = h('span', { class: u.disabled ? 'warn' : 'muted' }, u.disabled ? t.accountDisabled : t.accountActive);
  const toggle = h('button', { type: 'button' }, u.disabled ? t.enableAccount : t.disableAccount, who.cloneNode(true));
  toggle.addEventListener('click', () => {
    if (!u.disabled && !window.confirm(t.confirmDisable(u.displayName))) return;
    api(`/api/admin/users/${enc(u.id)}/${u.disabled ? 'enable' : 'disable'}`, { method: 'POST', body: {} }).then(() => ctx.refresh(), (err: unknown) => ctx.flash(err));
  });
  const reset = h('button', { type: 'button' }, t.resetPassword, who.cloneNode(true));
  reset.addEventListener('click', () => {
    if (!window.confirm(t.confirmResetPassword(u.displayName))) return;
    api<{ password: string }>(`/api/admin/users/${enc(u.id)}/password`, { method: 'POST', body: {} })
      .then((r) => out.replaceChildren(passwordBox(u, r.password)), (err: unknown) => ctx.flash(err));
  });
  const signOut = h('button', { type: 'button' }, t.signOutEverywhere, who.cloneNode(true));
  signOut.addEventListener('click', () => {
    api(`/api/admin/users/${enc(u.id)}/logout-everywhere`, { method: 'POST', body: {} }).then(() => ctx.flash(t.signedOutEverywhere(u.displayName)), (err: unknown) => ctx.flash(err));
  });
  return h('div', { class: 'actions' }, status, toggle, reset, signOut);
}

function passwordBox(u: UserRow, password: string): HTMLElement {
  return h('div', { class: 'secret', role: 'alert' }, h('p', {}, t.passwordOnce(u.displayName)), h('p', {}, h('code', { 'data-password-for': u.id }, password)));
}

export function peopleView(ctx: Ctx): HTMLElement {
  const list = h('div');
  const passwordOut = h('div', { 'aria-live': 'polite' });
  async(list, () => api<UserRow[]>('/api/admin/users'), (us) => table([t.displayName, t.username, t.role, t.phone, t.onDuty, t.account], us.map((u) => {
    const duty = h('input', { type: 'checkbox', checked: u.onDuty, 'aria-label': `${t.onDuty}: ${u.displayName}` });
    duty.addEventListener('change', () => {
      api(`/api/admin/users/${enc(u.id)}`, { method: 'PATCH', body: { onDuty: duty.checked } }).then(() => ctx.flash(t.saved), (err: unknown) => {
        duty.checked = !duty.checked;
        ctx.flash(err);
      });
    });
    const phone = input({ type: 'tel', value: u.phone ?? '', 'aria-label': `${t.phone}: ${u.displayName}`, class: 'inline' });
    phone.addEventListener('change', () => {
      api(`/api/admin/users/${enc(u.id)}`, { method: 'PATCH', body: { phone: phone.value.trim() || null } }).then(() => ctx.flash(t.saved), (err: unknown) => ctx.flash(err));
    });
    return [u.displayName, u.username, t.roles[u.role] ?? u.role, phone, duty, accountControls(ctx, u, passwordOut)];
  }), t.peopleTitle));

  const uname = input({ required: true, autocomplete: 'off', pattern: '[a-z0-9._-]{2,40}' });
  const dname = input({ required: true, maxlength: 60 });
  const pw = input({ type: 'password', required: true, minlength: 10, autocomplete: 'new-password' });
  const role = h('select', {}, ...Object.entries(t.roles).map(([k, label]) => h('option', { value: k, selected: k === 'responder' }, label)));
  const phone = input({ type: 'tel' });
  const userForm = h('form', { class: 'stack' }, h('h3', {}, t.addUser),
    field(t.username, uname), field(t.displayName, dname), field(t.newPassword, pw), field(t.role, role), field(t.phone, phone, t.phoneHint),
    h('button', { type: 'submit', class: 'primary' }, t.addUser));
  userForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    api('/api/admin/users', { method: 'POST', body: { username: uname.value.trim(), displayName: dname.value.trim(), password: pw.value, role: role.value, phone: phone.value.trim() || null } })
      .then(() => ctx.refresh(), (err: unknown) => ctx.flash(err));
  });

  const groups = h('div');
  async(groups, () => Promise.all([api<Group[]>('/api/admin/groups'), api<UserRow[]>('/api/admin/users')]), ([gs, us]) => {
    const name = input({ required: true, maxlength: 60 });
    const members = h('fieldset', { class: 'checks' }, h('legend', {}, t.members),
      ...us.map((u) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: u.id }), ` ${u.displayName}`)));
    const form = h('form', { class: 'stack' }, field(t.groupName, name), members, h('button', { type: 'submit' }, t.addGroup));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const memberIds = [...members.querySelectorAll<HTMLInputElement>('input:checked')].map((x) => x.value);
      api('/api/admin/groups', { method: 'POST', body: { name: name.value.trim(), memberIds } }).then(() => ctx.refresh(), (err: unknown) => ctx.flash(err));
    });
    return [table([t.groupName, t.members], gs.map((g) => [g.name, g.memberIds.map((id) => ctx.name(id)).join(', ')]), t.groupsTitle), form];
  });
  return page('#/admin/people', t.peopleTitle, passwordOut, list, userForm, h('h3', {}, t.groupsTitle), groups);
}

// ---- call chains --------------------------------------------------------------------------

export function chainsView(ctx: Ctx): HTMLElement {
  const list = h('div');
  async(list, () => api<Chain[]>('/api/admin/chains'), (cs) => h('ul', { class: 'plain' },
    ...cs.map((c) => h('li', {}, h('a', { href: `#/admin/chains/${enc(c.id)}` }, c.name), ` · ${c.definition.steps.length} ${c.definition.steps.length === 1 ? 'step' : 'steps'}`))));
  void ctx;
  return page('#/admin/chains', t.chainsTitle, list, h('p', {}, h('a', { class: 'button', href: '#/admin/chains/new' }, t.newChain)));
}

export function chainView(ctx: Ctx, id: string): HTMLElement {
  const body = h('div');
  const root = page('#/admin/chains', id === 'new' ? t.newChain : t.loading, body);
  const title = root.querySelector('h2')!;
  async(body, () => Promise.all([
    id === 'new' ? Promise.resolve<Chain>({ id: '', name: '', definition: { steps: [{ targets: [], channels: ['app', 'sms'], waitS: 60 }] } }) : api<Chain>(`/api/admin/chains/${enc(id)}`),
    api<UserRow[]>('/api/admin/users'),
    api<Group[]>('/api/admin/groups').catch(() => [] as Group[]),
  ]), ([chain, users, groups]) => {
    if (chain.id) title.textContent = t.editChain(chain.name);
    return chainEditor(ctx, chain, users.filter((u) => u.role === 'responder'), groups);
  });
  return root;
}

function chainEditor(ctx: Ctx, chain: Chain, users: UserRow[], groups: Group[]): HTMLElement {
  // Work on a copy; unknown fields of the definition and of each step are kept as they were.
  const def: ChainDef = structuredClone(chain.definition);
  const name = input({ required: true, maxlength: 60, value: chain.name });
  const stepsBox = h('ol', { class: 'steps' });
  const status = h('p', { role: 'status', class: 'status' });
  const has = (st: Step, tg: Target) => st.targets.some((x) => x.type === tg.type && (x.id ?? '') === (tg.id ?? ''));
  const toggle = (st: Step, tg: Target, on: boolean) => {
    st.targets = st.targets.filter((x) => !(x.type === tg.type && (x.id ?? '') === (tg.id ?? '')));
    if (on) st.targets.push(tg);
  };
  const draw = () => {
    stepsBox.replaceChildren(...def.steps.map((st, i) => {
      const n = i + 1;
      const who = h('fieldset', { class: 'checks' }, h('legend', {}, t.stepWho),
        ...users.map((u) => checkbox(`${u.displayName}`, has(st, { type: 'responder', id: u.id }), (on) => toggle(st, { type: 'responder', id: u.id }, on))),
        ...groups.map((g) => checkbox(`${g.name}`, has(st, { type: 'group', id: g.id }), (on) => toggle(st, { type: 'group', id: g.id }, on))),
        checkbox(t.emergencyContactTarget, has(st, { type: 'emergency_contact' }), (on) => toggle(st, { type: 'emergency_contact' }, on)));
      const phoneT = st.targets.find((x) => x.type === 'phone');
      const phone = input({ type: 'tel', value: phoneT?.phone ?? '' });
      phone.addEventListener('change', () => {
        st.targets = st.targets.filter((x) => x.type !== 'phone');
        if (phone.value.trim()) st.targets.push({ type: 'phone', phone: phone.value.trim(), label: phoneT?.label ?? 'phone' });
      });
      const how = h('fieldset', { class: 'checks' }, h('legend', {}, t.stepChannels),
        ...([['app', t.channelApp], ['sms', t.channelSms], ['voice', t.channelVoice]] as const).map(([c, label]) => checkbox(label, st.channels.includes(c), (on) => {
          st.channels = st.channels.filter((x) => x !== c);
          if (on) st.channels.push(c);
        })));
      const wait = input({ type: 'number', min: 0, max: 3600, step: 1, value: st.waitS });
      wait.addEventListener('change', () => {
        st.waitS = Math.max(0, Math.min(3600, Math.round(Number(wait.value) || 0)));
      });
      const move = (delta: number) => {
        const j = i + delta;
        if (j < 0 || j >= def.steps.length) return;
        [def.steps[i], def.steps[j]] = [def.steps[j]!, def.steps[i]!];
        draw();
      };
      return h('li', { class: 'step', 'data-step': n },
        h('h4', {}, t.step(n)), who, field(t.extraPhone, phone, t.phoneHint), how, field(t.waitS, wait),
        h('div', { class: 'actions' },
          h('button', { type: 'button', onclick: () => move(-1), disabled: i === 0 }, t.moveUp, h('span', { class: 'sr-only' }, ` ${t.step(n)}`)),
          h('button', { type: 'button', onclick: () => move(1), disabled: i === def.steps.length - 1 }, t.moveDown, h('span', { class: 'sr-only' }, ` ${t.step(n)}`)),
          h('button', { type: 'button', onclick: () => { def.steps.splice(i, 1); draw(); }, disabled: def.steps.length === 1 }, t.removeStep, h('span', { class: 'sr-only' }, ` ${t.step(n)}`))));
    }));
  };
  draw();
  const form = h('form', { class: 'stack chain-editor' }, field(t.chainName, name), stepsBox,
    h('button', { type: 'button', onclick: () => { def.steps.push({ targets: [], channels: ['app', 'sms'], waitS: 60 }); draw(); } }, t.addStep),
    h('button', { type: 'submit', class: 'primary' }, t.saveChain), status);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    status.textContent = '';
    const body = { name: name.value.trim(), definition: def };
    api<Chain>(chain.id ? `/api/admin/chains/${enc(chain.id)}` : '/api/admin/chains', { method: chain.id ? 'PUT' : 'POST', body })
      .then((c) => {
        status.textContent = t.saved;
        if (!chain.id && c?.id) location.hash = `#/admin/chains/${enc(c.id)}`;
      }, (err: unknown) => {
        status.textContent = errText(err);
      });
  });
  void ctx;
  return form;
}

function checkbox(label: string, checked: boolean, onChange: (on: boolean) => void): HTMLElement {
  const box = h('input', { type: 'checkbox', checked });
  box.addEventListener('change', () => onChange(box.checked));
  return h('label', { class: 'check' }, box, ` ${label}`);
}

// ---- alert history ------------------------------------------------------------------------

export function historyView(): HTMLElement {
  const list = h('div');
  async(list, () => api<HistoryRow[]>('/api/admin/alerts'), (rows) => table(
    [t.colWhen, t.colWho, t.colState, t.colOutcome, t.colAck, t.colArrive, t.colAttending],
    rows.map((r) => [
      h('a', { href: `#/alerts/${enc(r.id)}` }, fmtDateTime(r.createdAt)), r.wearerAlias, t.state[r.state] ?? r.state,
      r.outcome ? t.outcomes[r.outcome as keyof typeof t.outcomes] ?? r.outcome : t.none,
      t.seconds(r.secondsToAcknowledge), t.seconds(r.secondsToArrive), r.attending ?? t.none,
    ]), t.historyTitle));
  return page('#/admin/alerts', t.historyTitle, h('p', {}, h('a', { class: 'button', href: '/api/admin/alerts.csv', download: 'odart-alerts.csv' }, t.exportCsv)), list);
}

// ---- service settings ---------------------------------------------------------------------

interface ServiceSettings { id: string; name: string; emergencyNumber: string; phone: string | null }

/** The numbers responders call from the alarm screen: the emergency number and the service's line. */
export function serviceView(ctx: Ctx): HTMLElement {
  const box = h('div');
  async(box, () => api<ServiceSettings>('/api/admin/service'), (sv) => {
    const emergency = input({ type: 'tel', required: true, value: sv.emergencyNumber, autocomplete: 'off' });
    const phone = input({ type: 'tel', value: sv.phone ?? '', autocomplete: 'off' });
    const status = h('p', { class: 'status', role: 'status' });
    const form = h('form', { class: 'stack' },
      field(t.serviceEmergencyNumber, emergency, t.serviceEmergencyHint), field(t.servicePhone, phone, t.servicePhoneHint),
      h('button', { type: 'submit', class: 'primary' }, t.save), status);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      status.textContent = '';
      api<ServiceSettings>('/api/admin/service', { method: 'PATCH', body: { emergencyNumber: emergency.value.trim(), phone: phone.value.trim() || null } })
        .then(() => {
          status.textContent = t.saved;
        }, (err: unknown) => ctx.flash(err));
    });
    return form;
  });
  return page('#/admin/service', t.serviceTitle, box);
}
