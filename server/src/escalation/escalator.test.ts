// Scheduler tests in virtual time (no sleeps): chain order and waits, repeat and final step, fencing,
// crash recovery of claimed jobs and in-flight sends, retries, timeouts, fallback, acknowledge
// semantics, ack timeout, rate limit with priority, snapshots, and many alerts at once.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SmsResult } from '../notify/index.js';
import type { ChainDefinition } from './chain.js';
import { createHarness, seedService, type Harness } from '../../../test/rigs/escalation-harness.js';
import { alertSmsBody } from './escalator.js';
import { smsSegments } from '../notify/index.js';
import { CoreLease } from '../cluster/index.js';
import type { FencedCore } from '../store/index.js';

const EC = '+447700900999';
const CHAIN: ChainDefinition = {
  steps: [
    { targets: [{ type: 'responder', id: 'r1' }], channels: ['app', 'sms'], waitS: 60 },
    { targets: [{ type: 'responder', id: 'r2' }], channels: ['sms'], fallbackChannels: ['voice'], waitS: 60 },
  ],
  finalStep: { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
};

const harnesses: Harness[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function rig(
  chain: ChainDefinition = CHAIN,
  opts: Parameters<typeof createHarness>[0] = {},
  seed: { responders?: number; wearers?: number } = {},
) {
  const h = await createHarness(opts);
  harnesses.push(h);
  const s = await seedService(h, { responders: seed.responders ?? 3, wearers: seed.wearers ?? 1, chain });
  return { h, ...s };
}

const types = async (h: Harness, alertId: string) => (await h.repos.timeline(alertId)).map((e) => e.type);
const entries = async (h: Harness, alertId: string, type: string) =>
  (await h.repos.timeline(alertId)).filter((e) => e.type === type).map((e) => e.data);
const fail = (code: string, retryable: boolean): SmsResult => ({ ok: false, code, message: code, retryable });

describe('chain order, waits, repeat and final step', () => {
  it('runs each step after the previous wait, then the final step, and never sends a step twice', async () => {
    const { h, phone } = await rig();
    const id = await h.raise('w1');
    await h.drain();
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1)]);
    await h.advance(59_000);
    expect(h.sms.requests).toHaveLength(1);
    await h.advance(1_000);
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1), phone(2)]);
    await h.advance(60_000);
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1), phone(2), EC]);
    await h.advance(20 * 60_000, 10_000);
    expect(h.sms.requests).toHaveLength(3);
    expect(await types(h, id)).toEqual(
      expect.arrayContaining(['escalation_step', 'notified', 'chain_exhausted', 'unacknowledged_reminder']),
    );
    // The SMS has the alias, the full address, the reason, the replies with the alert's code and its own link.
    const code = h.escalator.links.replyCode(id);
    expect(h.sms.requests[0]!.body).toMatch(
      new RegExp(
        `^ODART: Wearer1 may need help now at 1 Test Street, Glasgow\\. Why: no breathing detected\\. Reply 1 if you are going, NO if you can't\\. Alert code ${code} https://odart\\.example/#/p/[a-z0-9_]+\\.[A-Za-z0-9_-]{16}$`,
      ),
    );
  });

  it('repeat runs the whole list again before the final step', async () => {
    const { h, phone } = await rig({ ...CHAIN, repeat: 1 });
    await h.raise('w1');
    await h.advance(5 * 60_000, 5_000);
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1), phone(2), phone(1), phone(2), EC]);
  });

  it('a group target pages its members as they were when the alert started', async () => {
    const chain: ChainDefinition = { steps: [{ targets: [{ type: 'group', id: 'g1' }], channels: ['sms'], waitS: 60 }] };
    const h = await createHarness();
    harnesses.push(h);
    const { phone } = await seedService(h, { responders: 3, wearers: 1, chain });
    await h.escalator.esc.insertGroup({ id: 'g1', service_id: 'svc', name: 'Night', created_at: 0, updated_at: 0 }, ['r1', 'r3']);
    await h.raise('w1');
    await h.escalator.esc.setGroupMembers('g1', ['r2']);
    await h.drain();
    expect(h.sms.requests.map((r) => r.to).sort()).toEqual([phone(1), phone(3)]);
  });

  it('later edits of the chain do not change a running alert', async () => {
    const { h, phone } = await rig();
    await h.raise('w1');
    await h.drain();
    const edited: ChainDefinition = { steps: [{ targets: [{ type: 'responder', id: 'r3' }], channels: ['sms'], waitS: 5 }] };
    await h.escalator.esc.updateChain('chain', { definition: JSON.stringify(edited), updated_at: h.clock.now() });
    await h.advance(120_000, 5_000);
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1), phone(2), EC]);
    // A new alert takes the edited chain.
    await h.alerts.resolve((await h.repos.openAlertForWearer('w1'))!.id, (await h.repos.userById('admin'))!, 'false_alarm_sensor', null);
    await h.raise('w1');
    await h.drain();
    expect(h.sms.requests.at(-1)!.to).toBe(phone(3));
  });

  it('a wearer without a chain still reaches their responders and the admins (default chain)', async () => {
    const { h, phone } = await rig();
    await h.repos.db.updateTable('wearers').set({ chain_id: null }).execute();
    await h.repos.assignResponder('w1', 'r2');
    const id = await h.raise('w1');
    await h.drain();
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(2)]);
    expect((await entries(h, id, 'escalation_step'))[0]).toMatchObject({ defaultChain: true });
    expect((await entries(h, id, 'notified')).map((d) => d.target)).toEqual(expect.arrayContaining(['responder:admin']));
  });

  it('a long alias and address are kept whole and the SMS stays within two GSM-7 segments', () => {
    const address = 'Flat 12/3, 1234 Extraordinarily Long Street Name Road, Glasgow';
    const body = alertSmsBody(
      { alias: 'Alexandria-Josephine Montgomery-Smith', address, accessNotes: null, reasons: [] },
      'K7QX',
      'https://odart.example/#/p/abcdefghijkm.0123456789abcdef',
    );
    expect(smsSegments(body)).toBeLessThanOrEqual(2);
    expect(body).toContain(address);
    expect(body).toContain('https://odart.example/#/p/abcdefghijkm.0123456789abcdef');
  });
});

