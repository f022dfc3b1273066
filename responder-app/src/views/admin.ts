// Service console (admin role): dashboard, people monitored (enrol, consent, pause, export, delete),
// devices (register with a one-time secret, rotate, room), responders and groups, call-chain editor,
// alert history with CSV export. APIs another branch adds (chains, groups) degrade to their error.
import { ApiError, api } from '../api.js';
import { phoneCountries } from '../countries.js';
import { field, fmtDateTime, fmtTime, h, s } from '../dom.js';
import { t } from '../messages.js';
import { targetKey } from '@odart/protocol/api';
import {
  OPEN_STATES,
  type Alert,
  type Calibration,
  type Chain,
  type ChainDefinition,
  type ChainStep,
  type ChainTarget,
  type ChannelInfo,
  type Consent,
  type Device,
  type Group,
  type HandoffEndpoint,
  type HistoryRow,
  type Kit,
  type NoticeItem,
  type OnCallView,
  type Readiness,
  type ReadinessRow,
  type RotaView,
  type RotaWarningsView,
  type ServiceSettings,
  type Stats,
  type TestPageAnswer,
  type UserRow,
  type Wearer,
} from '../types.js';
import type { Ctx } from './ctx.js';
import { resultItems } from './test-page.js';

const enc = encodeURIComponent;
const errText = (err: unknown) => (err instanceof ApiError ? err.message : t.errorGeneric);

function nav(current: string): HTMLElement {
  const items: [string, string][] = [
    ['#/admin', t.navDashboard],
    ['#/admin/wearers', t.navWearers],
    ['#/admin/devices', t.navDevices],
    ['#/admin/people', t.navPeople],
    ['#/admin/chains', t.navChains],
    ['#/admin/kits', t.navKits],
    ['#/admin/alerts', t.navHistory],
    ['#/admin/service', t.navService],
  ];
  return h(
    'nav',
    { class: 'subnav', 'aria-label': t.navConsole },
    h(
      'ul',
      {},
      ...items.map(([href, label]) => h('li', {}, h('a', { href, ...(href === current ? { 'aria-current': 'page' } : {}) }, label))),
    ),
  );
}

function page(current: string, title: string, ...body: (Node | null)[]): HTMLElement {
  return h('section', { class: 'console', 'aria-labelledby': 'page-h' }, nav(current), h('h2', { id: 'page-h' }, title), ...body);
}

/** Fills `box` with the result of `load`, or the API's error (e.g. a route another branch adds). */
function async<T>(box: HTMLElement, load: () => Promise<T>, render: (v: T) => Node | Node[]): HTMLElement {
  box.replaceChildren(h('p', { class: 'muted' }, t.loading));
  load().then(
    (v) => {
      const out = render(v);
      box.replaceChildren(...(Array.isArray(out) ? out : [out]));
    },
    (err: unknown) => {
      box.replaceChildren(
        h(
          'p',
          { class: 'error', role: 'alert' },
          err instanceof ApiError && err.status === 404 && err.code === 'ODART_ERR_NOT_FOUND' ? t.notAvailable(err.message) : errText(err),
        ),
      );
    },
  );
  return box;
}

function table(head: string[], rows: (Node | string)[][], caption?: string): HTMLElement {
  // The scrollable wrapper is a named region so keyboard users can scroll it; its name differs from the page's.
  // Each cell carries its column's heading: on a narrow screen (styles.css) a row is a card of labelled fields.
  return h(
    'div',
    { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t.tableOf(caption ?? head.join(', ')) },
    // Explicit table roles: Chromium drops a table's semantics once CSS makes its parts blocks (the cards).
    h(
      'table',
      { role: 'table' },
      caption ? h('caption', {}, caption) : null,
      h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' }, ...head.map((x) => h('th', { scope: 'col', role: 'columnheader' }, x)))),
      h(
        'tbody',
        { role: 'rowgroup' },
        ...rows.map((r) => h('tr', { role: 'row' }, ...r.map((c, i) => h('td', { role: 'cell', 'data-label': head[i] ?? '' }, c)))),
      ),
    ),
  );
}

const input = (attrs: Record<string, string | number | boolean | null | undefined> = {}) => h('input', attrs);
/** A typed decimal (a comma as the decimal mark too); not a number stays a string so the server names the field. */
const num = (v: string): number | string => {
  const x = Number(v.trim().replace(',', '.'));
  return v.trim() !== '' && Number.isFinite(x) ? x : v;
};

// ---- dashboard ----------------------------------------------------------------------------

export function dashboardView(ctx: Ctx): HTMLElement {
  const stats = h('div');
  async(
    stats,
    () => api<Stats>('/api/admin/stats'),
    (st) => [
      h(
        'div',
        { class: 'stats' },
        stat(t.statAlerts, String(st.totalAlerts), 'stat-alerts'),
        stat(t.statMedianAck, t.seconds(st.medianSecondsToAcknowledge), 'stat-ack'),
        stat(t.statMedianArrive, t.seconds(st.medianSecondsToArrive), 'stat-arrive'),
        stat(t.statFalseAlarms, t.percent(st.falseAlarmShare), 'stat-false'),
      ),
      h('h3', {}, t.perWeekTitle),
      weekChart(st.weeks),
    ],
  );
  const notices = noticesList(ctx);
  return page(
    '#/admin',
    t.dashboardTitle,
    openAlertsSection(ctx, notices.loaded),
    h('h3', { id: 'notices-h', tabindex: -1 }, t.notices),
    notices.el,
    readinessSummary(),
    rotaWarningsSummary(),
    stats,
  );
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
    if (w.alerts > 0)
      svg.append(s('text', { x: i * bw + bw / 2, y: TOP + H - bh - 2, 'text-anchor': 'middle', class: 'chart-tick' }, String(w.alerts)));
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
  async(
    list,
    () => Promise.all([api<Wearer[]>('/api/admin/wearers'), api<Device[]>('/api/admin/devices')]),
    ([ws, ds]) =>
      table(
        [t.alias, t.consent, t.devices, t.responders],
        ws.map((w) => [
          h('a', { href: `#/admin/wearers/${enc(w.id)}` }, w.alias),
          h('span', { class: `badge consent-${w.consent}` }, t.consentState[w.consent] ?? w.consent),
          String(ds.filter((d) => d.wearerId === w.id).length),
          w.responderIds.map((id) => ctx.name(id)).join(', ') || t.none,
        ]),
        t.wearersTitle,
      ),
  );
  const form = wearerForm(ctx, null, (w) => {
    pendingStatus = t.enrolled(w.alias);
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
  const lat = input({ inputmode: 'decimal', value: w?.location?.latitude ?? '', autocomplete: 'off' });
  const lon = input({ inputmode: 'decimal', value: w?.location?.longitude ?? '', autocomplete: 'off' });
  const responders = h('fieldset', { class: 'checks' }, h('legend', {}, t.responders));
  const status = statusLine();
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    field(t.alias, alias, t.aliasHint),
    field(t.address, address),
    field(t.accessNotes, access),
    h(
      'fieldset',
      { class: 'pair' },
      h('legend', {}, t.homeLocation),
      h('p', { class: 'hint' }, t.homeLocationHint),
      field(t.kitLatitude, lat),
      field(t.kitLongitude, lon),
    ),
    field(t.phone, phone, t.phoneHint),
    field(t.emergencyContact, ecp, t.phoneHint),
    field(t.chain, chain),
    w ? h('p', {}, h('a', { href: `#/admin/chains/new/${enc(w.id)}` }, t.createChainFor(w.alias))) : null,
    responders,
    h('button', { type: 'submit', class: 'primary' }, w ? t.save : t.enrol),
    status,
  );
  const controls = { alias, address, accessNotes: access, location: lat, phone, emergencyContactPhone: ecp, chainId: chain };
  api<Chain[]>('/api/admin/chains').then(
    (cs) => {
      for (const c of cs) chain.append(h('option', { value: c.id, selected: c.id === w?.chainId }, c.name));
    },
    () => {
      // chains API not on this server yet: keep the current assignment selectable
      if (w?.chainId) chain.append(h('option', { value: w.chainId, selected: true }, w.chainId));
    },
  );
  api<UserRow[]>('/api/admin/users').then(
    (us) => {
      for (const u of us.filter((x) => x.role === 'responder')) {
        responders.append(
          h(
            'label',
            { class: 'check' },
            h('input', { type: 'checkbox', name: 'responder', value: u.id, checked: w?.responderIds.includes(u.id) ?? false }),
            ` ${u.displayName}`,
          ),
        );
      }
    },
    (err: unknown) => ctx.flash(err),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = {
      alias: alias.value.trim(),
      address: address.value.trim() || null,
      accessNotes: access.value.trim() || null,
      phone: phone.value.trim() || null,
      emergencyContactPhone: ecp.value.trim() || null,
      chainId: chain.value || null,
      responderIds: [...responders.querySelectorAll<HTMLInputElement>('input:checked')].map((x) => x.value),
      // Both empty: no location; anything else goes as numbers for the server to check (NaN is refused there).
      location: lat.value.trim() === '' && lon.value.trim() === '' ? null : { latitude: num(lat.value), longitude: num(lon.value) },
    };
    status.textContent = '';
    fieldErrors(controls, null);
    api<Wearer>(w ? `/api/admin/wearers/${enc(w.id)}` : '/api/admin/wearers', { method: w ? 'PATCH' : 'POST', body }).then(
      (res) => {
        if (res.phone !== null) phone.value = res.phone;
        if (res.emergencyContactPhone !== null) ecp.value = res.emergencyContactPhone;
        announce(status, w ? t.saved : t.enrolled(res.alias));
        done(res);
      },
      (err: unknown) => {
        const marked = fieldErrors(controls, err);
        announce(status, marked ? `${errText(err)}. ${t.fixBelow}` : errText(err), true);
      },
    );
  });
  return form;
}

