// "Send a test page" (issue 16.3): the responder checks every way they can be paged. The answer lists each
// method's result; the live `test_page` message marks that this open app got it, and `test_page_result`
// moves a method on as the provider reports ("SMS delivered", "Phone call failed: number unreachable")
// on this list and on the console's (an admin's test for a person). Never an alarm.
import { api } from '../api.js';
import { fmtTime, h } from '../dom.js';
import type { TestPageAnswer, TestPageResult } from '../types.js';

let last: TestPageAnswer | null = null;
let arrivedAt: string | null = null;
let sending = false;

/** The live feed said a test page reached this app. */
export function testPageArrived(at: string): void {
  arrivedAt = at;
  const el = document.getElementById('test-page-arrived');
  if (el) el.textContent = arrivedLine(at);
}

/** The live feed said a method of a test page moved on: every list of that test page on screen shows it. */
export function testPageResult(testPageId: string, result: TestPageResult): void {
  if (last?.testPageId === testPageId) last = { ...last, results: last.results.map((r) => (r.channel === result.channel ? result : r)) };
  const sel = `ul[data-test-page-id="${CSS.escape(testPageId)}"] li[data-channel="${CSS.escape(result.channel)}"]`;
  for (const li of document.querySelectorAll<HTMLElement>(sel)) {
    li.dataset.status = result.status;
    li.textContent = result.detail;
  }
}

/** One list item per method: what the answer (and later the live feed) says of it. */
export function resultItems(results: readonly TestPageResult[]): HTMLElement[] {
  return results.map((r) => h('li', { 'data-channel': r.channel, 'data-status': r.status }, r.detail));
}

const arrivedLine = (at: string) => `Test page received in this app at ${fmtTime(at)}.`;

/** The section with the button and the last results; `path` is the user's own or an admin's route. */
export function testPageSection(path = '/api/me/test-page', heading = 'Test page'): HTMLElement {
  const results = h('ul', { id: 'test-page-results', class: 'test-page-results', 'aria-live': 'polite' });
  // The feed re-renders on live messages (this test page's own among them): always fill the list on screen.
  const current = () => (document.getElementById('test-page-results') as HTMLUListElement | null) ?? results;
  const render = (into: HTMLElement = results) => {
    if (last) into.dataset.testPageId = last.testPageId;
    into.replaceChildren(...resultItems(last?.results ?? []));
  };
  const btn = h('button', { type: 'button', id: 'test-page-send' }, 'Send a test page');
  btn.disabled = sending;
  btn.addEventListener('click', () => {
    sending = btn.disabled = true;
    results.replaceChildren(h('li', {}, 'Sending a TEST page through every method…'));
    api<TestPageAnswer>(path, { method: 'POST', body: {} })
      .then((a) => {
        last = a;
        render(current());
      })
      .catch((err: unknown) => current().replaceChildren(h('li', { 'data-status': 'failed' }, `Test page failed: ${String(err)}`)))
      .finally(() => {
        sending = false;
        const b = document.getElementById('test-page-send') as HTMLButtonElement | null;
        if (b) b.disabled = false;
        btn.disabled = false;
      });
  });
  render();
  return h(
    'section',
    { 'aria-labelledby': 'test-page-h', class: 'test-page' },
    h('h2', { id: 'test-page-h' }, heading),
    h('p', { class: 'muted' }, 'A clearly marked TEST, not an alert: checks that the app, push, SMS and calls reach you.'),
    btn,
    h('p', { id: 'test-page-arrived', class: 'muted' }, arrivedAt ? arrivedLine(arrivedAt) : ''),
    results,
  );
}