describe('fencing and durability', () => {
  it('a stale job (older fencing token) is a no-op', async () => {
    const { h } = await rig();
    const id = await h.raise('w1');
    await h.drain();
    const alert = (await h.repos.alertById(id))!;
    await h.escalator.esc.insertJob({
      id: 'stale',
      alert_id: id,
      kind: 'step',
      step_index: 1,
      due_at: h.clock.now(),
      token: alert.escalation_token - 1,
      created_at: 0,
    });
    await h.drain();
    expect(h.sms.requests).toHaveLength(1);
    expect((await h.escalator.esc.jobById('stale'))!.state).toBe('cancelled');
  });

  it('a job claimed by a process that died is run again after restart, without sending its step twice', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-esc-'));
    dirs.push(dir);
    const { h, phone } = await rig(CHAIN, { dataDir: dir });
    const id = await h.raise('w1');
    await h.drain();
    // Simulate the crash window: step 0 sent its SMS but its job was never marked done.
    const step0 = (await h.escalator.esc.jobsForAlert(id)).find((j) => j.step_index === 0)!;
    await h.repos.db
      .updateTable('escalation_jobs')
      .set({ state: 'running', lease_until: h.clock.now() + 60_000 })
      .where('id', '=', step0.id)
      .execute();
    h.escalator.close();

    const h2 = await createHarness({ dataDir: dir, clock: h.clock, sms: h.sms, voice: h.voice });
    harnesses.push(h2);
    expect((await h2.escalator.recover()).jobs).toBe(1);
    await h2.drain();
    expect((await entries(h2, id, 'escalation_step')).filter((d) => d.rerun)).toHaveLength(1);
    expect(h.sms.to(phone(1))).toHaveLength(1);
    // The chain goes on from there: step 1 once, on time.
    await h2.advance(60_000);
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1), phone(2)]);
    expect((await h2.escalator.esc.jobsForAlert(id)).filter((j) => j.step_index === 1 && j.kind === 'step')).toHaveLength(1);
  });

  it('a send left in flight by a crash is sent again (at-least-once) and the timeline says it may be a duplicate', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-esc-'));
    dirs.push(dir);
    const { h, phone } = await rig(CHAIN, { dataDir: dir });
    h.sms.script = () => new Promise<SmsResult>(() => undefined); // the provider never answers; then we "die"
    const id = await h.raise('w1');
    await h.escalator.runDue();
    await new Promise<void>((r) => setImmediate(r));
    expect(h.sms.requests).toHaveLength(1);
    h.escalator.close();

    const h2 = await createHarness({ dataDir: dir, clock: h.clock, voice: h.voice });
    harnesses.push(h2);
    expect((await h2.escalator.recover()).sends).toBe(1);
    await h2.drain();
    expect(h2.sms.to(phone(1))).toHaveLength(1);
    expect(await entries(h2, id, 'notify_interrupted')).toEqual([
      expect.objectContaining({ target: 'responder:r1', channel: 'sms', possibleDuplicate: true }),
    ]);
    expect((await entries(h2, id, 'notified')).filter((d) => d.channel === 'sms')).toHaveLength(1);
  });

  it('the auditor repairs an escalating alert that lost its next job', async () => {
    const { h, phone } = await rig();
    const id = await h.raise('w1');
    await h.drain();
    await h.repos.db.deleteFrom('escalation_jobs').where('alert_id', '=', id).where('state', '=', 'pending').execute();
    await h.advance(5_000);
    expect(await entries(h, id, 'escalation_repaired')).toEqual([expect.objectContaining({ what: 'next step', step: 1 })]);
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1), phone(2)]);
  });

  it('a check-in left open by a lost detector state (restart) escalates after twice its window plus 30 s', async () => {
    const { h, phone } = await rig();
    await h.alerts.handle([
      { kind: 'wearer_prompt', wearerId: 'w1', t: h.clock.now(), windowMs: 15_000, score: 70, reasons: ['rr<=7'], news2: null },
    ]);
    const id = (await h.repos.openAlertForWearer('w1'))!.id;
    await h.advance(59_000);
    expect(h.sms.requests).toHaveLength(0);
    await h.advance(4_000);
    expect((await h.repos.alertById(id))!.state).toBe('escalating');
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1)]);
    expect(await entries(h, id, 'escalating')).toEqual([expect.objectContaining({ auditor: true })]);
  });

  it('many alerts escalating at once: every step of every alert is sent exactly once', async () => {
    const chain: ChainDefinition = {
      steps: [
        { targets: [{ type: 'responder', id: 'r1' }], channels: ['sms'], waitS: 30 },
        { targets: [{ type: 'responder', id: 'r2' }], channels: ['sms'], waitS: 30 },
      ],
      finalStep: { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
    };
    const { h } = await rig(chain, {}, { wearers: 150 });
    const ids: string[] = [];
    for (let i = 1; i <= 150; i++) ids.push(await h.raise(`w${i}`));
    await h.advance(90_000, 5_000);
    const sent = await h.repos.db
      .selectFrom('notifications')
      .select(['alert_id', 'step_index', 'state'])
      .where('kind', '=', 'page')
      .execute();
    expect(sent).toHaveLength(450);
    expect(sent.every((n) => n.state === 'sent')).toBe(true);
    expect(h.sms.requests).toHaveLength(450);
    expect(new Set(h.sms.requests.map((r) => r.body + r.to)).size).toBe(450);
  });
});