export function wearerView(ctx: Ctx, id: string): HTMLElement {
  const body = h('div');
  const root = page('#/admin/wearers', t.loading, body);
  const title = root.querySelector('h2')!;
  async(
    body,
    () =>
      Promise.all([
        api<Wearer>(`/api/admin/wearers/${enc(id)}`),
        api<Consent>(`/api/admin/wearers/${enc(id)}/consent`),
        api<Device[]>('/api/admin/devices'),
      ]),
    ([w, c, ds]) => {
      title.textContent = w.alias;
      const top = statusLine();
      const ready = readinessPanel(w);
      const deviceList = h('div');
      const secrets = h('div', { class: 'secrets' });
      const drawDevices = (list: Device[]) => {
        const mine = list.filter((d) => d.wearerId === w.id);
        deviceList.replaceChildren(
          mine.length
            ? table(
                [t.deviceId, t.kind, t.roomLabel, t.online, t.battery],
                mine.map((d) => [
                  d.id,
                  t.kinds[d.kind] ?? d.kind,
                  d.room ?? t.none,
                  d.online ? t.yes : t.no,
                  d.battery === null ? t.none : `${d.battery} %`,
                ]),
                t.devices,
              )
            : h('p', { class: 'muted' }, t.none),
        );
      };
      drawDevices(ds);
      if (pendingStatus) {
        const msg = pendingStatus;
        pendingStatus = null;
        window.setTimeout(() => announce(top, msg), 0);
      }
      return [
        top,
        ready.el,
        consentPanel(ctx, w, c),
        calibrationPanel(w),
        h('h3', {}, t.devices),
        deviceList,
        secrets,
        deviceForm(ctx, w.id, [], secrets, 4, () => {
          api<Device[]>('/api/admin/devices').then(drawDevices, (err: unknown) => ctx.flash(err));
          ready.reload();
        }),
        h('h3', {}, t.editTitle),
        wearerForm(ctx, w, (saved) => {
          title.textContent = saved.alias;
          ready.reload();
        }),
        h(
          'p',
          {},
          h('a', { class: 'button', href: `/api/admin/wearers/${enc(w.id)}/export`, download: `odart-wearer-${w.id}.json` }, t.exportData),
        ),
        dangerButton(t.deleteWearer, t.confirmDelete(w.alias), () =>
          api(`/api/admin/wearers/${enc(w.id)}`, { method: 'DELETE' }).then(() => {
            location.hash = '#/admin/wearers';
          }),
        ),
      ];
    },
  );
  return root;
}

function consentPanel(ctx: Ctx, w: Wearer, c: Consent): HTMLElement {
  const out = h('div', { class: 'link-out', 'aria-live': 'polite' });
  const act = (path: string, body: unknown = {}) =>
    api(`/api/admin/wearers/${enc(w.id)}/${path}`, { method: 'POST', body }).then(
      () => ctx.refresh(),
      (err: unknown) => ctx.flash(err),
    );
  let issuedAt = c.linkIssuedAt ?? null;
  const link = (send: boolean, confirmed = false): void => {
    // A new link silently stopped the one already texted: say so first, and make it a choice.
    if (issuedAt && !confirmed) {
      const warn = h('p', { class: 'warning', tabindex: -1, id: 'link-warning' }, t.linkReplaceWarning(fmtDateTime(issuedAt)));
      out.replaceChildren(warn, h('button', { type: 'button', onclick: () => link(send, true) }, t.linkReplaceConfirm));
      warn.focus();
      return;
    }
    api<{ url: string; sent: boolean }>(`/api/admin/wearers/${enc(w.id)}/consent-link`, { method: 'POST', body: { send } }).then(
      (r) => {
        issuedAt = new Date().toISOString();
        const note = h('p', { tabindex: -1 }, t.linkShownOnce);
        out.replaceChildren(note, h('p', {}, h('code', { id: 'consent-url' }, r.url)));
        note.focus();
      },
      (err: unknown) => ctx.flash(err),
    );
  };
  const dur = h('select', {}, ...t.pauseOptions.map((o) => h('option', { value: o.minutes }, o.label)));
  dur.value = '120';
  const box = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'consent-h', 'data-consent': c.state },
    h('h3', { id: 'consent-h' }, t.consent),
    h(
      'p',
      {},
      h('span', { class: `badge consent-${c.state}`, id: 'consent-state' }, t.consentState[c.state] ?? c.state),
      c.pausedUntil ? ` ${t.pausedUntil(fmtDateTime(c.pausedUntil))}` : '',
    ),
    h('p', { class: 'muted' }, t.consentVersionLabel(c.version)),
  );
  const buttons = h('div', { class: 'actions' });
  if (w.phone) buttons.append(h('button', { type: 'button', onclick: () => link(true) }, t.sendLink));
  buttons.append(h('button', { type: 'button', onclick: () => link(false) }, t.showLink));
  if (c.state === 'active')
    buttons.append(
      field(t.pauseFor, dur),
      h('button', { type: 'button', onclick: () => void act('pause', { minutes: Number(dur.value) }) }, t.pause),
    );
  if (c.state === 'paused') buttons.append(h('button', { type: 'button', onclick: () => void act('resume') }, t.resume));
  if (c.state !== 'opted_out')
    buttons.append(h('button', { type: 'button', class: 'secondary-danger', onclick: () => void act('opt-out') }, t.recordOptOut));
  box.append(
    buttons,
    out,
    h('h4', {}, t.consentLog),
    h(
      'ol',
      { class: 'timeline' },
      ...c.events.map((e) =>
        h('li', {}, h('time', { datetime: e.at }, fmtDateTime(e.at)), ` ${t.consentChange[e.type] ?? e.type} (${e.via})`),
      ),
    ),
  );
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

/** A one-time secret with a copy button. Secrets shown on one page are kept side by side, newest first. */
function secretBox(id: string, secret: string): HTMLElement {
  const code = h('code', { 'data-secret-for': id }, secret);
  const said = h('span', { role: 'status', class: 'copy-status' });
  const copy = h('button', { type: 'button', 'aria-label': t.copySecret(id) }, t.copy);
  copy.addEventListener('click', () => {
    const done = () => {
      said.textContent = t.copied;
    };
    const select = () => {
      const r = document.createRange();
      r.selectNodeContents(code);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(r);
      said.textContent = document.execCommand('copy') ? t.copied : t.copyFailed;
    };
    if (navigator.clipboard) navigator.clipboard.writeText(secret).then(done, select);
    else select();
  });
  return h(
    'div',
    { class: 'secret', 'data-secret-box': id },
    h('p', {}, t.secretOnce(id)),
    h('p', {}, code),
    h('div', { class: 'actions' }, copy, said),
  );
}

function showSecret(box: HTMLElement, id: string, secret: string): void {
  box.querySelector(`[data-secret-box="${CSS.escape(id)}"]`)?.remove();
  const el = secretBox(id, secret);
  box.prepend(el);
  el.setAttribute('tabindex', '-1');
  el.focus();
}

