// The wearer's own page, opened from their personal link (#/consent/<token>): the consent text with its
// version, their current choice, and buttons to opt in, pause, resume or stop. No account needed: the
// token in the link is the credential, and it never leaves the browser except in the request body.
import { ApiError, api } from '../api.js';
import { fmtDateTime, field, h } from '../dom.js';
import { CONSENT_VERSION, t } from '../messages.js';
import type { ConsentInfo } from '../types.js';

export function consentPage(token: string): HTMLElement {
  const root = h(
    'section',
    { class: 'consent-page', 'aria-labelledby': 'consent-title' },
    h('h2', { id: 'consent-title' }, t.consentTitle),
  );
  const body = h('div', {}, h('p', { class: 'muted' }, t.loading));
  const status = h('p', { role: 'status', class: 'status', id: 'consent-status' });
  root.append(body, status);
  const draw = (c: ConsentInfo) => {
    root.dataset.state = c.state;
    const pause = h('select', {}, ...t.pauseOptions.map((o) => h('option', { value: o.minutes }, o.label)));
    pause.value = '120';
    const act = (action: string, extra: Record<string, unknown> = {}) => {
      status.textContent = '';
      api<ConsentInfo>('/api/consent/act', { method: 'POST', body: { token, action, ...extra } }).then(
        (next) => {
          draw(next);
          status.textContent = t.consentDone[action] ?? '';
        },
        (err: unknown) => {
          status.textContent = err instanceof ApiError ? err.message : t.errorGeneric;
        },
      );
    };
    const buttons = h('div', { class: 'actions big' });
    if (c.state !== 'active' && c.state !== 'paused')
      buttons.append(
        h('button', { type: 'button', class: 'primary', onclick: () => act('opt_in', { version: CONSENT_VERSION }) }, t.optIn),
      );
    if (c.state === 'active')
      buttons.append(
        field(t.pauseFor, pause),
        h('button', { type: 'button', onclick: () => act('pause', { minutes: Number(pause.value) }) }, t.pause),
      );
    if (c.state === 'paused') buttons.append(h('button', { type: 'button', class: 'primary', onclick: () => act('resume') }, t.resume));
    if (c.state !== 'opted_out')
      buttons.append(h('button', { type: 'button', class: 'secondary-danger', onclick: () => act('opt_out') }, t.optOut));
    body.replaceChildren(
      h('p', {}, t.consentHello(c.alias, c.serviceName)),
      h('h3', {}, t.consentTextTitle),
      h('ul', { class: 'consent-text' }, ...t.consentText.map((x) => h('li', {}, x))),
      h('p', { class: 'muted' }, t.consentVersion(CONSENT_VERSION)),
      h(
        'p',
        { id: 'consent-current' },
        h('strong', {}, t.consentCurrent(c.state)),
        c.pausedUntil ? ` ${t.pausedUntil(fmtDateTime(c.pausedUntil))}` : '',
      ),
      // Consent on is not being watched: only the core's recent word to their devices is.
      c.monitoring.monitored && c.monitoring.lastAt
        ? h('p', { id: 'consent-monitoring', class: 'ok', 'data-monitored': 'yes' }, t.consentMonitored(fmtDateTime(c.monitoring.lastAt)))
        : h('p', { id: 'consent-monitoring', class: 'error', role: 'alert', 'data-monitored': 'no' }, t.consentNotMonitored),
      buttons,
    );
  };
  api<ConsentInfo>('/api/consent/lookup', { method: 'POST', body: { token } }).then(draw, (err: unknown) => {
    const status = err instanceof ApiError ? err.status : 0;
    body.replaceChildren(
      h('p', { class: 'error', role: 'alert' }, status === 410 ? t.consentExpiredLink : status === 404 ? t.consentBadLink : t.errorGeneric),
    );
  });
  return root;
}
