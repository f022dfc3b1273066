// App shell: sign in, hash routes (responder screens, service console, the wearer's consent page), the
// live feed with catch-up and the alarm. Every user-facing text is in messages.ts.
import { Alarm } from './alarm.js';
import { ApiError, api } from './api.js';
import { disablePush, enablePush } from './push.js';
import { byId, fmtClock, h } from './dom.js';
import { LiveFeed } from './live.js';
import { t } from './messages.js';
import type { Alert, AlertDetail, LiveMsg, User } from './types.js';
import { OPEN_STATES } from './types.js';
import {
  chainView,
  chainsView,
  dashboardView,
  devicesView,
  historyView,
  kitsView,
  peopleView,
  wearerView,
  wearersView,
} from './views/admin.js';
import { consentPage } from './views/consent.js';
import { alertLinkPage } from './views/page.js';
import type { Ctx, Notice } from './views/ctx.js';
import { detailView, feedView, guideView, isDetailOf, reloadDetail } from './views/responder.js';
import { testPageArrived, testPageResult } from './views/test-page.js';
import { serviceView } from './views/admin.js';
import { rotaView } from './views/admin.js';

const alarm = new Alarm();
const alerts = new Map<string, Alert>();
const names = new Map<string, string>();
const notices: Notice[] = [];
const exhausted = new Set<string>();
/** alerts the alarm already sounded for, so a reconnect does not ring twice for the same page */
const alarmed = new Set<string>();
/** alerts this responder said "I can't go" to: no alarm for them unless the chain pages us again */
const declined = new Set<string>();
/** alerts we already told the user someone else took */
const toldTaken = new Set<string>();
let me: User | null = null;
let viewTimers: number[] = [];
/** where focus goes once the next view (or its async content) is built: the next step after an action */
let pendingFocus: string | null = null;

const feed = new LiveFeed(onLive, setConn, () => {
  api<{ user: User }>('/api/me').catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 401) signedOut();
  });
});

const ctx = (): Ctx => ({
  me: me!,
  alerts,
  alarm,
  notices,
  exhausted,
  name: (id) => names.get(id) ?? (id === me?.id ? me.displayName : t.someone),
  upsert: (a, rerender = true) => {
    alerts.set(a.id, a);
    if (a.attendingResponderId || !OPEN_STATES.has(a.state)) alarm.stop(a.id);
    if (rerender) render();
  },
  flash,
  refresh: render,
  every: (fn, ms) => {
    viewTimers.push(window.setInterval(fn, ms));
  },
  declined,
  announce,
  focusNext: (key) => {
    pendingFocus = key;
  },
  restoreFocus,
});

/** Result of an action for screen readers (WCAG 4.1.3): a live region that is always in the page. */
function announce(msg: string): void {
  const el = byId('announce');
  // The same text twice in a row must still be read: it has to change (a zero-width space is not spoken).
  el.textContent = el.textContent === msg ? `${msg}\u200b` : msg;
}

/** After a view (re)builds: focus the pending next step, else the control that had focus before. */
function restoreFocus(container: HTMLElement, previousKey?: string): void {
  const key = pendingFocus ?? previousKey;
  if (!key) return;
  const el = container.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`);
  if (!el) return;
  if (key === pendingFocus) pendingFocus = null;
  el.focus();
}

/** Someone else acknowledged an alert that paged us (or that we are looking at): say who, once. */
function tellTaken(a: Alert): void {
  if (!me || !a.attendingResponderId || a.attendingResponderId === me.id || toldTaken.has(a.id)) return;
  const looking = location.hash === `#/alerts/${a.id}`;
  if (!alarmed.has(a.id) && !looking) return;
  toldTaken.add(a.id);
  announce(t.gotThereFirst(names.get(a.attendingResponderId) ?? t.someone));
}

function flash(msg: unknown): void {
  const el = byId('flash');
  el.textContent =
    typeof msg === 'string' ? msg : msg instanceof ApiError ? (msg.status === 0 ? t.errorOffline : msg.message) : t.errorGeneric;
  el.hidden = false;
  window.setTimeout(() => {
    if (el.textContent) el.hidden = true;
  }, 8000);
}

/**
 * Every node says in /healthz whether a detection core is active (issue 14). While none is, nobody is watching the
 * wearers: a banner over every screen says so, until a core is back. Checked every CORE_CHECK_MS and at each
 * (re)connection of the live feed; a node that does not answer says nothing about the core (the live indicator does).
 */