function deviceForm(
  ctx: Ctx,
  wearerId: string | null,
  wearers: Wearer[],
  secrets: HTMLElement,
  level: 3 | 4,
  registered: () => void,
): HTMLElement {
  const id = input({ pattern: '[A-Za-z0-9._-]{1,64}', autocomplete: 'off' });
  const kind = h('select', {}, ...Object.entries(t.kinds).map(([k, label]) => h('option', { value: k }, label)));
  const who = h('select', {}, h('option', { value: '' }, t.unassigned), ...wearers.map((w) => h('option', { value: w.id }, w.alias)));
  const room = input({ maxlength: 60 });
  const out = statusLine();
  const form = h(
    'form',
    { class: 'stack' },
    h(level === 3 ? 'h3' : 'h4', {}, t.registerDevice),
    field(t.deviceId, id, t.deviceIdHint),
    field(t.kind, kind),
    wearerId ? null : field(t.wearer, who),
    field(t.roomLabel, room),
    h('button', { type: 'submit', class: 'primary' }, t.register),
    out,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const wid = wearerId ?? (who.value || null);
    api<{ id: string; secret: string }>('/api/admin/devices', {
      method: 'POST',
      body: { ...(id.value.trim() ? { id: id.value.trim() } : {}), kind: kind.value, wearerId: wid },
    }).then(
      async (d) => {
        if (room.value.trim()) await api(`/api/admin/devices/${enc(d.id)}/room`, { method: 'PUT', body: { room: room.value.trim() } });
        form.reset();
        out.textContent = t.deviceRegistered(d.id);
        showSecret(secrets, d.id, d.secret);
        registered();
      },
      (err: unknown) => {
        fieldErrors({ id, kind, wearerId: who }, err);
        announce(out, errText(err), true);
      },
    );
  });
  return form;
}

export function devicesView(ctx: Ctx): HTMLElement {
  const list = h('div');
  const formBox = h('div');
  const secretOut = h('div', { class: 'secrets' });
  const load = () =>
    async(
      list,
      () => Promise.all([api<Device[]>('/api/admin/devices'), api<Wearer[]>('/api/admin/wearers')]),
      ([ds, ws]) => {
        const alias = new Map(ws.map((w) => [w.id, w.alias]));
        if (!formBox.firstChild) formBox.replaceChildren(deviceForm(ctx, null, ws, secretOut, 3, () => void load()));
        return table(
          [t.deviceId, t.kind, t.wearer, t.roomLabel, t.online, t.battery, t.lastSeen, t.actionsCol],
          ds.map((d) => {
            const rotate = h('button', { type: 'button' }, t.rotate, h('span', { class: 'sr-only' }, ` ${d.id}`));
            rotate.addEventListener('click', () => {
              api<{ secret: string }>(`/api/admin/devices/${enc(d.id)}/rotate`, { method: 'POST', body: {} }).then(
                (r) => showSecret(secretOut, d.id, r.secret),
                (err: unknown) => ctx.flash(err),
              );
            });
            const roomIn = input({ value: d.room ?? '', maxlength: 60, 'aria-label': `${t.roomLabel}: ${d.id}`, class: 'inline' });
            roomIn.addEventListener('change', () => {
              api(`/api/admin/devices/${enc(d.id)}/room`, { method: 'PUT', body: { room: roomIn.value.trim() || null } }).then(
                () => ctx.flash(t.saved),
                (err: unknown) => ctx.flash(err),
              );
            });
            const remove = h(
              'button',
              { type: 'button', class: 'secondary-danger' },
              t.removeDevice,
              h('span', { class: 'sr-only' }, ` ${d.id}`),
            );
            remove.addEventListener('click', () => {
              if (!window.confirm(t.confirmDelete(d.id))) return;
              api(`/api/admin/devices/${enc(d.id)}`, { method: 'DELETE' }).then(
                () => ctx.refresh(),
                (err: unknown) => ctx.flash(err),
              );
            });
            return [
              d.id,
              t.kinds[d.kind] ?? d.kind,
              d.wearerId ? (alias.get(d.wearerId) ?? d.wearerId) : t.unassigned,
              roomIn,
              h('span', { class: d.online ? 'ok' : 'muted' }, d.online ? t.yes : t.no),
              d.battery === null ? t.none : `${d.battery} %`,
              d.lastSeenAt ? fmtDateTime(d.lastSeenAt) : t.never,
              h('div', { class: 'actions' }, rotate, remove),
            ];
          }),
          t.devicesTitle,
        );
      },
    );
  load();
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
    api(`/api/admin/users/${enc(u.id)}/${u.disabled ? 'enable' : 'disable'}`, { method: 'POST', body: {} }).then(
      () => ctx.refresh(),
      (err: unknown) => ctx.flash(err),
    );
  });
  const reset = h('button', { type: 'button' }, t.resetPassword, who.cloneNode(true));
  reset.addEventListener('click', () => {
    if (!window.confirm(t.confirmResetPassword(u.displayName))) return;
    api<{ password: string }>(`/api/admin/users/${enc(u.id)}/password`, { method: 'POST', body: {} }).then(
      (r) => out.replaceChildren(passwordBox(u, r.password)),
      (err: unknown) => ctx.flash(err),
    );
  });
  const signOut = h('button', { type: 'button' }, t.signOutEverywhere, who.cloneNode(true));
  signOut.addEventListener('click', () => {
    api(`/api/admin/users/${enc(u.id)}/logout-everywhere`, { method: 'POST', body: {} }).then(
      () => ctx.flash(t.signedOutEverywhere(u.displayName)),
      (err: unknown) => ctx.flash(err),
    );
  });
  // A TEST page through every method the person has; the results per method go in `out`.
  const test = h('button', { type: 'button', 'data-test-page-for': u.id }, 'Send a test page', who.cloneNode(true));
  test.addEventListener('click', () => {
    test.disabled = true;
    api<TestPageAnswer>(`/api/admin/users/${enc(u.id)}/test-page`, { method: 'POST', body: {} })
      .then(
        (a) =>
          out.replaceChildren(
            // Name whom the results are for: the console may hold several people's tests on screen.
            h(
              'p',
              { class: 'test-page-for', 'data-test-page-for-user': u.id },
              t.testPageFor(u.displayName, t.roles[u.role] ?? u.role, fmtTime(a.at)),
            ),
            h(
              'ul',
              { class: 'test-page-results', 'aria-live': 'polite', 'data-test-page-results': u.id, 'data-test-page-id': a.testPageId },
              ...resultItems(a.results),
            ),
          ),
        (err: unknown) => ctx.flash(err),
      )
      .finally(() => {
        test.disabled = false;
      });
  });
  return h('div', { class: 'actions' }, status, toggle, reset, signOut, test);
}

function passwordBox(u: UserRow, password: string): HTMLElement {
  return h(
    'div',
    { class: 'secret', role: 'alert' },
    h('p', {}, t.passwordOnce(u.displayName)),
    h('p', {}, h('code', { 'data-password-for': u.id }, password)),
  );
}

