// The dispatcher knows channels only through the registry: a channel it has never heard of (a pager,
// here) gets its own queue and rate bucket, is sent through its own send, and its status words are
// read by its own parseStatus (real SQLite, virtual clock).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { createLogger } from '../log.js';
import { createMetrics } from '../metrics.js';
import { ChannelRegistry, type QueuedChannel, type SmsResult } from '../notify/index.js';
import { createEscalationRepo, createRepos, openDatabase, type NotificationRow, type OpenedDb, type Repos } from '../store/index.js';
import { seedService } from '../../../test/rigs/escalation-harness.js';
import { Dispatcher } from './dispatcher.js';

let db: OpenedDb;
let repos: Repos;
const clock = new VirtualClock(Date.UTC(2026, 0, 1, 12));
beforeEach(async () => {
  db = await openDatabase(':memory:');
  repos = createRepos(db.db);
  await seedService(
    { repos, clock },
    { responders: 1, wearers: 1, chain: { steps: [{ targets: [{ type: 'responder', id: 'r1' }], channels: ['sms'], waitS: 60 }] } },
  );
  const now = clock.now();
  await repos.insertAlert({
    id: 'a1',
    service_id: 'svc',
    wearer_id: 'w1',
    state: 'escalating',
    score: 90,
    reasons: '[]',
    news2: null,
    chain_snapshot: '{"steps":[]}',
    escalation_token: 1,
    attending_responder_id: null,
    outcome: null,
    note: null,
    created_at: now,
    updated_at: now,
    closed_at: null,
  });
});
afterEach(async () => {
  await db.close();
});

function pager(sent: { to: string; body: string }[]): QueuedChannel {
  let n = 0;
  return {
    id: 'pager',
    label: 'Pager',
    delivery: 'queued',
    reaches: 'person',
    ratePerS: 1,
    render: () => 'unused here',
    send: (m) => (sent.push({ to: m.to, body: m.body }), Promise.resolve<SmsResult>({ ok: true, sid: `PG${++n}`, status: 'accepted' })),
    parseStatus: (status) => (status === 'beeped' ? 'ok' : status === 'out-of-range' ? 'retryable' : 'permanent'),
  };
}

describe('Dispatcher over the channel registry', () => {
  it("sends a new channel's rows through it, at its own rate, and lets it read its status words", async () => {
    const sent: { to: string; body: string }[] = [];
    const failed: NotificationRow[] = [];
    const esc = createEscalationRepo(repos.db);
    const dispatcher = new Dispatcher({
      repos,
      esc,
      clock,
      log: createLogger('silent'),
      metrics: createMetrics({ defaults: false }),
      channels: new ChannelRegistry([pager(sent)]),
      ratePerS: 0,
      timeoutMs: 5000,
      maxAttempts: 3,
      retryBaseMs: 2000,
      pageIsCurrent: () => Promise.resolve(true),
      onFailed: (n) => (failed.push(n), Promise.resolve()),
    });
    const now = clock.now();
    for (const i of [1, 2, 3, 4]) {
      await esc.insertNotification({
        id: `ntf_${i}`,
        idempotency_key: `a1:1:0:responder:r1:pager:${i}`,
        alert_id: 'a1',
        step_index: 0,
        target: 'responder:r1',
        channel: 'pager',
        kind: 'page',
        state: 'queued',
        priority: 0,
        token: 1,
        to_addr: '4711',
        user_id: 'r1',
        body: `page ${i}`,
        provider_id: null,
        status: 'queued',
        error_code: null,
        created_at: now,
        updated_at: now,
      });
    }
    await dispatcher.pump();
    await dispatcher.idle();
    // The pager's own rate (1/s, bucket of 3), not the dispatcher's (none): the fourth page waits a second.
    expect(sent.map((s) => s.body)).toEqual(['page 1', 'page 2', 'page 3']);
    clock.advance(1000);
    await dispatcher.idle();
    expect(sent).toHaveLength(4);
    expect(sent[3]).toEqual({ to: '4711', body: 'page 4' });

    expect(await dispatcher.onProviderStatus('PG1', 'beeped', null)).toBe(true);
    await dispatcher.onProviderStatus('PG2', 'melted', null);
    expect(failed.map((n) => [n.id, n.error_code])).toEqual([['ntf_2', 'melted']]);
    await dispatcher.onProviderStatus('PG3', 'out-of-range', null);
    const rows = await esc.notificationsForAlert('a1');
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.state, r.status]]))).toMatchObject({
      ntf_1: ['sent', 'beeped'],
      ntf_2: ['failed', 'melted'],
      ntf_3: ['retry', 'out-of-range'],
      ntf_4: ['sent', 'accepted'],
    });
    dispatcher.stop();
  });
});