const CORE_CHECK_MS = 5000;
let coreTimer: number | null = null;

async function checkCore(): Promise<void> {
  let body: { coreActive?: unknown };
  try {
    body = (await (await fetch('/healthz', { cache: 'no-store' })).json()) as { coreActive?: unknown };
  } catch {
    return;
  }
  showCoreBanner(body.coreActive === false);
}

function showCoreBanner(none: boolean): void {
  const el = byId('core-banner');
  document.documentElement.dataset.core = none ? 'none' : 'active';
  if (el.hidden === !none) return;
  el.textContent = none ? t.noCoreActive : '';
  el.hidden = !none;
}

function watchCore(on: boolean): void {
  if (coreTimer !== null) window.clearInterval(coreTimer);
  coreTimer = on ? window.setInterval(() => void checkCore(), CORE_CHECK_MS) : null;
  if (on) void checkCore();
  else showCoreBanner(false);
}

function setConn(online: boolean): void {
  if (online) void checkCore();
  const el = byId('conn');
  el.textContent = online ? t.live : t.reconnecting;
  el.classList.toggle('online', online);
  document.documentElement.dataset.live = online ? 'online' : 'offline';
}

function shouldRing(a: Alert): boolean {
  return a.state === 'escalating' && !a.attendingResponderId && !alarmed.has(a.id) && !declined.has(a.id);
}

function ring(a: Alert): void {
  alarmed.add(a.id);
  alarm.start(a);
}

/**
 * A page found in `hello` (missed while offline, or before a reload): ring unless the alert's timeline
 * says we already declined it (the chain never pages a decliner again). If the check fails, ring: a
 * needless alarm is better than a silent one.
 */
async function ringUnlessDeclined(a: Alert): Promise<void> {
  alarmed.add(a.id);
  const mine = `responder:${me?.id ?? ''}`;
  const said = await api<AlertDetail>(`/api/alerts/${encodeURIComponent(a.id)}`).then(
    (d) => d.timeline.some((e) => e.type === 'declined' && e.by === mine),
    () => false,
  );
  if (said) {
    declined.add(a.id);
    liveRender();
    return;
  }
  const now = alerts.get(a.id) ?? a;
  if (now.state !== 'escalating' || now.attendingResponderId || declined.has(a.id)) return;
  alarm.start(now);
  feed.send({ type: 'seen', alertId: a.id });
}

function onLive(msg: LiveMsg): void {
  switch (msg.type) {
    case 'hello': {
      // Catch-up after (re)connecting: the full current list, and the open alerts that paged us meanwhile.
      for (const a of msg.alerts) alerts.set(a.id, a);
      for (const id of msg.paged ?? []) {
        const a = alerts.get(id);
        if (a && shouldRing(a)) void ringUnlessDeclined(a);
      }
      if (alarm.current && !OPEN_STATES.has(alerts.get(alarm.current)?.state ?? '')) alarm.stop();
      break;
    }
    case 'alert':
      alerts.set(msg.alert.id, msg.alert);
      if (msg.alert.attendingResponderId || !OPEN_STATES.has(msg.alert.state)) {
        exhausted.delete(msg.alert.id);
        alarm.stop(msg.alert.id);
      }
      // The chain ran out and nobody acknowledged: the service's admins get the alarm (every reminder).
      if (msg.change === 'unacknowledged' && me?.role === 'admin' && msg.alert.state === 'escalating') {
        exhausted.add(msg.alert.id);
        alarmed.delete(msg.alert.id);
        if (shouldRing(msg.alert)) ring(msg.alert);
      }
      // We said "I can't go" (here, on another phone, by SMS or by the page link): stop ringing here too.
      // Only for us: the others paged for this alert are still wanted.
      if (msg.change === 'declined' && me && msg.by === me.id) {
        declined.add(msg.alert.id);
        alarm.stop(msg.alert.id);
      }
      tellTaken(msg.alert);
      // The chain started again (nobody arrived in time): a later "taken" is news again.
      if (!msg.alert.attendingResponderId) toldTaken.delete(msg.alert.id);
      break;
    case 'page':
      alerts.set(msg.alert.id, msg.alert);
      // Tell the server the page reached an open app, so no reminder SMS is needed.
      feed.send({ type: 'seen', alertId: msg.alert.id });
      // A later escalation step pages again: ring again even for an alert rung before (or declined).
      alarmed.delete(msg.alert.id);
      declined.delete(msg.alert.id);
      if (shouldRing(msg.alert)) ring(msg.alert);
      break;
    case 'technical':
      notices.unshift({ at: msg.at, kind: 'technical', text: t.noticeTechnical(msg.wearerId, msg.deviceId, msg.issue) });
      break;
    case 'consent':
      notices.unshift({ at: msg.at, kind: 'consent', text: t.noticeConsent(msg.alias, msg.change, msg.via) });
      break;
    case 'notice':
      // Stored server-side; the dashboard lists them from the API (kept across reloads).
      if (msg.notice.kind === 'chain_exhausted' && msg.notice.alertId) exhausted.add(msg.notice.alertId);
      break;
    case 'test_page':
      testPageArrived(msg.at);
      break;
    case 'test_page_result':
      testPageResult(msg.testPageId, msg.result);
      break;
    case 'error':
      break;
    default:
      msg satisfies never;
  }
  notices.splice(50);
  document.documentElement.dataset.alerts = String(alerts.size);
  liveRender();
}

