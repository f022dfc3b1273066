// The hand-off channel (issue 17): a chain step's `{"type":"handoff","id":...}` target is an alarm
// centre's endpoint, paged by an HTTPS POST of the page as JSON or as an OASIS CAP 1.2 <alert>, signed
// (signature.ts) and carrying an Idempotency-Key that stays the same for every retry of one message.
// A queued channel addressed to an endpoint id: the dispatcher sends it at its rate and retries it with
// backoff like an SMS (5xx, 408, 429 and no answer are retryable; any other 4xx is not). Later changes of
// the alert (acknowledged, resolved, cancelled) go to every endpoint that got the page, as CAP
// Update/Cancel (renderChange). The centre answers at POST /webhooks/handoff/:endpointId (webhooks.ts).
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { QueuedChannel } from '../channel.js';
import type { SmsResult } from '../sms.js';
import { changeMessage, levelOfScore, toCap, toJson, type HandoffChange, type HandoffMessage } from './message.js';
import { IDEMPOTENCY_HEADER, signHandoff } from './signature.js';

export const HANDOFF = { id: 'handoff', label: 'Alarm centre hand-off', reaches: 'organisation' } as const;

/** An endpoint as the channel needs it; store/handoff.ts' rows have these fields. */
export interface HandoffEndpoint {
  id: string;
  url: string;
  secret: string;
  format: 'json' | 'cap';
}

/** Where the endpoints live (store/handoff.ts implements it; notify/ sees only this port). */
export interface HandoffEndpoints {
  handoffEndpointById(id: string): Promise<HandoffEndpoint | undefined>;
}

export interface HandoffDeps {
  endpoints: HandoffEndpoints;
  now(): number;
  /** CAP <sender>: this server, e.g. `odart@odart.example.org` (from PUBLIC_URL's host) */
  sender: string;
  /** the HTTP timeout of one request (ms); the dispatcher's own timeout still applies */
  timeoutMs?: number;
  /** tests only: an agent trusting the local alarm centre's certificate (never a disabled check) */
  agent?: https.Agent;
  /** http:// endpoints are allowed (only to localhost, outside production: see isAllowedHandoffUrl) */
  allowHttpLocalhost?: boolean;
}

/**
 * The URL rule of an endpoint: https always; http only when NODE_ENV is not production and the host is
 * localhost (127.0.0.1, ::1 or `localhost`), for a centre's test receiver on the same machine.
 */
export function isAllowedHandoffUrl(raw: string, production: boolean): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.username || u.password || u.hash) return false;
  if (u.protocol === 'https:') return true;
  const local = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
  return u.protocol === 'http:' && !production && local;
}

/** The idempotency key of a stored message: the same for each retry, different for each message. */
export const idempotencyKey = (endpointId: string, body: string) =>
  createHash('sha256').update(`${endpointId}\n${body}`).digest('hex').slice(0, 40);

export function handoffChannel(d: HandoffDeps | undefined): QueuedChannel {
  return {
    ...HANDOFF,
    delivery: 'queued',
    address: 'endpoint',
    render: (p) => {
      const at = p.at ?? 0;
      return JSON.stringify({
        msgType: 'Alert',
        alertId: p.alertId,
        state: 'escalating',
        level: levelOfScore(p.score ?? 0),
        reasons: [...p.facts.reasons],
        address: p.facts.address,
        alias: p.facts.alias,
        link: p.link,
        at,
        firstAt: at,
      } satisfies HandoffMessage);
    },
    renderChange: (firstBody, change, at) =>
      JSON.stringify(changeMessage(JSON.parse(firstBody) as HandoffMessage, change as HandoffChange, at)),
    send: (m) =>
      d ? post(d, m.to, m.body) : Promise.resolve({ ok: false, code: 'handoff_not_configured', message: 'no hand-off', retryable: false }),
    // The centre's 2xx is the delivery; there are no later status callbacks.
    parseStatus: () => 'ok',
    // No per-number rate as with SMS: each centre is its own HTTPS receiver (the dispatcher's in-flight cap still holds).
    ratePerS: 0,
  };
}

async function post(d: HandoffDeps, endpointId: string, stored: string): Promise<SmsResult> {
  const ep = await d.endpoints.handoffEndpointById(endpointId);
  if (!ep) return { ok: false, code: 'handoff_endpoint_gone', message: 'the endpoint was deleted', retryable: false };
  if (!isAllowedHandoffUrl(ep.url, !d.allowHttpLocalhost))
    return { ok: false, code: 'handoff_url_refused', message: 'endpoint URL is not https', retryable: false };
  const m = JSON.parse(stored) as HandoffMessage;
  const body = ep.format === 'cap' ? toCap(m, { sender: d.sender, addresses: ep.id }) : JSON.stringify(toJson(m));
  const key = idempotencyKey(ep.id, stored);
  const headers = {
    'content-type': ep.format === 'cap' ? 'application/cap+xml; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'x-odart-signature': signHandoff(ep.secret, d.now(), body),
    [IDEMPOTENCY_HEADER]: key,
    'user-agent': 'ODART-handoff/1',
  };
  const url = new URL(ep.url);
  const status = await new Promise<number | Error>((resolve) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers,
        timeout: d.timeoutMs ?? 10_000,
        ...(url.protocol === 'https:' && d.agent ? { agent: d.agent } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', (e) => resolve(e));
      },
    );
    req.on('timeout', () => req.destroy(new Error('hand-off request timed out')));
    req.on('error', (e) => resolve(e));
    req.end(body);
  });
  if (status instanceof Error) return { ok: false, code: 'handoff_error', message: status.message, retryable: true };
  if (status >= 200 && status < 300) return { ok: true, sid: `handoff:${ep.id}:${key}`, status: 'delivered' };
  const retryable = status === 408 || status === 429 || status >= 500;
  return { ok: false, code: `handoff_${status}`, message: `alarm centre answered ${status}`, retryable };
}
