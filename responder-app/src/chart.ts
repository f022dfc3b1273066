// Vitals chart: three stacked SVG panels (breathing, oxygen, pulse) over the same time axis, with the
// alert's start marked. Gaps in the data stay gaps. A text summary goes with it for screen readers.
import { s } from './dom.js';
import { t } from './messages.js';
import type { VitalsWindow } from './types.js';

type Key = 'rr' | 'spo2' | 'hr';
const PANELS: { key: Key; label: string; min: number; max: number; cls: string }[] = [
  { key: 'rr', label: t.chartRr, min: 0, max: 30, cls: 'line-rr' },
  { key: 'spo2', label: t.chartSpo2, min: 70, max: 100, cls: 'line-spo2' },
  { key: 'hr', label: t.chartHr, min: 30, max: 150, cls: 'line-hr' },
];
const W = 320;
const PH = 64;
const GAP = 22;
const LEFT = 30;
const RIGHT = 6;

export function vitalsChart(v: VitalsWindow): SVGSVGElement {
  const height = PANELS.length * (PH + GAP) + 14;
  const svg = s('svg', { viewBox: `0 0 ${W} ${height}`, class: 'chart', role: 'img', 'aria-label': t.vitalsTitle });
  const span = Math.max(1, v.to - v.from);
  const x = (tm: number) => LEFT + ((tm - v.from) / span) * (W - LEFT - RIGHT);
  PANELS.forEach((p, i) => {
    const top = i * (PH + GAP) + 16;
    const values = v.vitals.map((r) => r[p.key]).filter((n): n is number => n !== null);
    const min = Math.min(p.min, ...values);
    const max = Math.max(p.max, ...values);
    const y = (val: number) => top + PH - ((val - min) / Math.max(1, max - min)) * PH;
    svg.append(
      s('text', { x: LEFT, y: top - 4, class: 'chart-label' }, p.label),
      s('rect', { x: LEFT, y: top, width: W - LEFT - RIGHT, height: PH, class: 'chart-bg' }),
      s('text', { x: LEFT - 3, y: top + 8, class: 'chart-tick', 'text-anchor': 'end' }, String(Math.round(max))),
      s('text', { x: LEFT - 3, y: top + PH, class: 'chart-tick', 'text-anchor': 'end' }, String(Math.round(min))),
    );
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) svg.append(s('polyline', { points: run.join(' '), class: `chart-line ${p.cls}` }));
      else if (run.length === 1) {
        const [px, py] = run[0]!.split(',');
        svg.append(s('circle', { cx: px!, cy: py!, r: 1.5, class: `chart-dot ${p.cls}` }));
      }
      run = [];
    };
    let lastT = -Infinity;
    for (const r of v.vitals) {
      const val = r[p.key];
      // A gap of more than 15 s in the stream is drawn as a gap, not a straight line across it.
      if (val === null || r.t - lastT > 15_000) flush();
      if (val !== null) run.push(`${x(r.t).toFixed(1)},${y(val).toFixed(1)}`);
      lastT = r.t;
    }
    flush();
    if (v.alertAt >= v.from && v.alertAt <= v.to) {
      svg.append(s('line', { x1: x(v.alertAt), x2: x(v.alertAt), y1: top, y2: top + PH, class: 'chart-alert' }));
      const ax = x(v.alertAt);
      // Near the right edge the label goes to the left of the line, so it is never cut off.
      if (i === 0)
        svg.append(
          s(
            'text',
            { x: ax > W - 40 ? ax - 3 : ax + 3, y: top + 10, class: 'chart-alert-label', 'text-anchor': ax > W - 40 ? 'end' : 'start' },
            t.chartAlertMark,
          ),
        );
    }
  });
  const minutes = Math.round(span / 60_000);
  svg.append(
    s('text', { x: LEFT, y: height - 2, class: 'chart-tick' }, `−${minutes} min`),
    s('text', { x: W - RIGHT, y: height - 2, class: 'chart-tick', 'text-anchor': 'end' }, 'now'),
  );
  return svg;
}

export function vitalsSummary(v: VitalsWindow): string {
  const last = (k: Key) => {
    for (let i = v.vitals.length - 1; i >= 0; i--) {
      const val = v.vitals[i]![k];
      if (val !== null) return String(Math.round(val));
    }
    return '—';
  };
  return t.vitalsSummary({ rr: last('rr'), spo2: last('spo2'), hr: last('hr') });
}
