// A local alarm centre over HTTPS (a certificate this helper makes with openssl, trusted by the
// sender through an https.Agent's `ca` only) that checks what a real receiver checks: the
// X-ODART-Signature (its own HMAC-SHA256 over "<t>.<raw body>", a timestamp within 5 minutes of its
// clock), the Idempotency-Key, and for CAP the document against the OASIS CAP 1.2 schema
// (test/schemas/CAP-v1.2.xsd, with libxml2's validator compiled to WebAssembly, xmllint-wasm). It can
// answer 5xx to the next request, and it calls the server's webhook back, signed the same way.
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';

export const CAP_XSD = readFileSync(path.join(import.meta.dirname, '..', 'schemas', 'CAP-v1.2.xsd'), 'utf8');

export interface Received {
  path: string;
  contentType: string | undefined;
  idempotencyKey: string | undefined;
  signature: string;
  body: string;
  /** the answer given */
  status: number;
  /** schema errors of a CAP body ([] when valid); null for JSON */
  capErrors: string[] | null;
}

export interface AlarmCentre {
  origin: string;
  agent: https.Agent;
  /** requests whose signature checked out */
  received: Received[];
  /** requests refused, with why */
  refused: { status: number; reason: string }[];
  /** the next request is answered with this status (after its checks) */
  failNext(status: number): void;
  close(): Promise<void>;
}

/** Validates a CAP document against the OASIS CAP 1.2 schema; the errors, [] when valid. */
export async function capSchemaErrors(xml: string): Promise<string[]> {
  const res = await validateXML({
    xml: [{ fileName: 'alert.xml', contents: xml }],
    schema: [{ fileName: 'CAP-v1.2.xsd', contents: CAP_XSD }],
  });
  return res.valid ? [] : res.errors.map((e) => e.rawMessage);
}

export function sign(secret: string, nowMs: number, body: string): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

function checkSignature(secret: string, header: string | undefined, body: string, nowMs: number): string | null {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return 'malformed signature header';
  const want = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  if (!timingSafeEqual(Buffer.from(m[2]!, 'hex'), want)) return 'bad signature';
  if (Math.abs(Math.floor(nowMs / 1000) - Number(m[1])) > 300) return 'stale timestamp';
  return null;
}

export async function startAlarmCentre(o: { secret: string; now: () => number }): Promise<AlarmCentre> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'odart-centre-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(certFile);
  const key = readFileSync(keyFile);
  const received: Received[] = [];
  const refused: { status: number; reason: string }[] = [];
  const failures: number[] = [];
  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const signature = String(req.headers['x-odart-signature'] ?? '');
        const why = checkSignature(o.secret, signature, body, o.now());
        if (why || req.method !== 'POST') {
          refused.push({ status: 401, reason: why ?? 'not a POST' });
          res.writeHead(401).end();
          return;
        }
        const contentType = req.headers['content-type'];
        const capErrors = contentType?.startsWith('application/cap+xml') ? await capSchemaErrors(body) : null;
        const status = failures.shift() ?? (capErrors && capErrors.length > 0 ? 400 : 200);
        received.push({
          path: req.url ?? '',
          contentType,
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          signature,
          body,
          status,
          capErrors,
        });
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    origin: `https://127.0.0.1:${port}`,
    agent: new https.Agent({ ca: cert }),
    received,
    refused,
    failNext: (status) => failures.push(status),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The centre's answer to the server's webhook, signed at `nowMs` (the raw body is what is signed). */
export async function answerWebhook(
  base: string,
  endpointId: string,
  secret: string,
  nowMs: number,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const res = await fetch(`${base}/webhooks/handoff/${endpointId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-odart-signature': sign(secret, nowMs, body), ...headers },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, body: parsed };
}
