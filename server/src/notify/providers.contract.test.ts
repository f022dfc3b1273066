// Contract suite for the SMS and voice ports: every adapter passes the same tests. The Twilio adapters
// run against a Prism 5.14.2 mock built from Twilio's own OpenAPI description (--errors: any request
// that breaks the spec is refused with 422), which proves the SDK requests match the real API.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { alertSmsBody, alertVoiceTwiml } from '../escalation/index.js';
import { createEscalationRepo, createRepos, openDatabase, type OpenedDb } from '../store/index.js';
import { FakeSms, FakeVoice, TwilioSms, TwilioVoice, smsSegments, type SmsSender, type VoiceCaller } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const SPEC = path.resolve(root, '../shared/contracts/twilio_api_v2010.json');
const PRISM = path.resolve(root, 'node_modules/.bin/prism');
const ACCOUNT = 'AC' + '0123456789abcdef'.repeat(2);
const STATUS_URL = 'https://odart.example/webhooks/twilio/status';
const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'failed',
  'delivered',
  'undelivered',
  'receiving',
  'received',
  'accepted',
  'scheduled',
  'read',
  'partially_delivered',
  'canceled',
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts Prism on a free loopback port; resolves when it says it is listening. Reads only the local spec. */
async function startPrism(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(PRISM, ['mock', '--host', '127.0.0.1', '--port', String(port), '--errors', SPEC], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('Prism is listening')) resolve();
      if (out.length > 200_000) out = out.slice(-10_000);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`prism exited (${code}): ${out.slice(-2000)}`)));
  });
  return { url: `http://127.0.0.1:${port}`, proc };
}

interface Adapters {
  sms: SmsSender;
  voice: VoiceCaller;
}

const link = 'https://odart.example/#/p/abcdefghijkm.0123456789abcdef';
const jo = {
  alias: 'Jo',
  address: 'Flat 2, 14 Example Street, Glasgow',
  accessNotes: 'Key safe by the door',
  reasons: ['no breathing for 35 s'],
};

function contract(name: string, make: () => Adapters) {
  describe(`provider contract: ${name}`, () => {
    it('accepts an alert SMS with a status callback and answers with a message SID and a Twilio status', async () => {
      const body = alertSmsBody(jo, 'K7QX', link);
      expect(smsSegments(body)).toBe(2);
      const res = await make().sms.send({ to: '+447700900101', body, statusCallback: STATUS_URL });
      expect(res).toMatchObject({ ok: true });
      if (!res.ok) return;
      expect(res.sid).toMatch(/^SM[0-9a-fA-F]{32}$/);
      expect(MESSAGE_STATUSES).toContain(res.status);
    });

    it('accepts an SMS without a status callback', async () => {
      const res = await make().sms.send({ to: '+447700900102', body: 'Update: Sam is going to Jo. No action needed.' });
      expect(res.ok).toBe(true);
    });

    it('refuses a message without a recipient as a permanent (not retryable) failure', async () => {
      const res = await make().sms.send({ to: '', body: 'x' });
      expect(res).toMatchObject({ ok: false, retryable: false });
    });

    it('places a call with the alert TwiML and a status callback, answering with a call SID', async () => {
      const twiml = alertVoiceTwiml(jo, 'https://odart.example/webhooks/twilio/voice');
      const res = await make().voice.call({ to: '+447700900101', twiml, statusCallback: STATUS_URL });
      expect(res).toMatchObject({ ok: true });
      if (res.ok) expect(res.sid).toMatch(/^CA[0-9a-fA-F]{32}$/);
    });

    it('refuses a call without a recipient as a permanent failure', async () => {
      const res = await make().voice.call({ to: '', twiml: '<Response/>' });
      expect(res).toMatchObject({ ok: false, retryable: false });
    });
  });
}

let db: OpenedDb;
let prism: { url: string; proc: ChildProcess };

beforeAll(async () => {
  db = await openDatabase(':memory:');
  prism = await startPrism();
}, 180_000);

afterAll(async () => {
  prism?.proc.kill('SIGTERM');
  await db?.close();
});

contract('fake (outbox)', () => {
  const clock = new VirtualClock(0);
  return { sms: new FakeSms(createRepos(db.db), clock), voice: new FakeVoice(createEscalationRepo(db.db), clock) };
});

contract('Twilio SDK -> Prism mock of the Twilio 2010-04-01 API', () => {
  const cfg = { accountSid: ACCOUNT, authToken: 'contract-test-token', from: '+447700900000', baseUrl: prism.url };
  return { sms: new TwilioSms(cfg, 10_000), voice: new TwilioVoice(cfg, 10_000) };
});

describe('the Prism mock is strict (so the Twilio contract can fail)', () => {
  it('refuses a request that breaks the spec with 422', async () => {
    const res = await fetch(`${prism.url}/2010-04-01/Accounts/${ACCOUNT}/Calls.json`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic ' + Buffer.from(`${ACCOUNT}:x`).toString('base64'),
      },
      body: new URLSearchParams({ To: '+447700900101', From: '+447700900000', Timeout: 'soon' }).toString(),
    });
    expect(res.status).toBe(422);
  });

  it('refuses a request without credentials with 401', async () => {
    const res = await fetch(`${prism.url}/2010-04-01/Accounts/${ACCOUNT}/Messages.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'To=%2B447700900101&Body=x',
    });
    expect(res.status).toBe(401);
  });
});
