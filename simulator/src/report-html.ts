// Self-contained HTML report of an evaluation: a summary table and, per trace, inline SVG charts
// of vitals, risk score, ground-truth labels and events over time. No scripts, no external files.
import type { EvalEvent, Series, Summary, TraceResult } from './evaluate.js';

const W = 960;
const LEFT = 48;
const RIGHT = 12;
const MAX_POINTS = 1200;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const EVENT_COLOURS: Record<EvalEvent['kind'], string> = {
  wearer_prompt: '#d98a00',
  responder_alert: '#c62828',
  escalation: '#6a1b9a',
  technical: '#546e7a',
  cancelled: '#2e7d32',
};

interface Panel {
  title: string;
  height: number;
  min: number;
  max: number;
  lines: { name: string; colour: string; values: (number | null)[] }[];
  guides?: { at: number; label: string }[];
}

/** Every k-th point so a day-long trace still draws quickly; gaps (null) break the line. */
function path(t: number[], v: (number | null)[], x: (t: number) => number, y: (v: number) => number): string {
  const step = Math.max(1, Math.ceil(t.length / MAX_POINTS));
  let d = '';
  let pen = false;
  for (let i = 0; i < t.length; i += step) {
    const val = v[i];
    if (val === null || val === undefined) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(t[i]!).toFixed(1)},${y(val).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function chart(r: TraceResult, s: Series): string {
  const dur = Math.max(1000, r.durationMs);
  const x = (t: number) => LEFT + ((W - LEFT - RIGHT) * t) / dur;
  const panels: Panel[] = [
    {
      title: 'SpO2 % / heart rate',
      height: 120,
      min: 30,
      max: 160,
      lines: [
        { name: 'SpO2', colour: '#1565c0', values: s.spo2 },
        { name: 'HR', colour: '#c62828', values: s.hr },
      ],
    },
    {
      title: 'breathing /min, movement',
      height: 100,
      min: 0,
      max: 50,
      lines: [
        { name: 'RR', colour: '#00838f', values: s.rr },
        { name: 'wrist activity /2', colour: '#9e9e9e', values: s.activity.map((a) => (a === null ? null : a / 2)) },
        { name: 'room motion /2', colour: '#8d6e63', values: s.motion.map((m) => (m === null ? null : m / 2)) },
      ],
    },
    {
      title: 'risk score',
      height: 90,
      min: 0,
      max: 100,
      lines: [{ name: 'score', colour: '#000', values: s.score }],
      guides: [
        { at: 30, label: 'watch' },
        { at: 60, label: 'prompt' },
        { at: 90, label: 'critical' },
      ],
    },
  ];
  let yOff = 8;
  const parts: string[] = [];
  for (const p of panels) {
    const top = yOff;
    const y = (v: number) => top + p.height - ((Math.max(p.min, Math.min(p.max, v)) - p.min) / (p.max - p.min)) * p.height;
    parts.push(`<rect x="${LEFT}" y="${top}" width="${W - LEFT - RIGHT}" height="${p.height}" fill="#fafafa" stroke="#ddd"/>`);
    parts.push(`<text x="${LEFT + 4}" y="${top + 12}" class="t">${esc(p.title)}</text>`);
    parts.push(
      `<text x="${LEFT - 4}" y="${top + 10}" class="a" text-anchor="end">${p.max}</text><text x="${LEFT - 4}" y="${top + p.height}" class="a" text-anchor="end">${p.min}</text>`,
    );
    for (const g of p.guides ?? [])
      parts.push(
        `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y(g.at)}" y2="${y(g.at)}" stroke="#bbb" stroke-dasharray="3,3"/><text x="${W - RIGHT - 2}" y="${y(g.at) - 2}" class="a" text-anchor="end">${g.label}</text>`,
      );
    p.lines.forEach((l, i) => {
      parts.push(`<path d="${path(s.t, l.values, x, y)}" fill="none" stroke="${l.colour}" stroke-width="1.3"/>`);
      parts.push(`<text x="${LEFT + 6 + i * 130}" y="${top + p.height - 4}" class="a" fill="${l.colour}">${esc(l.name)}</text>`);
    });
    yOff += p.height + 10;
  }
  const bottom = yOff - 10;
  for (const l of r.labels) {
    parts.push(
      `<line x1="${x(l.t)}" x2="${x(l.t)}" y1="8" y2="${bottom}" stroke="#2e7d32" stroke-dasharray="5,3"/><text x="${x(l.t) + 2}" y="${bottom + 12}" class="a" fill="#2e7d32">${esc(l.label)}</text>`,
    );
  }
  for (const e of r.events) {
    const c = EVENT_COLOURS[e.kind];
    const label = e.kind === 'escalation' ? `step ${e.step ?? ''}` : e.kind;
    parts.push(
      `<line x1="${x(e.t)}" x2="${x(e.t)}" y1="8" y2="${bottom}" stroke="${c}" stroke-width="1.5"/><circle cx="${x(e.t)}" cy="8" r="4" fill="${c}"><title>${esc(`${fmtT(e.t)} ${e.kind}${e.reasons ? ': ' + e.reasons.join('; ') : ''}${e.detail ? ': ' + e.detail : ''}`)}</title></circle><text x="${x(e.t) + 3}" y="${bottom + 24}" class="a" fill="${c}">${esc(label)}</text>`,
    );
  }
  // time axis
  const tickEvery = niceStep(dur / 1000 / 8);
  for (let t = 0; t <= dur / 1000; t += tickEvery)
    parts.push(`<text x="${x(t * 1000)}" y="${bottom + 36}" class="a" text-anchor="middle">${fmtT(t * 1000)}</text>`);
  return `<svg viewBox="0 0 ${W} ${bottom + 42}" width="100%" role="img" aria-label="${esc(r.file)} chart">${parts.join('')}</svg>`;
}

function niceStep(raw: number): number {
  for (const s of [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]) if (s >= raw) return s;
  return 14_400;
}

function fmtT(t: number): string {
  const s = Math.round(t / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function renderHtmlReport(results: TraceResult[], summary: Summary): string {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const sec = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x / 1000)} s`);
  const rows = [
    ['traces', String(summary.traces)],
    ['episodes (apnea or bradypnoea onset labelled)', String(summary.episodes)],
    ['detected (responder alert <= 120 s after onset)', `${summary.detected} (${pct(summary.sensitivity)})`],
    ['onset -> responder alert, median / p90', `${sec(summary.latencyMs.median)} / ${sec(summary.latencyMs.p90)}`],
    [
      'false responder alerts',
      `${summary.falseResponderAlerts} in ${summary.monitoredHours} monitored h (${summary.falseAlertsPer24h ?? 'n/a'} per 24 h)`,
    ],
    ['wearer prompts outside episodes', `${summary.falseWearerPrompts} (${summary.promptsPer24h ?? 'n/a'} per 24 h)`],
    ['technical notices', String(summary.technical)],
    ['dropped sample lines', String(summary.droppedLines)],
  ];
  const sections = results
    .map((r) => {
      const o = r.outcome;
      const verdict = o.episode
        ? o.detected
          ? `<b class="ok">detected</b>, responder alert ${sec(o.latencyMs)} after onset`
          : '<b class="bad">missed</b>'
        : o.falseAlerts
          ? `<b class="bad">${o.falseAlerts} false responder alert(s)</b>`
          : '<b class="ok">no responder alert</b>';
      const evRows = r.events
        .map(
          (e) =>
            `<tr><td>${fmtT(e.t)}</td><td style="color:${EVENT_COLOURS[e.kind]}">${e.kind}</td><td>${e.score ?? ''}</td><td>${esc(
              e.kind === 'technical'
                ? `${e.issue ?? ''} ${e.device ?? ''}: ${e.detail ?? ''}`
                : e.kind === 'escalation'
                  ? `chain step ${e.step ?? ''}`
                  : e.kind === 'cancelled'
                    ? (e.reason ?? '')
                    : (e.reasons ?? []).join('; '),
            )}</td></tr>`,
        )
        .join('');
      return `<section><h2>${esc(r.file)}</h2><p>${fmtT(r.durationMs)} of trace — ${verdict}</p>${r.series ? chart(r, r.series) : ''}
<table class="ev"><tr><th>time</th><th>event</th><th>score</th><th>why</th></tr>${evRows || '<tr><td colspan="4">no events</td></tr>'}</table></section>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ODART detection evaluation</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1000px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
.t{font:12px sans-serif;fill:#333}.a{font:10px sans-serif;fill:#666}.ok{color:#2e7d32}.bad{color:#c62828}section{margin-top:28px}.ev td:nth-child(4){max-width:640px}</style></head>
<body><h1>Detection evaluation</h1><table>${rows.map(([k, v]) => `<tr><th>${esc(k!)}</th><td>${esc(v!)}</td></tr>`).join('')}</table>
${sections}</body></html>
`;
}
