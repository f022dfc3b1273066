// A local Web Push service over HTTPS (a certificate this helper makes with openssl, trusted by the
// sender through an https.Agent's `ca` only) that checks what a real push service checks and really
// decrypts what it gets: the VAPID JWT (RFC 8292: ES256 signature against the `k` key, which must be
// the subscription's application server key; aud = the endpoint's origin; exp in the next 24 h) and
// the aes128gcm payload (RFC 8291 / RFC 8188) with the browser's private key and auth secret, made
// here as a browser would (ECDH P-256, HKDF-SHA256, AES-128-GCM). Answers 201 with a Location, or
// 410 for a subscription the test marked gone, or a status the test asked for.
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { makeLocalhostCert } from './certs.js';

/** A browser's subscription: the PushSubscription JSON it would post, and the private half it keeps. */
export interface BrowserSubscription {
  id: string;
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  ecdh: ECDH;
  authSecret: Buffer;
  applicationServerKey: string;
}

export interface ReceivedPush {
  subscriptionId: string;
  /** the decrypted payload, parsed as JSON */
  payload: unknown;
  ttl: string | undefined;
  urgency: string | undefined;
  claims: { aud: string; exp: number; sub: string };
}

export interface PushService {
  origin: string;
  /** the sender's agent: trusts this service's certificate and nothing else new */
  agent: https.Agent;
  received: ReceivedPush[];
  /** requests refused, with why (a bad JWT, an undecryptable body, a gone subscription) */
  refused: { subscriptionId: string; status: number; reason: string }[];
  /** A new browser subscription for the application server key (base64url) the app subscribed with. */
  subscribe(applicationServerKey: string): BrowserSubscription;
  /** The browser unsubscribed or was reset: the service answers 410 Gone from now on. */
  gone(id: string): void;
  /** The next request to this subscription is answered with this status (e.g. 503). */
  failNext(id: string, status: number): void;
  close(): Promise<void>;
}

const b64u = (b: Buffer) => b.toString('base64url');
const unb64u = (s: string) => Buffer.from(s, 'base64url');

export async function startPushService(): Promise<PushService> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-push-'));
  const { cert, key } = makeLocalhostCert(dir);
  rmSync(dir, { recursive: true, force: true });

  const subs = new Map<string, BrowserSubscription>();
  const goneIds = new Set<string>();
  const failures = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const refused: PushService['refused'] = [];
  let seq = 0;
  let origin = '';

  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = (req.url ?? '').replace(/^\/push\//, '');
      const refuse = (status: number, reason: string) => {
        refused.push({ subscriptionId: id, status, reason });
        res.writeHead(status).end(reason);
      };
      const sub = subs.get(id);
      if (req.method !== 'POST' || !sub) return refuse(404, 'no such subscription');
      if (goneIds.has(id)) return refuse(410, 'subscription gone');
      const fail = failures.get(id);
      if (fail !== undefined) {
        failures.delete(id);
        return refuse(fail, 'asked to fail');
      }
      try {
        const claims = checkVapid(req.headers.authorization, sub, origin);
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`content-encoding ${req.headers['content-encoding']}`);
        const plain = decryptAes128gcm(Buffer.concat(chunks), sub);
        received.push({
          subscriptionId: id,
          payload: JSON.parse(plain.toString('utf8')),
          ttl: req.headers.ttl as string | undefined,
          urgency: req.headers.urgency as string | undefined,
          claims,
        });
        res.writeHead(201, { location: `${origin}/message/${++seq}` }).end();
      } catch (err) {
        refuse(403, err instanceof Error ? err.message : String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  origin = `https://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const agent = new https.Agent({ ca: cert, keepAlive: false });

  return {
    origin,
    agent,
    received,
    refused,
    subscribe(applicationServerKey) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const id = randomBytes(12).toString('hex');
      const s: BrowserSubscription = {
        id,
        json: {
          endpoint: `${origin}/push/${id}`,
          expirationTime: null,
          keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(authSecret) },
        },
        ecdh,
        authSecret,
        applicationServerKey,
      };
      subs.set(id, s);
      return s;
    },
    gone: (id) => void goneIds.add(id),
    failNext: (id, status) => void failures.set(id, status),
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** RFC 8292: `vapid t=<JWT>, k=<public key>`; the JWT is ES256 over the key the subscription was made for. */
function checkVapid(authorization: string | undefined, sub: BrowserSubscription, origin: string): ReceivedPush['claims'] {
  const m = /^vapid t=([A-Za-z0-9_.-]+), ?k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) throw new Error('no vapid authorization');
  const [, jwt, k] = m as unknown as [string, string, string];
  if (k !== sub.applicationServerKey) throw new Error('k is not the application server key of the subscription');
  const [h, p, sig] = jwt.split('.') as [string, string, string];
  const header = JSON.parse(unb64u(h).toString('utf8')) as { alg?: string; typ?: string };
  if (header.alg !== 'ES256') throw new Error(`alg ${header.alg}`);
  const point = unb64u(k);
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const pub = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) },
    format: 'jwk',
  });
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key: pub, dsaEncoding: 'ieee-p1363' }, unb64u(sig))) {
    throw new Error('bad JWT signature');
  }
  const claims = JSON.parse(unb64u(p).toString('utf8')) as ReceivedPush['claims'];
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error(`exp ${claims.exp} not within 24 h`);
  if (!/^(mailto:|https:)/.test(claims.sub ?? '')) throw new Error(`sub ${claims.sub}`);
  return claims;
}

/**
 * RFC 8188 aes128gcm with the RFC 8291 key derivation: header salt(16) rs(4) idlen(1) keyid (the
 * sender's ephemeral public key), then one record: AES-128-GCM(data || 0x02 || padding).
 */
export function decryptAes128gcm(body: Buffer, sub: Pick<BrowserSubscription, 'ecdh' | 'authSecret'>): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  if (idlen !== 65) throw new Error(`keyid of ${idlen} bytes, not a P-256 public key`);
  if (record.length > rs) throw new Error('more than one record');
  const ecdhSecret = sub.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), sub.ecdh.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, sub.authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}