describe('failures: retry, timeout, fallback', () => {
  it('a retryable failure (5xx) is retried with backoff and then delivered', async () => {
    const { h, phone } = await rig();
    h.sms.script = ({ n }) => (n === 1 ? fail('20500', true) : { ok: true, sid: '', status: 'queued' });
    const id = await h.raise('w1');
    await h.drain();
    expect(h.sms.requests).toHaveLength(1);
    await h.advance(2_000);
    expect(h.sms.to(phone(1)).map((r) => r.at - h.sms.requests[0]!.at)).toEqual([0, 2_000]);
    const failed = await entries(h, id, 'notify_failed');
    expect(failed).toEqual([expect.objectContaining({ errorCode: '20500', retryable: true, attempt: 1 })]);
    expect((await entries(h, id, 'notified')).find((d) => d.channel === 'sms')).toMatchObject({ attempt: 2 });
  });

  it('a provider that does not answer times out on the (virtual) clock and is retried; a late answer is recorded', async () => {
    const { h, phone } = await rig();
    let late: ((r: SmsResult) => void) | null = null;
    h.sms.script = ({ n }) =>
      n === 1
        ? new Promise<SmsResult>((r) => {
            late = r;
          })
        : { ok: true, sid: '', status: 'queued' };
    const id = await h.raise('w1');
    await h.drain();
    await h.advance(5_000, 500);
    expect(await entries(h, id, 'notify_failed')).toEqual([expect.objectContaining({ errorCode: 'timeout', retryable: true })]);
    await h.advance(2_000, 500);
    expect(h.sms.to(phone(1))).toHaveLength(2);
    late!({ ok: true, sid: 'SMlate000000000000000000000000000', status: 'queued' });
    await h.drain();
    expect(await entries(h, id, 'late_provider_result')).toEqual([
      expect.objectContaining({ possibleDuplicate: true, providerId: 'SMlate000000000000000000000000000' }),
    ]);
  });

  it('a permanent SMS failure (21610 unsubscribed) moves at once to the fallback channel (voice)', async () => {
    const { h, phone } = await rig();
    h.sms.script = ({ to }) => (to === phone(2) ? fail('21610', false) : { ok: true, sid: '', status: 'queued' });
    const id = await h.raise('w1');
    await h.advance(60_000);
    const t1 = h.clock.now();
    expect(h.voice.requests).toEqual([expect.objectContaining({ to: phone(2), at: t1 })]);
    expect(h.voice.requests[0]!.body).toContain('<Gather');
    expect(await entries(h, id, 'fallback')).toEqual([expect.objectContaining({ target: 'responder:r2', channels: ['voice'] })]);
  });

  it('when every channel of a step fails, the next step starts at once instead of after the wait', async () => {
    const { h, phone } = await rig();
    h.sms.script = ({ to }) => (to === phone(2) ? fail('21614', false) : { ok: true, sid: '', status: 'queued' });
    h.voice.script = () => fail('21211', false);
    const id = await h.raise('w1');
    await h.advance(60_000);
    expect(h.sms.requests.map((r) => [r.to, r.at - h.sms.requests[0]!.at])).toEqual([
      [phone(1), 0],
      [phone(2), 60_000],
      [EC, 60_000],
    ]);
    expect(await entries(h, id, 'step_failed')).toEqual([expect.objectContaining({ step: 1 })]);
  });

  it('retries are bounded: after the last retryable failure the fallback takes over', async () => {
    const { h, phone } = await rig();
    h.sms.script = ({ to }) => (to === phone(2) ? fail('20503', true) : { ok: true, sid: '', status: 'queued' });
    await h.raise('w1');
    await h.advance(60_000);
    expect(h.voice.requests).toHaveLength(0);
    await h.advance(6_000, 500);
    expect(h.sms.to(phone(2))).toHaveLength(3);
    expect(h.voice.requests.map((r) => r.to)).toEqual([phone(2)]);
  });

  it('an async delivery failure from the status callback (30006 landline) falls back; 30003 is retried', async () => {
    const { h, phone } = await rig();
    const id = await h.raise('w1');
    await h.advance(60_000);
    const sid2 = h.sms.to(phone(2))[0]!.sid!;
    expect(await h.escalator.dispatcher.onProviderStatus(sid2, 'undelivered', '30003')).toBe(true);
    await h.advance(2_000);
    expect(h.sms.to(phone(2))).toHaveLength(2);
    const sid2b = h.sms.to(phone(2))[1]!.sid!;
    await h.escalator.dispatcher.onProviderStatus(sid2b, 'undelivered', '30006');
    await h.drain();
    expect(h.voice.to(phone(2))).toHaveLength(1);
    expect((await entries(h, id, 'delivery_status')).map((d) => d.errorCode)).toEqual(['30003', '30006']);
  });
});

