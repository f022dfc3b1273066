// The page behind the link in an alert SMS (#/p/<token>), for a responder or an emergency contact who is
// not signed in: who, the full address with a maps link, how to get in, why, the state, and two buttons.
// The token is the only credential and grants this one alert; the server checks it on every request.
import { ApiError, api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../messages.js';
import type { PageInfo } from '../types.js';

const OPEN = new Set(['pending_checkin', 'escalating', 'acknowledged']);

export function alertLinkPage(token: string): HTMLElement {
  const root = h('section', { class: 'alert-link-page', 'aria-labelledby': 'page-title' }, h('h2', { id: 'page-title' }, t.loading));
  const body = h('div', {});
  const status = h('p', { role: 'status', class: 'status', id: 'page-status' });
  root.append(body, status);
  const path = `/api/page/${encodeURIComponent(token)}`;
  const draw = (p: PageInfo) => {
    root.dataset.state = p.state;
    root.querySelector('h2')!.textContent = t.pageTitle(p.alias);
    const maps = p.address ? `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(p.address)}` : null;
    const facts = h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t.pageAddress),
      h(
        'dd',
        {},
        p.address ?? '—',
        maps ? ' ' : '',
        maps ? h('a', { href: maps, target: '_blank', rel: 'noopener noreferrer' }, t.pageMaps) : null,
      ),
      p.accessNotes ? h('dt', {}, t.pageAccess) : null,
      p.accessNotes ? h('dd', {}, p.accessNotes) : null,
      h('dt', {}, t.pageReason),
      h('dd', {}, p.reason),
    );
    const state = h('p', { id: 'page-state' }, h('strong', {}, t.pageState[p.state] ?? p.state));
    let who: HTMLElement | null = null;
    if (p.youAreAttending) who = h('p', { class: 'you-attend' }, t.pageYouAttend(p.emergencyNumber));
    else if (p.attending) who = h('p', {}, t.pageOtherAttends(p.attending));
    else if (p.youDeclined) who = h('p', {}, t.pageYouDeclined);
    const act = (action: 'ack' | 'decline') => {
      status.textContent = '';
      api<PageInfo>(`${path}/${action}`, { method: 'POST', body: {} }).then(draw, (err: unknown) => {
        status.textContent = err instanceof ApiError ? err.message : t.errorGeneric;
      });
    };
    const buttons = h('div', { class: 'actions big' });
    if (OPEN.has(p.state) && !p.youAreAttending) {
      buttons.append(h('button', { type: 'button', class: 'primary', onclick: () => act('ack') }, t.pageGoing));
      if (!p.youDeclined)
        buttons.append(h('button', { type: 'button', class: 'secondary-danger', onclick: () => act('decline') }, t.pageDecline));
    }
    if (OPEN.has(p.state)) buttons.append(h('a', { class: 'button', href: `tel:${p.emergencyNumber}` }, t.pageCall(p.emergencyNumber)));
    body.replaceChildren(state, ...(who ? [who] : []), facts, buttons);
  };
  api<PageInfo>(path).then(draw, (err: unknown) => {
    root.querySelector('h2')!.textContent = t.pageBadLink;
    body.replaceChildren(
      h('p', { class: 'error', role: 'alert' }, err instanceof ApiError && err.status === 404 ? t.pageBadLink : t.errorGeneric),
    );
  });
  return root;
}