export function peopleView(ctx: Ctx): HTMLElement {
  const list = h('div');
  const passwordOut = h('div', { 'aria-live': 'polite' });
  async(
    list,
    () => api<UserRow[]>('/api/admin/users'),
    (us) =>
      table(
        [t.displayName, t.username, t.role, t.phone, t.onDuty, t.account],
        us.map((u) => {
          const duty = h('input', { type: 'checkbox', checked: u.onDuty, 'aria-label': `${t.onDuty}: ${u.displayName}` });
          duty.addEventListener('change', () => {
            api(`/api/admin/users/${enc(u.id)}`, { method: 'PATCH', body: { onDuty: duty.checked } }).then(
              () => ctx.flash(t.saved),
              (err: unknown) => {
                duty.checked = !duty.checked;
                ctx.flash(err);
              },
            );
          });
          const phone = input({ type: 'tel', value: u.phone ?? '', 'aria-label': `${t.phone}: ${u.displayName}`, class: 'inline' });
          phone.addEventListener('change', () => {
            api(`/api/admin/users/${enc(u.id)}`, { method: 'PATCH', body: { phone: phone.value.trim() || null } }).then(
              () => ctx.flash(t.saved),
              (err: unknown) => ctx.flash(err),
            );
          });
          return [u.displayName, u.username, t.roles[u.role] ?? u.role, phone, duty, accountControls(ctx, u, passwordOut)];
        }),
        t.peopleTitle,
      ),
  );

  const uname = input({ required: true, autocomplete: 'off', pattern: '[a-z0-9._-]{2,40}' });
  const dname = input({ required: true, maxlength: 60 });
  const pw = input({ type: 'password', required: true, minlength: 10, autocomplete: 'new-password' });
  const role = h(
    'select',
    {},
    ...Object.entries(t.roles).map(([k, label]) => h('option', { value: k, selected: k === 'responder' }, label)),
  );
  const phone = input({ type: 'tel' });
  const userForm = h(
    'form',
    { class: 'stack' },
    h('h3', {}, t.addUser),
    field(t.username, uname),
    field(t.displayName, dname),
    field(t.newPassword, pw),
    field(t.role, role),
    field(t.phone, phone, t.phoneHint),
    h('button', { type: 'submit', class: 'primary' }, t.addUser),
  );
  userForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    api('/api/admin/users', {
      method: 'POST',
      body: {
        username: uname.value.trim(),
        displayName: dname.value.trim(),
        password: pw.value,
        role: role.value,
        phone: phone.value.trim() || null,
      },
    }).then(
      () => ctx.refresh(),
      (err: unknown) => ctx.flash(err),
    );
  });

  const groups = h('div');
  async(
    groups,
    () => Promise.all([api<Group[]>('/api/admin/groups'), api<UserRow[]>('/api/admin/users')]),
    ([gs, us]) => {
      const name = input({ required: true, maxlength: 60 });
      const members = h(
        'fieldset',
        { class: 'checks' },
        h('legend', {}, t.members),
        ...us.map((u) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: u.id }), ` ${u.displayName}`)),
      );
      const form = h('form', { class: 'stack' }, field(t.groupName, name), members, h('button', { type: 'submit' }, t.addGroup));
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const memberIds = [...members.querySelectorAll<HTMLInputElement>('input:checked')].map((x) => x.value);
        api('/api/admin/groups', { method: 'POST', body: { name: name.value.trim(), memberIds } }).then(
          () => ctx.refresh(),
          (err: unknown) => ctx.flash(err),
        );
      });
      return [
        table(
          [t.groupName, t.members],
          gs.map((g) => [
            h('span', {}, g.name, ' ', h('a', { href: `#/admin/rota/${enc(g.id)}`, 'aria-label': `${t.rotaLink}: ${g.name}` }, t.rotaLink)),
            g.memberIds.map((id) => ctx.name(id)).join(', '),
          ]),
          t.groupsTitle,
        ),
        form,
      ];
    },
  );
  return page('#/admin/people', t.peopleTitle, passwordOut, list, userForm, h('h3', {}, t.groupsTitle), groups);
}

// ---- call chains --------------------------------------------------------------------------

export function chainsView(ctx: Ctx): HTMLElement {
  const list = h('div');
  async(
    list,
    () => api<Chain[]>('/api/admin/chains'),
    (cs) =>
      h(
        'ul',
        { class: 'plain' },
        ...cs.map((c) =>
          h(
            'li',
            {},
            h('a', { href: `#/admin/chains/${enc(c.id)}` }, c.name),
            ` · ${c.definition.steps.length} ${c.definition.steps.length === 1 ? 'step' : 'steps'}`,
          ),
        ),
      ),
  );
  return page(
    '#/admin/chains',
    t.chainsTitle,
    list,
    h('p', {}, h('a', { class: 'button', href: '#/admin/chains/new' }, t.newChain)),
    h('h3', {}, t.handoffTitle),
    handoffSection(ctx),
  );
}

/** The service's alarm centres: a chain step may hand an alert to one (docs/escalation.md). */
function handoffSection(ctx: Ctx): HTMLElement {
  const box = h('div');
  async(
    box,
    () => api<HandoffEndpoint[]>('/api/admin/handoff-endpoints'),
    (eps) => {
      const name = input({ required: true, maxlength: 80 });
      const url = input({ required: true, type: 'url', maxlength: 2048, placeholder: 'https://' });
      const secret = input({ required: true, type: 'password', minlength: 16, maxlength: 200, autocomplete: 'new-password' });
      const format = h(
        'select',
        {},
        h('option', { value: 'cap' }, t.handoffFormatCap),
        h('option', { value: 'json' }, t.handoffFormatJson),
      );
      const status = statusLine();
      const form = h(
        'form',
        { class: 'stack' },
        field(t.handoffName, name),
        field(t.handoffUrl, url, t.handoffUrlHint),
        field(t.handoffSecret, secret, t.handoffSecretHint),
        field(t.handoffFormat, format),
        h('button', { type: 'submit' }, t.handoffAdd),
        status,
      );
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        api('/api/admin/handoff-endpoints', {
          method: 'POST',
          body: { name: name.value.trim(), url: url.value.trim(), secret: secret.value, format: format.value },
        }).then(
          () => ctx.refresh(),
          (err: unknown) => {
            if (!fieldErrors({ name, url, secret, format }, err)) announce(status, errText(err), true);
          },
        );
      });
      const remove = (e: HandoffEndpoint) =>
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              api(`/api/admin/handoff-endpoints/${enc(e.id)}`, { method: 'DELETE' }).then(
                () => ctx.refresh(),
                (err: unknown) => announce(status, errText(err), true),
              );
            },
          },
          t.handoffRemove,
          h('span', { class: 'sr-only' }, ` ${e.name}`),
        );
      return [
        eps.length === 0
          ? h('p', {}, t.handoffNone)
          : table(
              [t.handoffName, t.handoffUrl, t.handoffFormat, t.handoffSecret, t.handoffActions],
              eps.map((e) => [e.name, e.url, e.format.toUpperCase(), e.secret, remove(e)]),
              t.handoffTitle,
            ),
        form,
      ];
    },
  );
  return box;
}

export function chainView(ctx: Ctx, id: string, forWearer?: string): HTMLElement {
  const body = h('div');
  const root = page('#/admin/chains', id === 'new' ? t.newChain : t.loading, body);
  const title = root.querySelector('h2')!;
  async(
    body,
    () =>
      Promise.all([
        id === 'new'
          ? Promise.resolve<EditedChain>({
              id: '',
              name: '',
              definition: { steps: [{ targets: [], channels: ['app', 'sms'], waitS: 60 }] },
            })
          : api<EditedChain>(`/api/admin/chains/${enc(id)}`),
        api<UserRow[]>('/api/admin/users'),
        api<Group[]>('/api/admin/groups').catch(() => [] as Group[]),
        id === 'new' && forWearer ? api<Wearer>(`/api/admin/wearers/${enc(forWearer)}`) : Promise.resolve(null),
        api<ChannelInfo[]>('/api/channels'),
        api<HandoffEndpoint[]>('/api/admin/handoff-endpoints').catch(() => [] as HandoffEndpoint[]),
      ]),
    ([chain, users, groups, wearer, channels, handoffs]) => {
      if (chain.id) title.textContent = t.editChain(chain.name);
      if (wearer) {
        // From the enrol flow: their responders by app and SMS, then their emergency contact by SMS.
        title.textContent = t.createChainFor(wearer.alias);
        chain.name = wearer.alias;
        chain.definition = {
          steps: [
            { targets: wearer.responderIds.map((rid) => ({ type: 'responder', id: rid })), channels: ['app', 'sms'], waitS: 60 },
            { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 60 },
          ],
        };
      }
      return chainEditor(
        ctx,
        chain,
        users.filter((u) => u.role === 'responder'),
        groups,
        channels,
        wearer,
        handoffs,
      );
    },
  );
  return root;
}

/** The app's own words for the channels it knows; a channel it does not know shows the server's label. */
const channelLabel = (c: ChannelInfo): string =>
  (({ app: t.channelApp, sms: t.channelSms, voice: t.channelVoice }) as Record<string, string>)[c.id] ?? c.label;

/** What the editor changes of a chain (a new one has no id yet). */
type EditedChain = Pick<Chain, 'id' | 'name' | 'definition'>;