describe('acknowledge semantics', () => {
  it('the first acknowledgement stops the chain and the others are told by the channels that reached them', async () => {
    const { h, phone } = await rig();
    h.connect('r1');
    const id = await h.raise('w1');
    await h.advance(60_000);
    const r2 = (await h.repos.userById('r2'))!;
    const res = await h.alerts.ack(id, r2, 'sms');
    expect(res.attending).toBe(true);
    await h.advance(10 * 60_000 - 1_000, 10_000);
    // r1 was paged by app and SMS: told by both. Nothing more from the chain (no EC).
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1), phone(2), phone(1)]);
    expect(h.sms.requests[2]!.body).toBe('Update: Responder 2 is going to Wearer1. No action needed.');
    expect(h.events.get('r1')!.some((e) => e.type === 'alert' && e.change === 'taken')).toBe(true);
    expect(await entries(h, id, 'others_told')).toEqual([expect.objectContaining({ app: 1, sms: 1 })]);
  });

  it('two responders acknowledging at the same instant: exactly one becomes attending', async () => {
    const { h } = await rig({
      steps: [
        {
          targets: [
            { type: 'responder', id: 'r1' },
            { type: 'responder', id: 'r2' },
          ],
          channels: ['sms'],
          waitS: 60,
        },
      ],
    });
    const id = await h.raise('w1');
    await h.drain();
    const [a, b] = await Promise.all([
      h.alerts.ack(id, (await h.repos.userById('r1'))!, 'app'),
      h.alerts.ack(id, (await h.repos.userById('r2'))!, 'sms'),
    ]);
    expect([a.attending, b.attending].filter(Boolean)).toHaveLength(1);
    const alert = (await h.repos.alertById(id))!;
    expect(alert.attending_responder_id).toBe(a.attending ? 'r1' : 'r2');
    expect((await entries(h, id, 'acknowledged')).filter((d) => d.attending)).toHaveLength(1);
  });

  it('an attending responder who neither arrives nor resolves in time re-triggers escalation with a new token', async () => {
    const { h, phone } = await rig(CHAIN, { escalator: { ackTimeoutMs: 600_000 } });
    const id = await h.raise('w1');
    await h.drain();
    await h.alerts.ack(id, (await h.repos.userById('r1'))!, 'app');
    const tokenAtAck = (await h.repos.alertById(id))!.escalation_token;
    await h.advance(599_000, 10_000);
    expect((await h.repos.alertById(id))!.state).toBe('acknowledged');
    await h.advance(1_000);
    const alert = (await h.repos.alertById(id))!;
    expect(alert).toMatchObject({ state: 'escalating', attending_responder_id: null });
    expect(alert.escalation_token).toBeGreaterThan(tokenAtAck);
    expect(h.sms.to(phone(1))).toHaveLength(2);
    expect(await types(h, id)).toContain('ack_timeout');
  });

  it('marking arrived stops the arrival timer; resolving records the outcome and note', async () => {
    const { h } = await rig();
    const id = await h.raise('w1');
    await h.drain();
    const r1 = (await h.repos.userById('r1'))!;
    await h.alerts.ack(id, r1, 'app');
    await h.advance(60_000);
    await h.alerts.arrived(id, r1, 'app');
    await h.advance(20 * 60_000, 30_000);
    expect((await h.repos.alertById(id))!.state).toBe('acknowledged');
    expect(h.sms.requests).toHaveLength(1);
    await h.alerts.resolve(id, r1, 'overdose_naloxone_given', 'breathing again after 2 doses');
    expect(await h.repos.alertById(id)).toMatchObject({
      state: 'resolved',
      outcome: 'overdose_naloxone_given',
      note: 'breathing again after 2 doses',
    });
  });

  it('a wearer OK while responders are paged is recorded, and the chain goes on (only a person closes it)', async () => {
    const { h, phone } = await rig();
    const id = await h.raise('w1');
    await h.drain();
    await h.alerts.handle([{ kind: 'cancelled', wearerId: 'w1', t: h.clock.now(), reason: 'wearer_ok' }]);
    await h.advance(60_000);
    expect((await h.repos.alertById(id))!.state).toBe('escalating');
    expect(h.sms.requests.map((r) => r.to)).toEqual([phone(1), phone(2)]);
    expect(await types(h, id)).toContain('wearer_ok_reported');
  });

  it('a pending check-in cancelled by the wearer never pages anyone', async () => {
    const { h } = await rig();
    await h.alerts.handle([
      { kind: 'wearer_prompt', wearerId: 'w1', t: h.clock.now(), windowMs: 15_000, score: 70, reasons: ['rr<=7'], news2: null },
    ]);
    await h.alerts.handle([{ kind: 'cancelled', wearerId: 'w1', t: h.clock.now(), reason: 'wearer_ok' }]);
    await h.advance(180_000, 10_000);
    expect(h.sms.requests).toHaveLength(0);
  });
});

