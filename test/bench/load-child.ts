// Background load in a process of its own, so the process timing the alert (and its event loop) does
// not also carry 10,000 connections: `startLoadChild()` in child.ts runs this with a JSON job on stdin.
import { closeAll, connectAll, steady, type Cred } from './load.js';

interface Job {
  host: string;
  port: number;
  creds: Cred[];
  hz: number;
}

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += String(chunk);
const job = JSON.parse(input) as Job;
const pubs = await connectAll(job.host, job.port, job.creds);
const load = steady(pubs, job.hz);
process.send?.({ type: 'ready', connections: pubs.length });
process.on('message', (m: { type?: string }) => {
  if (m.type !== 'stop') return;
  load.stop();
  const ratePerSec = load.ratePerSec();
  const published = load.published();
  void closeAll(pubs).then(() => {
    process.send?.({ type: 'stopped', ratePerSec, published }, () => process.exit(0));
  });
});