function chainEditor(
  ctx: Ctx,
  chain: EditedChain,
  users: UserRow[],
  groups: Group[],
  channels: ChannelInfo[],
  forWearer: Wearer | null = null,
  handoffs: HandoffEndpoint[] = [],
): HTMLElement {
  // Work on a copy; unknown fields of the definition and of each step are kept as they were.
  const def: ChainDefinition = structuredClone(chain.definition);
  const name = input({ required: true, maxlength: 60, value: chain.name });
  const stepsBox = h('ol', { class: 'steps' });
  const status = statusLine();
  const has = (st: ChainStep, tg: ChainTarget) => st.targets.some((x) => targetKey(x) === targetKey(tg));
  const toggle = (st: ChainStep, tg: ChainTarget, on: boolean) => {
    st.targets = st.targets.filter((x) => targetKey(x) !== targetKey(tg));
    if (on) st.targets.push(tg);
  };
  const draw = () => {
    stepsBox.replaceChildren(
      ...def.steps.map((st, i) => {
        const n = i + 1;
        const who = h(
          'fieldset',
          { class: 'checks' },
          h('legend', {}, t.stepWho),
          ...users.map((u) =>
            checkbox(`${u.displayName}`, has(st, { type: 'responder', id: u.id }), (on) => toggle(st, { type: 'responder', id: u.id }, on)),
          ),
          ...groups.map((g) =>
            checkbox(`${g.name}`, has(st, { type: 'group', id: g.id }), (on) => toggle(st, { type: 'group', id: g.id }, on)),
          ),
          ...groups.map((g) =>
            checkbox(t.onShiftTarget(g.name), has(st, { type: 'on_shift', groupId: g.id }), (on) =>
              toggle(st, { type: 'on_shift', groupId: g.id }, on),
            ),
          ),
          checkbox(t.emergencyContactTarget, has(st, { type: 'emergency_contact' }), (on) => {
            toggle(st, { type: 'emergency_contact' }, on);
            // A contact has no app: a step for them alone is by SMS.
            if (on && st.targets.every((x) => x.type === 'emergency_contact' || x.type === 'phone')) {
              st.channels = ['sms'];
              draw();
              stepsBox.querySelector<HTMLInputElement>(`li[data-step="${n}"] fieldset input[type=checkbox]`)?.focus();
            }
          }),
          // An alarm centre is always paged by its hand-off (the server ignores the step's other channels for it).
          ...handoffs.map((e) =>
            checkbox(t.handoffTarget(e.name), has(st, { type: 'handoff', id: e.id }), (on) => {
              toggle(st, { type: 'handoff', id: e.id }, on);
              if (on && st.targets.every((x) => x.type === 'handoff') && !st.channels.includes('handoff')) {
                st.channels = ['handoff'];
                draw();
              }
            }),
          ),
        );
        const phoneT = st.targets.find((x): x is Extract<ChainTarget, { type: 'phone' }> => x.type === 'phone');
        const phone = input({ type: 'tel', value: phoneT?.phone ?? '' });
        phone.addEventListener('change', () => {
          st.targets = st.targets.filter((x) => x.type !== 'phone');
          if (phone.value.trim()) st.targets.push({ type: 'phone', phone: phone.value.trim(), label: phoneT?.label ?? 'phone' });
        });
        const how = h(
          'fieldset',
          { class: 'checks' },
          h('legend', {}, t.stepChannels),
          // The editor has no fallback column: a fallback-only channel is not offered as a step's channel.
          ...channels
            .filter((ch) => !ch.fallbackOnly)
            .map((ch) =>
              checkbox(channelLabel(ch), st.channels.includes(ch.id), (on) => {
                st.channels = st.channels.filter((x) => x !== ch.id);
                if (on) st.channels.push(ch.id);
              }),
            ),
        );
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
        return h(
          'li',
          { class: 'step', 'data-step': n },
          h('h3', {}, t.step(n)),
          who,
          field(t.extraPhone, phone, t.phoneHint),
          how,
          field(t.waitS, wait),
          h(
            'div',
            { class: 'actions' },
            h(
              'button',
              { type: 'button', onclick: () => move(-1), disabled: i === 0 },
              t.moveUp,
              h('span', { class: 'sr-only' }, ` ${t.step(n)}`),
            ),
            h(
              'button',
              { type: 'button', onclick: () => move(1), disabled: i === def.steps.length - 1 },
              t.moveDown,
              h('span', { class: 'sr-only' }, ` ${t.step(n)}`),
            ),
            h(
              'button',
              {
                type: 'button',
                onclick: () => {
                  def.steps.splice(i, 1);
                  draw();
                },
                disabled: def.steps.length === 1,
              },
              t.removeStep,
              h('span', { class: 'sr-only' }, ` ${t.step(n)}`),
            ),
          ),
        );
      }),
    );
  };
  draw();
  const form = h(
    'form',
    { class: 'stack chain-editor' },
    field(t.chainName, name),
    stepsBox,
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          def.steps.push({ targets: [], channels: ['app', 'sms'], waitS: 60 });
          draw();
        },
      },
      t.addStep,
    ),
    h('button', { type: 'submit', class: 'primary' }, t.saveChain),
    status,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    status.textContent = '';
    const body = { name: name.value.trim(), definition: def };
    api<Chain>(chain.id ? `/api/admin/chains/${enc(chain.id)}` : '/api/admin/chains', { method: chain.id ? 'PUT' : 'POST', body })
      .then(async (c) => {
        if (forWearer && !chain.id && c?.id) {
          await api(`/api/admin/wearers/${enc(forWearer.id)}/chain`, { method: 'PUT', body: { chainId: c.id } });
          pendingStatus = t.chainAssigned(forWearer.alias);
          location.hash = `#/admin/wearers/${enc(forWearer.id)}`;
          return;
        }
        announce(status, t.saved);
        if (!chain.id && c?.id) location.hash = `#/admin/chains/${enc(c.id)}`;
      })
      .catch((err: unknown) => {
        announce(status, errText(err), true);
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
  async(
    list,
    () => api<HistoryRow[]>('/api/admin/alerts'),
    (rows) =>
      table(
        [t.colWhen, t.colWho, t.colState, t.colOutcome, t.colAck, t.colArrive, t.colAttending],
        rows.map((r) => [
          h('a', { href: `#/alerts/${enc(r.id)}` }, fmtDateTime(r.createdAt)),
          r.wearerAlias,
          t.state[r.state] ?? r.state,
          r.outcome ? (t.outcomes[r.outcome as keyof typeof t.outcomes] ?? r.outcome) : t.none,
          t.seconds(r.secondsToAcknowledge),
          t.seconds(r.secondsToArrive),
          r.attending ?? t.none,
        ]),
        t.historyTitle,
      ),
  );
  return page(
    '#/admin/alerts',
    t.historyTitle,
    h('p', {}, h('a', { class: 'button', href: '/api/admin/alerts.csv', download: 'odart-alerts.csv' }, t.exportCsv)),
    list,
  );
}

// ---- service settings ---------------------------------------------------------------------

export function serviceView(_ctx: Ctx): HTMLElement {
  const box = h('div');
  async(
    box,
    () => api<ServiceSettings>('/api/admin/service'),
    (sv) => {
      const emergency = input({ type: 'tel', required: true, value: sv.emergencyNumber, autocomplete: 'off' });
      const phone = input({ type: 'tel', value: sv.phone ?? '', autocomplete: 'off' });
      const countries = phoneCountries();
      // A code the list lacks (an older library on the server) is kept, not silently changed on save.
      if (!countries.some((c) => c.code === sv.defaultCountry)) countries.unshift({ code: sv.defaultCountry, name: sv.defaultCountry });
      const country = h(
        'select',
        {},
        ...countries.map((c) => h('option', { value: c.code, selected: c.code === sv.defaultCountry }, t.countryOption(c.name, c.code))),
      );
      country.value = sv.defaultCountry;
      const status = statusLine();
      const form = h(
        'form',
        { class: 'stack' },
        field(t.serviceEmergencyNumber, emergency, t.serviceEmergencyHint),
        field(t.servicePhone, phone, t.servicePhoneHint),
        field(t.serviceCountry, country, t.serviceCountryHint),
        h('button', { type: 'submit', class: 'primary' }, t.save),
        status,
      );
      const controls = { emergencyNumber: emergency, phone, defaultCountry: country };
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        status.textContent = '';
        fieldErrors(controls, null);
        api<ServiceSettings>('/api/admin/service', {
          method: 'PATCH',
          body: { emergencyNumber: emergency.value.trim(), phone: phone.value.trim() || null, defaultCountry: country.value },
        }).then(
          () => announce(status, t.saved),
          (err: unknown) => {
            const marked = fieldErrors(controls, err);
            announce(status, marked ? `${errText(err)}. ${t.fixBelow}` : errText(err), true);
          },
        );
      });
      return form;
    },
  );
  return page('#/admin/service', t.serviceTitle, box);
}

