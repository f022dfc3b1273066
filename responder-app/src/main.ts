// Responder app: sign in, live alert list over the WebSocket (reconnects and catches up), acknowledge.
// Every user-facing text is in messages.ts.
import { t } from './messages.js';

interface User { id: string; username: string; role: string; displayName: string }
interface Alert {
  id: string; wearerId: string; wearerAlias: string; state: string; score: number; reasons: string[];
  createdAt: string; updatedAt: string; attendingResponderId: string | null; news2: number | null;
}
type LiveMsg =
  | { type: 'hello'; alerts: Alert[] }
  | { type: 'alert'; change: string; alert: Alert }
  | { type: 'page'; alert: Alert; step: number }
  | { type: 'technical'; wearerId: string; issue: string; detail: string };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const OPEN = new Set(['pending_checkin', 'escalating', 'acknowledged']);

let me: User | null = null;
const alerts = new Map<string, Alert>();
let ws: WebSocket | null = null;
let retryMs = 500;
let retryTimer: number | undefined;

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    credentials: 'same-origin',
    headers: init.body ? { 'content-type': 'application/json' } : {},
  });
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const msg = (body as { error?: { message?: string } } | null)?.error?.message ?? res.statusText;
    throw Object.assign(new Error(msg), { status: res.status });
  }
  return body as T;
}

function show(view: 'login' | 'alerts') {
  $('login-view').hidden = view !== 'login';
  $('alerts-view').hidden = view !== 'alerts';
  $('who').hidden = view !== 'alerts';
}

function fmtTime(iso: string) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function render() {
  const list = $('alert-list');
  const sorted = [...alerts.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  $('empty').hidden = sorted.length > 0;
  list.replaceChildren(...sorted.map(renderAlert));
}

function renderAlert(a: Alert): HTMLElement {
  const li = document.createElement('li');
  li.className = `alert ${a.state}`;
  li.dataset.alertId = a.id;
  const h = document.createElement('h3');
  h.textContent = t.alertTitle(a.wearerAlias);
  const meta = document.createElement('div');
  const state = document.createElement('span');
  state.className = 'state';
  state.textContent = t.state[a.state as keyof typeof t.state] ?? a.state;
  meta.append(state, document.createTextNode(` · ${t.risk} ${a.score}${a.news2 !== null ? ` · NEWS2 ${a.news2}` : ''} · ${fmtTime(a.createdAt)}`));
  const reasons = document.createElement('ul');
  for (const r of a.reasons) {
    const item = document.createElement('li');
    item.textContent = r;
    reasons.append(item);
  }
  li.append(h, meta, reasons);
  if (a.attendingResponderId) {
    const p = document.createElement('p');
    p.textContent = a.attendingResponderId === me?.id ? t.youAreAttending : t.attending(a.attendingResponderId);
    li.append(p);
  }
  if (OPEN.has(a.state)) {
    const actions = document.createElement('div');
    actions.className = 'actions';
    if (a.state !== 'acknowledged') {
      const ack = document.createElement('button');
      ack.type = 'button';
      ack.className = 'danger';
      ack.textContent = t.acknowledge;
      ack.addEventListener('click', () => void act(a.id, 'ack', ack));
      actions.append(ack);
    }
    const resolve = document.createElement('button');
    resolve.type = 'button';
    resolve.textContent = t.resolve;
    resolve.addEventListener('click', () => void resolveAlert(a.id, resolve));
    actions.append(resolve);
    li.append(actions);
  }
  return li;
}

async function act(id: string, action: 'ack', btn: HTMLButtonElement) {
  btn.disabled = true;
  try {
    const res = await api<{ alert: Alert }>(`/api/alerts/${encodeURIComponent(id)}/${action}`, { method: 'POST', body: '{}' });
    alerts.set(res.alert.id, res.alert);
    render();
  } catch (err) {
    btn.disabled = false;
    window.alert((err as Error).message);
  }
}

async function resolveAlert(id: string, btn: HTMLButtonElement) {
  const outcome = window.prompt(t.resolvePrompt, 'wearer_ok');
  if (!outcome) return;
  btn.disabled = true;
  try {
    const a = await api<Alert>(`/api/alerts/${encodeURIComponent(id)}/resolve`, { method: 'POST', body: JSON.stringify({ outcome }) });
    alerts.set(a.id, a);
    render();
  } catch (err) {
    btn.disabled = false;
    window.alert((err as Error).message);
  }
}

function alarm(a: Alert) {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    osc.frequency.value = 880;
    osc.connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.8);
  } catch { /* audio may be blocked until the user interacts */ }
  navigator.vibrate?.([400, 200, 400]);
  if ('Notification' in window && Notification.permission === 'granted') {
    new Notification(t.alertTitle(a.wearerAlias), { body: a.reasons.join('; '), tag: a.id });
  }
}

function setConn(online: boolean) {
  const el = $('conn');
  el.textContent = online ? t.live : t.reconnecting;
  el.classList.toggle('online', online);
}

function connect() {
  if (!me) return;
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  ws = new WebSocket(`${proto}://${location.host}/api/live`);
  ws.onopen = () => { retryMs = 500; setConn(true); };
  ws.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data)) as LiveMsg;
    switch (msg.type) {
      case 'hello':
        alerts.clear();
        for (const a of msg.alerts) alerts.set(a.id, a);
        break;
      case 'alert':
        alerts.set(msg.alert.id, msg.alert);
        break;
      case 'page':
        alerts.set(msg.alert.id, msg.alert);
        alarm(msg.alert);
        break;
      case 'technical':
        break;
    }
    render();
  };
  ws.onclose = () => {
    setConn(false);
    ws = null;
    if (!me) return;
    retryTimer = window.setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  };
}

async function signedIn(user: User) {
  me = user;
  $('who-name').textContent = user.displayName;
  show('alerts');
  const list = await api<Alert[]>('/api/alerts');
  alerts.clear();
  for (const a of list) alerts.set(a.id, a);
  render();
  if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission().catch(() => undefined);
  connect();
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const username = $<HTMLInputElement>('username').value.trim();
  const password = $<HTMLInputElement>('password').value;
  $('login-error').textContent = '';
  api<{ user: User }>('/api/auth/login', { method: 'POST', body: JSON.stringify({ username, password }) })
    .then((r) => signedIn(r.user))
    .catch((err: Error & { status?: number }) => {
      $('login-error').textContent = err.status === 401 ? t.badCredentials : err.message;
    });
});

$('signout').addEventListener('click', () => {
  me = null;
  window.clearTimeout(retryTimer);
  ws?.close();
  void api('/api/auth/logout', { method: 'POST', body: '{}' }).finally(() => show('login'));
});

api<{ user: User }>('/api/me').then((r) => signedIn(r.user), () => show('login'));
