// A local HTTP server speaking the two Twilio REST endpoints the system uses (Messages, Calls), with
// per-request behaviour chosen by the test: accept, fail with a Twilio error, 5xx, hang, or reset; and,
// as Twilio does later, the signed status callback of a message or call it took (`report`).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

export const TEST_ACCOUNT_SID = 'AC' + 'a'.repeat(32);
export const TEST_AUTH_TOKEN = 'test-auth-token-not-secret';
export const TEST_FROM = '+447700900000';

export interface TwilioRequest {
  kind: 'message' | 'call';
  to: string;
  from: string;
  body: string;
  twiml: string;
  statusCallback: string | null;
  /** wall clock ms */
  at: number;
  sid: string;
  authorized: boolean;
}

export type Behaviour =
  { type: 'ok' } | { type: 'error'; status: number; code: number; message?: string } | { type: 'hang' } | { type: 'reset' };

export interface FakeTwilio {
  baseUrl: string;
  requests: TwilioRequest[];
  /** decides the answer to each request (default: accept) */
  behave: (req: TwilioRequest, n: number) => Behaviour;
  /** resolves once `n` requests have arrived */
  waitFor(n: number, pred?: (r: TwilioRequest) => boolean): Promise<TwilioRequest[]>;
  /**
   * What Twilio does as a message or call goes on: POSTs the status callback the request asked for
   * (its `StatusCallback` URL, signed with the auth token over that URL), with Twilio's form fields.
   * `via`: where that URL's server really listens (tests run on a random port behind PUBLIC_URL).
   */
  report(r: TwilioRequest, status: string, o?: { errorCode?: string; via?: string }): Promise<{ status: number; text: string }>;
  close(): Promise<void>;
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const requests: TwilioRequest[] = [];
  const waiters: { n: number; pred: (r: TwilioRequest) => boolean; resolve: (r: TwilioRequest[]) => void }[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let n = 0;
  const fake: FakeTwilio = {
    baseUrl: '',
    requests,
    behave: () => ({ type: 'ok' }),
    waitFor(count, pred = () => true) {
      const have = requests.filter(pred);
      if (have.length >= count) return Promise.resolve(have);
      return new Promise((resolve) => waiters.push({ n: count, pred, resolve }));
    },
    async report(r, status, o = {}) {
      if (!r.statusCallback) throw new Error(`the ${r.kind} to ${r.to} asked for no status callback`);
      const common = {
        AccountSid: TEST_ACCOUNT_SID,
        From: r.from,
        To: r.to,
        ApiVersion: '2010-04-01',
        ...(o.errorCode ? { ErrorCode: o.errorCode } : {}),
      };
      const params: Record<string, string> =
        r.kind === 'message'
          ? { ...common, MessageSid: r.sid, SmsSid: r.sid, MessageStatus: status, SmsStatus: status }
          : { ...common, CallSid: r.sid, CallStatus: status, Direction: 'outbound-api' };
      const url = new URL(r.statusCallback);
      const target = o.via ? o.via + url.pathname + url.search : r.statusCallback;
      const res = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, r.statusCallback, params),
        },
        body: new URLSearchParams(params).toString(),
      });
      return { status: res.status, text: await res.text() };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const m = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/(Messages|Calls)\.json$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20404, message: 'not found', status: 404 }));
        return;
      }
      const form = new URLSearchParams(raw);
      const kind = m[2] === 'Messages' ? 'message' : 'call';
      const expectedAuth = 'Basic ' + Buffer.from(`${TEST_ACCOUNT_SID}:${TEST_AUTH_TOKEN}`).toString('base64');
      const r: TwilioRequest = {
        kind,
        to: form.get('To') ?? '',
        from: form.get('From') ?? '',
        body: form.get('Body') ?? '',
        twiml: form.get('Twiml') ?? '',
        statusCallback: form.get('StatusCallback'),
        at: Date.now(),
        sid: (kind === 'message' ? 'SM' : 'CA') + randomBytes(16).toString('hex'),
        authorized: req.headers.authorization === expectedAuth,
      };
      requests.push(r);
      const b = fake.behave(r, ++n);
      for (const w of [...waiters]) {
        const have = requests.filter(w.pred);
        if (have.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(have);
        }
      }
      switch (b.type) {
        case 'ok':
          res.writeHead(201, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              sid: r.sid,
              account_sid: m[1],
              to: r.to,
              from: r.from,
              body: r.body,
              status: 'queued',
              direction: 'outbound-api',
              api_version: '2010-04-01',
              date_created: new Date().toUTCString(),
              uri: `/2010-04-01/Accounts/${m[1]}/${m[2]}/${r.sid}.json`,
            }),
          );
          return;
        case 'error':
          res.writeHead(b.status, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              code: b.code,
              message: b.message ?? `error ${b.code}`,
              more_info: `https://www.twilio.com/docs/errors/${b.code}`,
              status: b.status,
            }),
          );
          return;
        case 'hang':
          return; // never answers; the socket is destroyed on close()
        case 'reset':
          req.socket.destroy();
          return;
        default:
          b satisfies never;
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** Env for a server that talks to this fake Twilio. */
export function twilioEnv(fake: FakeTwilio): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
    TWILIO_FROM: TEST_FROM,
    TWILIO_BASE_URL: fake.baseUrl,
  };
}

/** POSTs a webhook signed the way Twilio signs it (or with a given/absent signature). */
export async function postWebhook(
  base: string,
  publicUrl: string,
  p: string,
  params: Record<string, string>,
  signature?: string | null,
): Promise<{ status: number; text: string }> {
  const sig = signature === undefined ? twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, publicUrl + p, params) : signature;
  const res = await fetch(base + p, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(sig !== null ? { 'x-twilio-signature': sig } : {}) },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, text: await res.text() };
}