// ---- naloxone kits ------------------------------------------------------------------------------

export function kitsView(ctx: Ctx): HTMLElement {
  const warnings = h('div');
  const carriers = h('div');
  const list = h('div');
  const status = statusLine();
  const name = input({ required: true, maxlength: 80, autocomplete: 'off' });
  const holder = h('select', {}, ...['box', 'pharmacy', 'responder'].map((x) => h('option', { value: x }, t.kitHolders[x] ?? x)));
  const carrier = h('select', {});
  const address = h('textarea', { rows: 2, maxlength: 300 });
  const lat = input({ inputmode: 'decimal', autocomplete: 'off' });
  const lon = input({ inputmode: 'decimal', autocomplete: 'off' });
  const access = h('textarea', { rows: 2, maxlength: 1000 });
  const expires = input({ type: 'date', required: true });
  const carrierField = field(t.kitCarrier, carrier);
  const submit = h('button', { type: 'submit', class: 'primary' }, t.kitAdd);
  const cancel = h('button', { type: 'button', hidden: true }, t.kitCancelEdit);
  const formTitle = h('h3', { id: 'kit-form-h' }, t.kitAdd);
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-labelledby': 'kit-form-h' },
    field(t.kitName, name),
    field(t.kitHolder, holder),
    carrierField,
    field(t.kitAddress, address),
    field(t.kitLatitude, lat, t.kitPlaceHint),
    field(t.kitLongitude, lon),
    field(t.accessNotes, access),
    field(t.kitExpires, expires),
    h('p', { class: 'actions' }, submit, cancel),
    status,
  );
  const controls = { name, holder, holderUserId: carrier, address, latitude: lat, longitude: lon, accessNotes: access, expiresOn: expires };
  let editing: Kit | null = null;
  const showCarrier = () => (carrierField.hidden = holder.value !== 'responder');
  holder.addEventListener('change', showCarrier);
  showCarrier();
  api<UserRow[]>('/api/admin/users').then(
    (us) => carrier.append(...us.filter((u) => !u.disabled).map((u) => h('option', { value: u.id }, u.displayName))),
    (err: unknown) => ctx.flash(err),
  );
  const fill = (k: Kit | null) => {
    editing = k;
    name.value = k?.name ?? '';
    holder.value = k?.holder ?? 'box';
    if (k?.holderUserId) carrier.value = k.holderUserId;
    address.value = k?.address ?? '';
    lat.value = k?.latitude === null || k === null ? '' : String(k.latitude);
    lon.value = k?.longitude === null || k === null ? '' : String(k.longitude);
    access.value = k?.accessNotes ?? '';
    expires.value = k?.expiresOn ?? '';
    formTitle.textContent = k ? t.kitEditing(k.name) : t.kitAdd;
    submit.textContent = k ? t.save : t.kitAdd;
    cancel.hidden = !k;
    showCarrier();
    fieldErrors(controls, null);
  };
  cancel.addEventListener('click', () => fill(null));

  /** Fills the warnings and carriers, and returns the list of kits. */
  const draw = (kits: Kit[]): Node => {
    const due = kits.filter((k) => k.expiring);
    warnings.replaceChildren(
      ...(due.length
        ? [
            h('h3', {}, t.kitsWarnTitle),
            h(
              'ul',
              { class: 'warnings', id: 'kit-warnings' },
              ...due.map((k) =>
                h(
                  'li',
                  {},
                  k.daysLeft < 0 ? t.kitExpired(k.name, -k.daysLeft, k.expiresOn) : t.kitExpiresIn(k.name, k.daysLeft, k.expiresOn),
                ),
              ),
            ),
          ]
        : []),
    );
    const carried = kits.filter((k) => k.holder === 'responder' && k.daysLeft >= 0);
    carriers.replaceChildren(
      h('h3', {}, t.kitCarriersTitle),
      carried.length
        ? h('ul', { id: 'kit-carriers' }, ...carried.map((k) => h('li', {}, t.kitCarries(k.holderName ?? t.someone, k.name, k.expiresOn))))
        : h('p', { class: 'muted' }, t.kitCarriersNone),
    );
    return kits.length
      ? table(
          t.kitCols,
          kits.map((k) => {
            const edit = h('button', { type: 'button' }, t.kitEdit, h('span', { class: 'sr-only' }, ` ${k.name}`));
            edit.addEventListener('click', () => {
              fill(k);
              name.focus();
            });
            const del = dangerButton(t.kitDelete, t.kitDeleteConfirm(k.name), () =>
              api(`/api/admin/kits/${enc(k.id)}`, { method: 'DELETE' }).then(() => {
                announce(status, t.kitDeleted);
                reload();
              }),
            );
            return [
              k.name,
              k.holder === 'responder'
                ? `${t.kitHolders.responder}: ${k.holderName ?? ''}`
                : `${t.kitHolders[k.holder]}${k.address ? `, ${k.address}` : ''}`,
              h('span', { class: k.expiring ? 'warn' : '' }, k.expiresOn),
              h('span', { class: 'row-actions' }, edit, del),
            ];
          }),
          t.kitsTitle,
        )
      : h('p', { class: 'muted' }, t.kitsNone);
  };
  const reload = () => void async(list, () => api<Kit[]>('/api/admin/kits'), draw);

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const place =
      lat.value.trim() === '' && lon.value.trim() === ''
        ? { latitude: null, longitude: null }
        : { latitude: num(lat.value), longitude: num(lon.value) };
    const body = {
      name: name.value.trim(),
      holder: holder.value,
      holderUserId: holder.value === 'responder' ? carrier.value || null : null,
      address: address.value.trim() || null,
      ...place,
      accessNotes: access.value.trim() || null,
      expiresOn: expires.value,
    };
    status.textContent = '';
    fieldErrors(controls, null);
    const was = editing;
    api<Kit>(was ? `/api/admin/kits/${enc(was.id)}` : '/api/admin/kits', { method: was ? 'PUT' : 'POST', body }).then(
      (k) => {
        fill(null);
        announce(status, was ? t.saved : t.kitAdded(k.name));
        reload();
      },
      (err: unknown) => {
        const marked = fieldErrors(controls, err);
        announce(status, marked ? `${errText(err)}. ${t.fixBelow}` : errText(err), true);
      },
    );
  });
  reload();
  return page('#/admin/kits', t.kitsTitle, warnings, carriers, list, formTitle, form);
}

// ---- shared: status lines, field errors -----------------------------------------------------

/** A message for the next page shown (e.g. "enrolled" after the route changes to the new wearer). */
let pendingStatus: string | null = null;

/** A result line after a form: a polite live region that also takes focus, so the result is heard and seen. */
function statusLine(): HTMLElement {
  return h('p', { role: 'status', class: 'status', tabindex: -1 });
}

function announce(el: HTMLElement, text: string, error = false): void {
  el.textContent = text;
  el.classList.toggle('error', error);
  el.focus();
}

/**
 * Marks the fields the API named (`error.fields`): aria-invalid and the message under the field, tied by
 * aria-describedby. Clears earlier marks. Returns whether any field was marked.
 */
function fieldErrors(controls: Record<string, HTMLElement>, err: unknown): boolean {
  const fields = err instanceof ApiError ? err.fields : {};
  let any = false;
  for (const [name, control] of Object.entries(controls)) {
    const errId = `${control.id}-err`;
    document.getElementById(errId)?.remove();
    control.removeAttribute('aria-invalid');
    const described = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x && x !== errId);
    const msg = fields[name];
    if (msg) {
      any = true;
      control.setAttribute('aria-invalid', 'true');
      control.parentElement?.append(h('p', { class: 'field-error', id: errId }, msg));
      described.push(errId);
    }
    if (described.length) control.setAttribute('aria-describedby', described.join(' '));
    else control.removeAttribute('aria-describedby');
  }
  const first = Object.entries(controls).find(([name]) => fields[name]);
  if (first) window.setTimeout(() => first[1].focus(), 0);
  return any;
}

// ---- dashboard: open alerts, notices, readiness ----------------------------------------------

function noticeText(n: NoticeItem): string {
  const alias = n.alias ?? t.someone;
  const d = n.data;
  switch (n.kind) {
    case 'chain_exhausted':
      return t.noticeExhausted(alias);
    case 'consent':
      return t.noticeConsent(alias, String(d.change), String(d.via));
    case 'technical':
      return t.noticeTechnical(alias, String(d.deviceId), String(d.issue));
    default:
      return n.kind satisfies never;
  }
}