/** Re-render after a live event, but never under the user's fingers in a form they are filling in. */
function liveRender(): void {
  const route = location.hash || '#/';
  if (route === '#/' || route === '#' || route === '#/admin' || route.startsWith('#/alerts/')) render();
}

/** One compact line (it must not cover the screen at 200% zoom): what, Open (unless already there), Silence. */
function renderBanner(alertId: string | null = alarm.current): void {
  const banner = byId('alarm-banner');
  const a = alertId ? alerts.get(alertId) : undefined;
  if (!a) {
    banner.hidden = true;
    banner.replaceChildren();
    return;
  }
  const until = alarm.silenced;
  const here = location.hash === `#/alerts/${a.id}`;
  banner.replaceChildren(
    h(
      'p',
      {},
      h('strong', {}, exhausted.has(a.id) ? t.exhaustedBanner(a.wearerAlias) : t.alarmBanner(a.wearerAlias)),
      until ? ` ${t.silencedUntil(fmtClock(until))}` : null,
    ),
  );
  if (!here)
    banner.append(h('a', { class: 'button', href: `#/alerts/${a.id}` }, t.openAlert, h('span', { class: 'sr-only' }, ` ${a.wearerAlias}`)));
  if (!until)
    banner.append(
      h('button', { type: 'button', onclick: () => alarm.silence() }, t.silence, h('span', { class: 'sr-only' }, t.silenceFor)),
    );
  banner.hidden = false;
}
alarm.onChange = (id) => renderBanner(id);

function show(view: 'login' | 'app'): void {
  byId('login-view').hidden = view !== 'login';
  byId('view').hidden = view !== 'app';
  byId('who').hidden = view !== 'app' || !me;
  byId('nav').hidden = view !== 'app' || !me;
}

