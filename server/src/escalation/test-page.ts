// Test pages (issue 16.3): a responder (or an admin, for anyone) checks that every method they can be
// paged by works. A test page is clearly marked TEST, never looks like an alert, opens no alert and
// starts no escalation; it goes through each channel's real send path (the same providers, webhooks
// and push services as a page) and reports, per method, what the provider answered.
import type { Clock } from '../clock.js';
import { en } from '../messages/en.js';
import type { ChannelRegistry, QueuedChannel } from '../notify/index.js';
import { escapeXml } from '../notify/page.js';

export type TestPageStatus = 'delivered' | 'sent' | 'failed' | 'not_set_up';

export interface TestPageResult {
  channel: string;
  label: string;
  status: TestPageStatus;
  /** e.g. "push delivered to 1 device", "SMS failed: Invalid 'To' Phone Number" */
  detail: string;
}

export interface TestPageTarget {
  userId: string;
  phone: string | null;
}

export interface TestPageDeps {
  channels: ChannelRegistry;
  clock: Clock;
  /** the user's open app connections that took a `test_page` live message */
  liveTestPage(userId: string): number;
  /** a provider call not answered by then fails (the dispatcher's NOTIFY_TIMEOUT_MS) */
  timeoutMs: number;
}

/** Sends a TEST page through every channel of the registry; one result per channel. */
export async function sendTestPage(d: TestPageDeps, target: TestPageTarget): Promise<TestPageResult[]> {
  const results: TestPageResult[] = [];
  // Only the channels that reach this person (an alarm centre's hand-off pages an organisation).
  for (const c of d.channels.personal()) {
    const kind = d.channels.personAddress(c.id);
    if (c.delivery === 'live') {
      const n = d.liveTestPage(target.userId);
      results.push(
        n > 0
          ? { channel: c.id, label: c.label, status: 'delivered', detail: `${c.label} delivered to ${n} open app${n === 1 ? '' : 's'}` }
          : { channel: c.id, label: c.label, status: 'not_set_up', detail: `${c.label}: the app is not open` },
      );
      continue;
    }
    const address = kind === 'user' ? target.userId : target.phone;
    if (!address) {
      results.push({ channel: c.id, label: c.label, status: 'not_set_up', detail: `${c.label}: no phone number` });
      continue;
    }
    results.push(await sendQueued(d, c, address));
  }
  return results;
}

function testBody(c: QueuedChannel): string {
  if (c.id === 'voice') return `<Response><Say>${escapeXml(en.voiceTestPage)}</Say></Response>`;
  if (c.id === 'push') return JSON.stringify({ kind: 'test', title: en.pushTestPageTitle, body: en.pushTestPageBody });
  return en.smsTestPage;
}

async function sendQueued(d: TestPageDeps, c: QueuedChannel, to: string): Promise<TestPageResult> {
  const sent = c.send({ to, body: testBody(c) });
  let timer: { cancel(): void } | null = null;
  const timeout = new Promise<null>((resolve) => {
    timer = d.clock.setTimeout(() => resolve(null), d.timeoutMs);
  });
  const r = await Promise.race([sent, timeout]).finally(() => timer?.cancel());
  if (r === null) return { channel: c.id, label: c.label, status: 'failed', detail: `${c.label} failed: no answer from the provider` };
  if (!r.ok) {
    if (r.code === 'no_subscription' || r.code === 'push_not_configured') {
      return { channel: c.id, label: c.label, status: 'not_set_up', detail: `${c.label}: ${r.message}` };
    }
    return { channel: c.id, label: c.label, status: 'failed', detail: `${c.label} failed: ${r.message}` };
  }
  // Push services answer at once with acceptance (no later callback); SMS and calls report later.
  const outcome = c.parseStatus(r.status, null);
  return outcome === 'ok' && c.id === 'push'
    ? { channel: c.id, label: c.label, status: 'delivered', detail: `${c.label} delivered to the push service` }
    : { channel: c.id, label: c.label, status: 'sent', detail: `${c.label} sent (${r.status})` };
}