/** Notices stored by the server (kept across reloads until an admin dismisses them). */
function noticesList(ctx: Ctx): { el: HTMLElement; loaded: Promise<NoticeItem[]> } {
  const el = h('ul', { class: 'notices', id: 'notices', 'aria-live': 'polite' }, h('li', { class: 'muted' }, t.loading));
  const loaded = api<NoticeItem[]>('/api/admin/notices');
  loaded.then(
    (list) => {
      for (const n of list)
        if (n.kind === 'chain_exhausted' && n.alertId && ctx.alerts.get(n.alertId)?.state === 'escalating') ctx.exhausted.add(n.alertId);
      el.replaceChildren(
        ...(list.length === 0
          ? [h('li', { class: 'muted' }, t.noNotices)]
          : list.map((n) => {
              const text = noticeText(n);
              const dismiss = h(
                'button',
                { type: 'button', 'aria-label': `${t.dismiss}: ${text}`, 'data-focus-key': `dismiss-${n.id}` },
                t.dismiss,
              );
              dismiss.addEventListener('click', () => {
                api(`/api/admin/notices/${enc(n.id)}/dismiss`, { method: 'POST', body: {} }).then(
                  () => {
                    ctx.refresh();
                    document.getElementById('notices-h')?.focus();
                  },
                  (err: unknown) => ctx.flash(err),
                );
              });
              return h(
                'li',
                { class: n.kind },
                h('time', { datetime: n.at }, fmtDateTime(n.at)),
                ' ',
                n.alertId ? h('a', { href: `#/alerts/${enc(n.alertId)}` }, text) : text,
                n.count > 1 ? t.noticeRepeat(n.count) : '',
                ' ',
                dismiss,
              );
            })),
      );
    },
    (err: unknown) => el.replaceChildren(h('li', { class: 'error' }, errText(err))),
  );
  return { el, loaded: loaded.catch(() => []) };
}