describe('send rate and priority', () => {
  it('1 message/s per number, and the first page of a new alert never waits behind routine messages', async () => {
    const chain: ChainDefinition = {
      steps: [{ targets: [1, 2, 3, 4, 5].map((i) => ({ type: 'responder' as const, id: `r${i}` })), channels: ['sms'], waitS: 600 }],
    };
    const { h, phone } = await rig(chain, { escalator: { ratePerS: 1 } }, { responders: 6, wearers: 2 });
    const a1 = await h.raise('w1');
    await h.advance(10_000, 250);
    expect(h.sms.requests).toHaveLength(5);
    // The 5 first pages of one alert go out as fast as the bucket allows (burst of 3, then 1/s).
    const t0 = h.sms.requests[0]!.at;
    expect(h.sms.requests.map((r) => r.at - t0)).toEqual([0, 0, 0, 1_000, 2_000]);
    // Four routine "taken" texts are queued; then a new alert starts at once.
    await h.alerts.ack(a1, (await h.repos.userById('r5'))!, 'app');
    await h.drain();
    const before = h.sms.requests.length;
    const raisedAt = h.clock.now();
    const a2 = await h.raise('w2');
    await h.drain();
    const isPage2 = (r: { body: string }) => r.body.includes(`Alert code ${h.escalator.links.replyCode(a2)} `);
    const firstPage = h.sms.requests.slice(before).find(isPage2);
    expect(firstPage?.at).toBe(raisedAt);
    await h.advance(20_000, 250);
    const pages2 = h.sms.requests.filter(isPage2);
    const infos = h.sms.requests.filter((r) => r.body.startsWith('Update:'));
    expect(pages2).toHaveLength(5);
    expect(infos).toHaveLength(4);
    // Pages of the new alert go before the routine texts still waiting.
    expect(Math.max(...pages2.map((r) => r.at))).toBeLessThan(Math.max(...infos.map((r) => r.at)));
    // Never faster than the bucket: at most 3 + t messages in any t seconds.
    const times = h.sms.requests.map((r) => r.at);
    for (let i = 0; i < times.length; i++)
      for (let j = i + 3; j < times.length; j++) expect(times[j]! - times[i]!).toBeGreaterThanOrEqual((j - i - 2) * 1000);
    expect(h.sms.to(phone(6))).toHaveLength(0);
  });
});

