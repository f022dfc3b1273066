// Test pages (issue 16.3): a responder (or an admin, for anyone) checks that every method they can be
// paged by works. A test page is clearly marked TEST, never looks like an alert, opens no alert and
// starts no escalation; it goes through each channel's real send path (the same providers, webhooks
// and push services as a page) and reports, per method, what the provider answered. Each method's
// result is stored (store/test-pages.ts) with the provider's id, so the provider's later status
// callbacks move it on ("SMS delivered", "Phone call failed: number unreachable"), and the person's
// Acknowledge on the test push confirms it; each change is told live to the person and who sent it.
import type { TestPageResult } from '@odart/protocol/api';
import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { en } from '../messages/en.js';
import type { ChannelRegistry, QueuedChannel } from '../notify/index.js';
import { escapeXml } from '../notify/page.js';
import type { TestPageRepo, TestPageResultRow } from '../store/index.js';

export type TestPageStatus = TestPageResult['status'];
export type { TestPageResult };

export interface TestPageTarget {
  userId: string;
  phone: string | null;
}

export interface TestPageDeps {
  channels: ChannelRegistry;
  clock: Clock;
  ids: Ids;
  store: Pick<TestPageRepo, 'insertTestPageResults' | 'testPageResultByProviderId' | 'testPageResultsOf' | 'updateTestPageResult'>;
  /** the user's open app connections that took a `test_page` live message */
  liveTestPage(userId: string): number;
  /** tells these users (the person tested, who sent it) that a method's result moved on */
  liveResult(userIds: string[], testPageId: string, userId: string, result: TestPageResult): void;
  /** a provider call not answered by then fails (the dispatcher's NOTIFY_TIMEOUT_MS) */
  timeoutMs: number;
}

interface Sent extends TestPageResult {
  providerId: string | null;
}

/** Sends a TEST page through every channel that reaches the person; one result per channel, stored. */
export async function sendTestPage(
  d: TestPageDeps,
  target: TestPageTarget,
  requestedBy: string,
): Promise<{ testPageId: string; results: TestPageResult[] }> {
  const testPageId = d.ids.next('tp');
  const results: Sent[] = [];
  // Only the channels that reach this person (an alarm centre's hand-off pages an organisation).
  for (const c of d.channels.personal()) {
    const kind = d.channels.personAddress(c.id);
    if (c.delivery === 'live') {
      const n = d.liveTestPage(target.userId);
      results.push(
        n > 0
          ? {
              channel: c.id,
              label: c.label,
              status: 'delivered',
              detail: `${c.label} delivered to ${n} open app${n === 1 ? '' : 's'}`,
              providerId: null,
            }
          : { channel: c.id, label: c.label, status: 'not_set_up', detail: `${c.label}: the app is not open`, providerId: null },
      );
      continue;
    }
    const address = kind === 'user' ? target.userId : target.phone;
    if (!address) {
      results.push({ channel: c.id, label: c.label, status: 'not_set_up', detail: `${c.label}: no phone number`, providerId: null });
      continue;
    }
    results.push(await sendQueued(d, c, address, testPageId));
  }
  const now = d.clock.now();
  await d.store.insertTestPageResults(
    results.map((r, i): TestPageResultRow => ({
      id: `${testPageId}:${i}`,
      test_page_id: testPageId,
      user_id: target.userId,
      requested_by: requestedBy,
      channel: r.channel,
      label: r.label,
      provider_id: r.providerId,
      status: r.status,
      detail: r.detail,
      created_at: now,
      updated_at: now,
    })),
  );
  return { testPageId, results: results.map(({ providerId: _, ...r }) => r) };
}

function testBody(c: QueuedChannel, testPageId: string): string {
  if (c.id === 'voice') return `<Response><Say>${escapeXml(en.voiceTestPage)}</Say></Response>`;
  // The service worker shows it as a test (never an alert) and its Acknowledge confirms this test page.
  if (c.id === 'push') return JSON.stringify({ kind: 'test', testPageId, title: en.pushTestPageTitle, body: en.pushTestPageBody });
  return en.smsTestPage;
}

async function sendQueued(d: TestPageDeps, c: QueuedChannel, to: string, testPageId: string): Promise<Sent> {
  const sent = c.send({ to, body: testBody(c, testPageId) });
  let timer: { cancel(): void } | null = null;
  const timeout = new Promise<null>((resolve) => {
    timer = d.clock.setTimeout(() => resolve(null), d.timeoutMs);
  });
  const r = await Promise.race([sent, timeout]).finally(() => timer?.cancel());
  const base = { channel: c.id, label: c.label };
  if (r === null) return { ...base, status: 'failed', detail: `${c.label} failed: no answer from the provider`, providerId: null };
  if (!r.ok) {
    if (r.code === 'no_subscription' || r.code === 'push_not_configured') {
      return { ...base, status: 'not_set_up', detail: `${c.label}: ${r.message}`, providerId: null };
    }
    return { ...base, status: 'failed', detail: `${c.label} failed: ${r.message}`, providerId: null };
  }
  // Push services answer at once with acceptance (no later callback); SMS and calls report later.
  const outcome = c.parseStatus(r.status, null);
  return outcome === 'ok' && c.id === 'push'
    ? { ...base, status: 'delivered', detail: `${c.label} delivered to the push service`, providerId: null }
    : { ...base, status: 'sent', detail: `${c.label} sent (${r.status})`, providerId: r.sid };
}

const FINAL: ReadonlySet<TestPageStatus> = new Set(['delivered', 'failed', 'confirmed']);

/**
 * A provider's status callback for a text or call of a test page: the method's result moves on as the
 * channel reads the words, and the person and who sent it are told live. False when `providerId` is no
 * test page's (the dispatcher's pages). A late progress word ("sent" after "delivered") changes nothing.
 */
export async function onTestPageStatus(d: TestPageDeps, providerId: string, status: string, errorCode: string | null): Promise<boolean> {
  const row = await d.store.testPageResultByProviderId(providerId);
  if (!row) return false;
  const c = d.channels.all.find((x) => x.id === row.channel);
  const words = c?.delivery === 'queued' ? c.statusWords?.(status, errorCode) : undefined;
  if (!words) return true;
  if (FINAL.has(row.status) && words.result === 'sent') return true;
  await move(d, row, words.result, `${row.label} ${words.words}`);
  return true;
}

/**
 * The person pressed Acknowledge on the test push notification (the service worker, with their session):
 * the push method is confirmed. False when the test page is not theirs or sent no push.
 */
export async function confirmTestPush(d: TestPageDeps, testPageId: string, userId: string): Promise<boolean> {
  const row = (await d.store.testPageResultsOf(testPageId)).find((r) => r.channel === 'push' && r.user_id === userId);
  if (!row || row.status === 'not_set_up') return false;
  if (row.status !== 'confirmed') await move(d, row, 'confirmed', `${row.label} confirmed on the phone`);
  return true;
}

async function move(d: TestPageDeps, row: TestPageResultRow, status: TestPageStatus, detail: string): Promise<void> {
  await d.store.updateTestPageResult(row.id, { status, detail, updated_at: d.clock.now() });
  d.liveResult([...new Set([row.user_id, row.requested_by])], row.test_page_id, row.user_id, {
    channel: row.channel,
    label: row.label,
    status,
    detail,
  });
}