/** Open alerts with where their escalation is: state, who is going and since when, the chain's step. */
function openAlertsSection(ctx: Ctx, notices: Promise<NoticeItem[]>): HTMLElement {
  const open = [...ctx.alerts.values()].filter((a) => OPEN_STATES.has(a.state)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const list = h('ul', { class: 'open-alerts', id: 'open-alerts' });
  const draw = () =>
    list.replaceChildren(...(open.length === 0 ? [h('li', { class: 'muted' }, t.noOpenAlerts)] : open.map((a) => openAlertItem(ctx, a))));
  draw();
  // Exhausted chains known only from stored notices (after a reload) are marked once those are in.
  void notices.then(draw);
  return h('section', { 'aria-labelledby': 'open-h', class: 'panel' }, h('h3', { id: 'open-h' }, t.openAlertsTitle), list);
}

function openAlertItem(ctx: Ctx, a: Alert): HTMLElement {
  // Times, not "minutes ago": the browser's clock is not the server's.
  const lines: (HTMLElement | string)[] = [h('p', {}, t.startedAt(fmtDateTime(a.createdAt)))];
  const who = a.attendingResponderId ? ctx.name(a.attendingResponderId) : (a.attendingContact ?? null);
  const esc = a.escalation;
  const exhausted = a.state === 'escalating' && (esc?.exhausted || ctx.exhausted.has(a.id));
  if (who || !exhausted)
    lines.push(
      h('p', { class: 'attending' }, who ? t.attendingSince(who, a.acknowledgedAt ? fmtTime(a.acknowledgedAt) : '—') : t.nobodyAttending),
    );
  if (esc && !esc.exhausted && a.state === 'escalating') {
    lines.push(
      h(
        'p',
        {},
        t.escalationStep(esc.step + 1, esc.steps),
        esc.next.length > 0 && esc.nextAt ? `, ${t.escalationNext(esc.next.join(', '), fmtTime(esc.nextAt))}` : '',
      ),
    );
  }
  if (exhausted) lines.push(h('p', { class: 'exhausted', role: 'alert' }, h('strong', {}, t.chainExhausted)));
  return h(
    'li',
    { class: `open-alert ${a.state}${exhausted ? ' is-exhausted' : ''}`, 'data-alert': a.id },
    h(
      'h4',
      {},
      h('a', { href: `#/alerts/${enc(a.id)}` }, a.wearerAlias),
      ' ',
      h('span', { class: `badge ${a.state}` }, t.state[a.state] ?? a.state),
    ),
    ...lines,
  );
}

function readinessSummary(): HTMLElement {
  const box = h('div');
  async(
    box,
    () => api<ReadinessRow[]>('/api/admin/readiness'),
    (rows) => {
      const gaps = rows.filter((r) => !r.ready);
      return [
        h('p', { id: 'readiness-summary' }, gaps.length === 0 ? t.readinessAllReady : `${gaps.length} / ${rows.length} ${t.readyNo}`),
        gaps.length
          ? table(
              [t.colWho, t.colReady, t.colMissing],
              gaps.map((r) => [
                h('a', { href: `#/admin/wearers/${enc(r.wearerId)}` }, r.alias),
                t.readyNo,
                r.problems.map((p) => t.readinessItem[p] ?? p).join(', '),
              ]),
              t.readinessSummaryTitle,
            )
          : h('span'),
      ];
    },
  );
  return h('section', { 'aria-labelledby': 'ready-h' }, h('h3', { id: 'ready-h' }, t.readinessSummaryTitle), box);
}

/** The wearer's checklist: what stands between an overdose and a responder at the door. */
function readinessPanel(w: Wearer): { el: HTMLElement; reload: () => void } {
  const box = h('div');
  const reload = () =>
    void async(
      box,
      () => api<Readiness>(`/api/admin/wearers/${enc(w.id)}/readiness`),
      (r) => [
        h('p', { id: 'readiness-state', class: r.ready ? 'ok' : 'error' }, r.ready ? t.readyYes : t.readyNo),
        h(
          'ul',
          { class: 'checklist', id: 'readiness' },
          ...r.items.map((i) =>
            h(
              'li',
              { class: i.ok ? 'ok-item' : 'gap-item', 'data-item': i.key },
              h('strong', {}, `${i.ok ? t.readinessOk : t.readinessGap}: ${t.readinessItem[i.key] ?? i.key}`),
              ` — ${i.detail}`,
              !i.ok && i.key === 'chain'
                ? h('span', {}, ' ', h('a', { href: `#/admin/chains/new/${enc(w.id)}` }, t.createChainFor(w.alias)))
                : '',
            ),
          ),
        ),
      ],
    );
  reload();
  return {
    el: h('section', { class: 'panel', 'aria-labelledby': 'readiness-h' }, h('h3', { id: 'readiness-h' }, t.readinessTitle), box),
    reload,
  };
}

// ---- rotas (issue 16.1) -------------------------------------------------------------------

/** An instant as the service's clock shows it ("Sat 28 Mar, 20:00"). */
function fmtIn(tz: string, iso: string): string {
  return new Date(iso).toLocaleString('en-GB', {
    timeZone: tz,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** The dashboard's rota warnings: gaps and members who cannot be paged, per group, over the next 7 days. */
function rotaWarningsSummary(): HTMLElement {
  const box = h('div');
  async(
    box,
    () => Promise.all([api<RotaWarningsView[]>('/api/admin/rota-warnings'), api<ServiceSettings>('/api/admin/service')]),
    ([ws, svc]) =>
      ws.length === 0
        ? h('p', { id: 'rota-summary' }, t.rotaAllGood)
        : h(
            'ul',
            { id: 'rota-summary', class: 'warnings' },
            ...ws.map((w) =>
              h(
                'li',
                {},
                h('a', { href: `#/admin/rota/${enc(w.groupId)}` }, w.groupName),
                ': ',
                [
                  ...w.gaps.slice(0, 3).map((g) => t.rotaGap(fmtIn(svc.timeZone, g.start), fmtIn(svc.timeZone, g.end))),
                  ...w.unreachable.map((u) => t.rotaUnreachable(u.name, u.problem)),
                ].join('; '),
              ),
            ),
          ),
  );
  return h('section', { 'aria-labelledby': 'rota-h' }, h('h3', { id: 'rota-h' }, t.rotaWarningsTitle), box);
}

/** A group's rota: who is on now, the next 7 days with gaps and warnings, the weekly shifts and overrides. */
export function rotaView(ctx: Ctx, groupId: string): HTMLElement {
  const box = h('div');
  const gid = enc(groupId);
  const el = h(
    'section',
    { class: 'console rota', 'aria-labelledby': 'page-h' },
    nav('#/admin/people'),
    h('h2', { id: 'page-h' }, t.rotaLink),
    box,
  );
  async(
    box,
    () =>
      Promise.all([
        api<OnCallView>(`/api/admin/groups/${gid}/on-call?days=7`),
        api<RotaView>(`/api/admin/groups/${gid}/rota`),
        api<UserRow[]>('/api/admin/users'),
      ]),
    ([oc, rota, users]) => {
      el.querySelector('#page-h')!.textContent = t.rotaTitle(oc.groupName);
      const tz = oc.timeZone;
      const who = (id: string) => oc.names[id] ?? users.find((u) => u.id === id)?.displayName ?? id;
      const personSelect = (label: string, optional = false) => {
        const sel = h(
          'select',
          { 'aria-label': label },
          ...(optional ? [h('option', { value: '' }, t.rotaNoOne)] : []),
          ...users.map((u) => h('option', { value: u.id }, u.displayName)),
        );
        return sel;
      };
      const save = (shifts: RotaView['shifts']) =>
        api(`/api/admin/groups/${gid}/rota`, { method: 'PUT', body: { shifts } }).then(
          () => ctx.refresh(),
          (err: unknown) => ctx.flash(err),
        );

      const warnings = [
        ...oc.gaps.map((g) => t.rotaGap(fmtIn(tz, g.start), fmtIn(tz, g.end))),
        ...oc.unreachable.map((u) => t.rotaUnreachable(u.name, u.problem)),
      ];
      /** A form of labelled fields and one submit button; `onSubmit` runs without the page reloading. */
      const addForm = (fields: [string, Parameters<typeof field>[1]][], submit: string, onSubmit: () => void) => {
        const form = h(
          'form',
          { class: 'stack' },
          ...fields.map(([label, control]) => field(label, control)),
          h('button', { type: 'submit' }, submit),
        );
        form.addEventListener('submit', (ev) => {
          ev.preventDefault();
          onSubmit();
        });
        return form;
      };
      /** A Remove button named for its row ("Remove: Monday 20:00 Sam"). */
      const removeButton = (what: string, onRemove: () => void) => {
        const rm = h('button', { type: 'button', 'aria-label': `${t.rotaRemove}: ${what}` }, t.rotaRemove);
        rm.addEventListener('click', onRemove);
        return rm;
      };
      const covers = (o: RotaView['overrides'][number]) => t.rotaCovers(who(o.userId), o.replacesUserId ? who(o.replacesUserId) : null);
      const person = personSelect(t.rotaPerson);
      const weekday = h('select', {}, ...t.weekdays.map((d, i) => h('option', { value: String(i + 1) }, d)));
      const start = input({ type: 'time', value: '20:00', required: true });
      const end = input({ type: 'time', value: '08:00', required: true });
      const shiftForm = addForm(
        [
          [t.rotaPerson, person],
          [t.rotaWeekday, weekday],
          [t.rotaStart, start],
          [t.rotaEnd, end],
        ],
        t.rotaAddShift,
        () => void save([...rota.shifts, { userId: person.value, weekday: Number(weekday.value), start: start.value, end: end.value }]),
      );
      const oWho = personSelect(t.rotaPerson);
      const oWhom = personSelect(t.rotaReplaces, true);
      const oStart = input({ type: 'datetime-local', required: true });
      const oEnd = input({ type: 'datetime-local', required: true });
      const overrideForm = addForm(
        [
          [t.rotaPerson, oWho],
          [t.rotaReplaces, oWhom],
          [t.rotaOverrideStart, oStart],
          [t.rotaOverrideEnd, oEnd],
        ],
        t.rotaAddOverride,
        () => {
          api(`/api/admin/groups/${gid}/rota/overrides`, {
            method: 'POST',
            body: {
              userId: oWho.value,
              replacesUserId: oWhom.value || null,
              // Wall times of the service's clock (the labels say so): the server reads them in its time zone, not the browser's.
              start: oStart.value,
              end: oEnd.value,
            },
          }).then(
            () => ctx.refresh(),
            (err: unknown) => ctx.flash(err),
          );
        },
      );
      return [
        h('p', { class: 'muted' }, t.rotaTimeZone(tz)),
        oc.hasRota ? h('span') : h('p', { class: 'muted' }, t.rotaNoRota),
        h('h3', {}, t.rotaOnNow),
        h('p', { id: 'rota-now', class: 'on-now' }, oc.now.length ? oc.now.map(who).join(', ') : t.rotaNobody),
        h('h3', {}, t.rotaWarnings),
        warnings.length
          ? h('ul', { id: 'rota-warnings', class: 'warnings' }, ...warnings.map((w) => h('li', {}, w)))
          : h('p', { id: 'rota-warnings' }, t.rotaNoWarnings),
        h('h3', {}, t.rotaNext7),
        table(
          [t.rotaFrom, t.rotaTo, t.rotaWho],
          oc.segments.map((sg) => [
            fmtIn(tz, sg.start),
            fmtIn(tz, sg.end),
            sg.userIds.length ? sg.userIds.map(who).join(', ') : t.rotaNobody,
          ]),
          t.rotaNext7,
        ),
        h('h3', {}, t.rotaShifts),
        table(
          [t.rotaWeekday, t.rotaStartCol, t.rotaEndCol, t.rotaPerson, t.rotaRemove],
          rota.shifts.map((sh, i) => [
            t.weekdays[sh.weekday - 1] ?? String(sh.weekday),
            sh.start,
            sh.end,
            who(sh.userId),
            removeButton(
              `${t.weekdays[sh.weekday - 1]} ${sh.start} ${who(sh.userId)}`,
              () => void save(rota.shifts.filter((_, j) => j !== i)),
            ),
          ]),
          t.rotaShifts,
        ),
        shiftForm,
        h('h3', {}, t.rotaOverrides),
        table(
          [t.rotaOverrideStart, t.rotaOverrideEnd, t.rotaPerson, t.rotaRemove],
          rota.overrides.map((o) => [
            fmtIn(tz, o.start),
            fmtIn(tz, o.end),
            covers(o),
            removeButton(covers(o), () => {
              api(`/api/admin/groups/${gid}/rota/overrides/${enc(o.id)}`, { method: 'DELETE' }).then(
                () => ctx.refresh(),
                (err: unknown) => ctx.flash(err),
              );
            }),
          ]),
          t.rotaOverrides,
        ),
        overrideForm,
      ];
    },
  );
  return el;
}

/** What the detector has learnt about this person: room sensor scales (a warning when one looks wrong) and the baselines. */
function calibrationPanel(w: Wearer): HTMLElement {
  const box = h('div');
  const num = (v: number | null, unit: string) => (v === null ? t.notLearnt : `${v}${unit}`);
  async(
    box,
    () => api<Calibration>(`/api/admin/wearers/${enc(w.id)}/calibration`),
    (c) => [
      ...(c.running ? [] : [h('p', { class: 'muted' }, t.calibrationNotRunning)]),
      ...c.room.filter((r) => r.warning).map((r) => h('p', { class: 'error', 'data-warning': r.deviceId }, `${r.deviceId}: ${r.warning}`)),
      c.room.length
        ? table(
            [t.colSensor, t.colMoving, t.colStill, t.colSamples, t.colScale],
            c.room.map((r) => [
              r.deviceId,
              r.moving === null ? t.none : String(r.moving),
              r.still === null ? t.none : String(r.still),
              String(r.samples),
              r.learnt ? t.learntScale(r.factor) : t.stillLearning,
            ]),
            t.roomScaleCaption,
          )
        : h('p', { class: 'muted' }, t.noRoomSensor),
      h('h4', {}, t.baselinesTitle),
      h(
        'ul',
        { id: 'baselines' },
        h('li', {}, `${t.baselineRr}: ${num(c.baselines.rr, '/min')}`),
        h('li', {}, `${t.baselineSpo2}: ${num(c.baselines.spo2, ' %')}`),
        h('li', {}, `${t.baselineHr}: ${num(c.baselines.hr, '/min')}`),
      ),
    ],
  );
  return h(
    'section',
    { class: 'panel', id: 'calibration', 'aria-labelledby': 'calibration-h' },
    h('h3', { id: 'calibration-h' }, t.calibrationTitle),
    box,
  );
}
