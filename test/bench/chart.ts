// Renders a bench JSON document (npm run bench -- --json) as an SVG chart for docs/performance.md.
// Usage: tsx test/bench/chart.ts bench.json docs/img/performance.svg
import { readFileSync, writeFileSync } from 'node:fs';

interface Latency {
  p50: number | null;
  p99: number | null;
  smsP50: number | null;
  smsP99: number | null;
  backgroundWearers: number;
}

interface Bench {
  ingest: { pipelineMsgsPerSec: number; brokerOnlyMsgsPerSec: number; mosquittoMsgsPerSec: number | null };
  alertLatencyMs: Latency;
  alertLatencyPinnedMs?: Latency;
  latencyFloorMs?: { broker: string; p50: number | null; p99: number | null }[];
  memory: { runs: { wearers: number; bytesPerWearer: number }[] };
}

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: tsx test/bench/chart.ts bench.json out.svg\n');
  process.exit(2);
}
const b = JSON.parse(readFileSync(input, 'utf8')) as Bench;
const esc = (s: string) => s.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);

function bars(x: number, y: number, title: string, unit: string, items: { label: string; value: number; target?: number }[]): string {
  const w = 300;
  const max = Math.max(...items.map((i) => Math.max(i.value, i.target ?? 0))) * 1.15 || 1;
  let out = `<text x="${x}" y="${y}" font-weight="bold">${esc(title)}</text>`;
  items.forEach((it, k) => {
    const yy = y + 18 + k * 34;
    const len = (it.value / max) * w;
    out += `<text x="${x}" y="${yy + 14}" font-size="12">${esc(it.label)}</text>`;
    out += `<rect x="${x + 150}" y="${yy}" width="${len.toFixed(1)}" height="20" fill="#0b3d5c"/>`;
    out += `<text x="${x + 156 + len}" y="${yy + 14}" font-size="12">${esc(`${Math.round(it.value).toLocaleString('en-GB')} ${unit}`)}</text>`;
    if (it.target !== undefined) {
      const tx = x + 150 + (it.target / max) * w;
      out += `<line x1="${tx}" x2="${tx}" y1="${yy - 3}" y2="${yy + 23}" stroke="#a4161a" stroke-width="2" stroke-dasharray="4 2"/>`;
    }
  });
  return out;
}

const ingest = [
  { label: 'full pipeline', value: b.ingest.pipelineMsgsPerSec, target: b.ingest.brokerOnlyMsgsPerSec * 0.5 },
  { label: 'embedded broker only', value: b.ingest.brokerOnlyMsgsPerSec },
  ...(b.ingest.mosquittoMsgsPerSec !== null ? [{ label: 'Mosquitto', value: b.ingest.mosquittoMsgsPerSec }] : []),
];
const pinned = b.alertLatencyPinnedMs;
const lat = [
  { label: 'to WebSocket p50', value: b.alertLatencyMs.p50 ?? 0 },
  { label: 'to WebSocket p99', value: b.alertLatencyMs.p99 ?? 0, target: 50 },
  ...(pinned
    ? [
        { label: 'pinned: p50', value: pinned.p50 ?? 0 },
        { label: 'pinned: p99', value: pinned.p99 ?? 0, target: 50 },
      ]
    : []),
  ...(b.latencyFloorMs ?? []).map((f) => ({ label: `${f.broker} alone: p99`, value: f.p99 ?? 0, target: 50 })),
];
const memY = 170 + 30 + lat.length * 34 + 10;
const mem = b.memory.runs.map((r) => ({
  label: `${r.wearers.toLocaleString('en-GB')} wearers`,
  value: r.bytesPerWearer / 1024,
  target: 64,
}));
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="${memY + 40 + mem.length * 34}" font-family="sans-serif" font-size="14">
<rect width="100%" height="100%" fill="#fff"/>
${bars(10, 24, 'Ingest, vitals messages/s (dashed: 0.5 x broker target)', 'msg/s', ingest)}
${bars(10, 170, `Alert latency, ms, ${b.alertLatencyMs.backgroundWearers.toLocaleString('en-GB')} wearers at 1 Hz (dashed: 50 ms target)`, 'ms', lat)}
${bars(10, memY, 'Resident memory per connected wearer, KB (dashed: 64 KB target)', 'KB', mem)}
</svg>
`;
writeFileSync(output, svg);
process.stdout.write(`wrote ${output}\n`);