describe('fenced step writes (issue 14)', () => {
  it('a step whose page insert is refused (the lease passed) pushes no app page, stores no page and texts nobody', async () => {
    let lease: CoreLease | null = null;
    // the escalator's core: this node's real lease over the harness's own store (made once the store exists)
    const core: FencedCore = {
      get active() {
        return lease!.active;
      },
      fence: () => lease!.fence(),
      refused: (op) => lease!.refused(op),
    };
    const { h } = await rig(CHAIN, { escalator: { core } });
    const repo = h.repos.lease;
    lease = new CoreLease({
      lease: repo,
      clock: h.clock,
      log: h.log,
      nodeId: 'node-a',
      leaseMs: 60_000,
      renewMs: 20_000,
      onActive: async () => {},
      onStandby: async () => {},
    });
    await lease.start();
    expect(lease.fence()).toEqual({ nodeId: 'node-a', epoch: 1 });
    // The lease passes to node B in the instant between step 0's timeline line and its page insert.
    const insert = h.escalator.esc.insertNotifications.bind(h.escalator.esc);
    h.escalator.esc.insertNotifications = async (rows, w) => {
      await repo.release({ nodeId: 'node-a', epoch: 1 }, h.clock.now());
      expect((await repo.acquire('node-b', null, h.clock.now(), 60_000)).epoch).toBe(2);
      return insert(rows, w);
    };
    h.connect('r1');
    const id = await h.raise('w1');
    await h.drain();
    expect(lease.active).toBe(false); // stepped down on the refusal
    expect(h.events.get('r1')!.filter((e) => e.type === 'page')).toEqual([]);
    expect(await h.escalator.esc.notificationsForAlert(id)).toEqual([]);
    expect(h.sms.requests).toEqual([]);
    expect(await types(h, id)).not.toContain('notified');
    await lease.stop();
  });
});
