// A local HTTP server that speaks the parts of Twilio's REST API the system uses (Messages.json),
// recording every request. Tests make it fail on demand.
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export interface RecordedRequest {
  method: string;
  path: string;
  auth: string | undefined;
  form: Record<string, string>;
}

export interface FakeTwilio {
  url: string;
  requests: RecordedRequest[];
  /** called as each request arrives (benchmarks time it) */
  onRequest: ((r: RecordedRequest) => void) | null;
  /** the next N message requests answer with this status and Twilio error code */
  failNext(n: number, status: number, code: number): void;
  close(): Promise<void>;
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const requests: RecordedRequest[] = [];
  let failures: { n: number; status: number; code: number } = { n: 0, status: 0, code: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      const rec = { method: req.method ?? '', path: req.url ?? '', auth: req.headers.authorization, form };
      requests.push(rec);
      fake.onRequest?.(rec);
      const m = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(req.url ?? '');
      if (!m || req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ code: 20404, message: 'not found', status: 404 }));
      }
      if (failures.n > 0) {
        failures.n--;
        res.writeHead(failures.status, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ code: failures.code, message: `failure ${failures.code}`, status: failures.status }));
      }
      const sid = 'SM' + randomBytes(16).toString('hex');
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        sid, account_sid: m[1], to: form.To, from: form.From, body: form.Body, status: 'queued',
        num_segments: '1', direction: 'outbound-api', api_version: '2010-04-01', uri: `/2010-04-01/Accounts/${m[1]}/Messages/${sid}.json`,
      }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  const fake: FakeTwilio = {
    url: `http://127.0.0.1:${addr.port}`,
    requests,
    onRequest: null,
    failNext(n, status, code) {
      failures = { n, status, code };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return fake;
}
