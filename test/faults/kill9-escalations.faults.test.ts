// kill -9 of the server at random points of 20 escalations. The server runs as a child process with
// the real clock and a short three-step chain (alex, sam, the wearer's emergency contact, 2 s apart);
// it is killed four times at seeded random moments and restarted on the same DATA_DIR. Afterwards
// every alert has completed its chain: each step's SMS went out at least once, and a step went out
// twice only where the timeline records the interrupted send as a possible duplicate.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminClient } from '../../simulator/src/admin-client.js';
import { Rng } from '../../simulator/src/rng.js';
import { enrolChainWearers, expectChainSent, pressHelp, timelineOf } from '../helpers/escalation-audit.js';
import { startFakeTwilio, twilioEnv, type FakeTwilio } from '../helpers/fake-twilio.js';
import { DEMO_PASSWORD } from '../helpers/server.js';
import { killServerProcesses, startServerProcess } from '../helpers/server-process.js';

const ALEX = '+447700900101';
const SAM = '+447700900102';
const ec = (i: number) => `+4477009004${String(i).padStart(2, '0')}`;
const N = 20;

let fake: FakeTwilio | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  killServerProcesses();
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('kill -9 at random points of 20 escalations', () => {
  it('after every restart each alert completes its chain; no step lost, none doubled unless recorded', async () => {
    fake = await startFakeTwilio();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'odart-kill9-'));
    const env = {
      ...twilioEnv(fake),
      HTTP_PORT: '0',
      MQTT_PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO_PASSWORD,
      LOG_LEVEL: 'warn',
      PUBLIC_URL: 'http://127.0.0.1:3999',
      SMS_RATE_PER_S: '100',
    };
    let child = await startServerProcess(env);
    let admin = await AdminClient.login(child.base, 'admin', DEMO_PASSWORD);
    const wearers = await enrolChainWearers(admin, {
      prefix: 'K',
      n: N,
      contactOf: ec,
      steps: [
        { targets: [{ type: 'responder', id: 'alex' }], channels: ['sms'], waitS: 2 },
        { targets: [{ type: 'responder', id: 'sam' }], channels: ['sms'], waitS: 2 },
        { targets: [{ type: 'emergency_contact' }], channels: ['sms'], waitS: 0 },
      ],
    });
    // All twenty wearers press help.
    await pressHelp('127.0.0.1', child.mqttPort, wearers);

    // Four kill -9 at seeded random moments over the ~4 s the chains take, each followed by a restart.
    const rng = new Rng(9);
    const lastStepsSentAtKill: number[] = [];
    for (let k = 0; k < 4; k++) {
      await new Promise((r) => setTimeout(r, Math.floor(rng.range(100, 1500))));
      lastStepsSentAtKill.push(fake.requests.filter((r) => r.to.startsWith('+4477009004')).length);
      child.proc.kill('SIGKILL');
      await child.exited;
      child = await startServerProcess(env);
    }
    admin = await AdminClient.login(child.base, 'admin', DEMO_PASSWORD);

    // Every alert reaches its emergency contact (the last step); bounded wait on real time.
    for (let i = 0; i < N; i++) await fake.waitFor(1, (r) => r.to === ec(i));
    const alerts = await admin.request<{ id: string; wearerId: string; state: string }[]>('GET', '/api/alerts');
    expect(alerts).toHaveLength(N);
    // Which alert each text was for (its link names the notification), read from the running server's
    // database (WAL lets a reader in beside it).
    const db = new Database(path.join(dataDir, 'odart.sqlite'), { readonly: true });
    const alertOf = new Map(
      (db.prepare('select id, alert_id from notifications').all() as { id: string; alert_id: string }[]).map((r) => [r.id, r.alert_id]),
    );
    db.close();
    for (const a of alerts) {
      const i = wearers.findIndex((w) => w.id === a.wearerId);
      expectChainSent(a.id, await timelineOf(admin, a.id), fake.requests, alertOf, [
        { to: ALEX, target: 'responder:alex', waitS: 2 },
        { to: SAM, target: 'responder:sam', waitS: 2 },
        { to: ec(i), target: 'emergency_contact', waitS: 0 },
      ]);
      expect(a.state).toBe('escalating');
    }
    // The run proves something only if a kill landed mid-chain, before every last step had gone out.
    expect(Math.min(...lastStepsSentAtKill)).toBeLessThan(N);
    child.proc.kill('SIGKILL');
  }, 170_000);
});