function render(): void {
  for (const id of viewTimers) window.clearInterval(id);
  viewTimers = [];
  const route = (location.hash || '#/').replace(/^#/, '') || '/';
  const view = byId('view');
  const consent = /^\/consent\/([A-Za-z0-9_-]{20,100})$/.exec(route);
  const paged = /^\/p\/([a-z0-9_]{1,60}\.[A-Za-z0-9_-]{16})$/.exec(route);
  if (consent || paged) {
    // The wearer's page and the alert SMS link need no sign-in.
    byId('login-view').hidden = true;
    byId('nav').hidden = true;
    byId('who').hidden = true;
    view.hidden = false;
    view.replaceChildren(consent ? consentPage(consent[1]!) : alertLinkPage(paged![1]!));
    return;
  }
  if (!me) {
    show('login');
    return;
  }
  show('app');
  const focusKey = (document.activeElement as HTMLElement | null)?.dataset?.focusKey;
  const c = ctx();
  const parts = route.split('/').filter(Boolean);
  let el: HTMLElement;
  const isAdmin = me.role === 'admin';
  renderBanner();
  const shown = view.firstElementChild;
  if (parts[0] === 'alerts' && parts[1] && shown instanceof HTMLElement && isDetailOf(shown, decodeURIComponent(parts[1]))) {
    // The same alert again (a live event, an action): refresh it in place, keeping scroll and focus.
    reloadDetail(c, shown);
    return;
  }
  if (parts[0] === 'alerts' && parts[1]) el = detailView(c, decodeURIComponent(parts[1]));
  else if (parts[0] === 'guide') el = guideView();
  else if (parts[0] === 'admin' && isAdmin) {
    const [, sect, id] = parts;
    if (!sect) el = dashboardView(c);
    else if (sect === 'wearers' && id) el = wearerView(c, decodeURIComponent(id));
    else if (sect === 'wearers') el = wearersView(c);
    else if (sect === 'devices') el = devicesView(c);
    else if (sect === 'people') el = peopleView(c);
    else if (sect === 'chains' && id) el = chainView(c, decodeURIComponent(id), parts[3] ? decodeURIComponent(parts[3]) : undefined);
    else if (sect === 'chains') el = chainsView(c);
    else if (sect === 'alerts') el = historyView();
    else if (sect === 'service') el = serviceView(c);
    else if (sect === 'kits') el = kitsView(c);
    else if (sect === 'rota' && id) el = rotaView(c, decodeURIComponent(id));
    else el = dashboardView(c);
  } else el = feedView(c);
  view.replaceChildren(el);
  for (const a of byId('nav').querySelectorAll('a')) {
    const href = a.getAttribute('href') ?? '';
    const current = href === '#/' ? parts.length === 0 || parts[0] === 'alerts' : `#/${parts[0] ?? ''}` === href;
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  restoreFocus(view, focusKey);
}

async function signedIn(user: User): Promise<void> {
  me = user;
  byId('who-name').textContent = user.displayName;
  byId('nav-admin').hidden = user.role !== 'admin';
  const [list, dir] = await Promise.all([api<Alert[]>('/api/alerts'), api<{ id: string; displayName: string }[]>('/api/directory')]);
  for (const u of dir) names.set(u.id, u.displayName);
  alerts.clear();
  for (const a of list) alerts.set(a.id, a);
  document.documentElement.dataset.signedIn = user.role;
  render();
  feed.start();
  watchCore(true);
  // Pages reach a locked phone by Web Push when notifications are allowed (asked at sign-in).
  void enablePush();
}

function signedOut(): void {
  me = null;
  feed.stop();
  watchCore(false);
  alarm.stop();
  alerts.clear();
  alarmed.clear();
  declined.clear();
  toldTaken.clear();
  delete document.documentElement.dataset.signedIn;
  render();
}

function setupShell(): void {
  // Static shell texts come from the catalogue too (the HTML holds the English defaults).
  const texts = t as unknown as Record<string, unknown>;
  for (const el of document.querySelectorAll<HTMLElement>('[data-t]')) {
    const v = texts[el.dataset.t ?? ''];
    if (typeof v === 'string') el.textContent = v;
  }
  byId('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    // A user gesture: the moment to unlock sound and ask for notifications.
    alarm.unlock();
    if ('Notification' in window && Notification.permission === 'default')
      void Notification.requestPermission()
        .then((p) => (p === 'granted' && me ? enablePush() : undefined))
        .catch(() => undefined);
    const username = byId<HTMLInputElement>('username').value.trim();
    const password = byId<HTMLInputElement>('password').value;
    const err = byId('login-error');
    err.textContent = '';
    api<{ user: User }>('/api/auth/login', { method: 'POST', body: { username, password } })
      .then((r) => signedIn(r.user))
      .catch((e: unknown) => {
        err.textContent =
          e instanceof ApiError ? (e.status === 401 ? t.badCredentials : e.status === 429 ? t.tooManyAttempts : e.message) : t.errorGeneric;
      });
  });
  byId('signout').addEventListener('click', () => {
    void disablePush()
      .then(() => api('/api/auth/logout', { method: 'POST', body: {} }))
      .finally(signedOut);
  });
  // Any tap may be the first gesture after a reload: let the alarm make sound from then on.
  document.addEventListener('pointerdown', () => alarm.unlock(), { once: true });
  document.addEventListener('keydown', () => alarm.unlock(), { once: true });
  window.addEventListener('hashchange', () => {
    render();
    byId('view').focus();
  });
  if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/sw.js').catch(() => undefined);
}

setupShell();
if (/^#\/(consent|p)\//.test(location.hash)) render();
else
  api<{ user: User }>('/api/me').then(
    (r) => signedIn(r.user),
    () => show('login'),
  );
