// Evaluation in virtual time with the production code: each trace sample is validated by the
// protocol schemas, fed to the DetectionEngine, ticked once a second like the server does, and
// its decisions go through the same alert-episode rules (alerts/episode.ts) and chain timings.
// No network, no clock: a trace of a day runs in a fraction of a second.
import { episodeAction, type OpenAlertState } from '../../server/src/alerts/episode.js';
import { DEMO_CHAIN } from '../../server/src/demo/seed.js';
import { DetectionEngine, type DetectorOptions, type Thresholds, type WearerDecision } from '../../server/src/detection/index.js';
import type { ChainDefinition } from '../../server/src/escalation/chain.js';
import { streamSchemas, type DeviceMessage } from '@odart/protocol';
import type { LabelLine, Trace } from './trace.js';

export type EventKind = 'wearer_prompt' | 'responder_alert' | 'escalation' | 'technical' | 'cancelled';

export interface EvalEvent {
  t: number;
  kind: EventKind;
  wearer: string;
  score?: number;
  reasons?: string[];
  level?: string;
  news2?: number | null;
  /** escalation: chain step index (0 = the first responders) */
  step?: number;
  /** technical: device and issue */
  device?: string;
  issue?: string;
  detail?: string;
  /** cancelled: wearer_ok or recovered */
  reason?: string;
}

export interface EvalOptions {
  /** escalation chain whose step waits time the `escalation` events (default: the demo chain) */
  chain?: ChainDefinition;
  /** thresholds for every wearer (default: the production defaults) */
  thresholds?: Partial<Thresholds>;
  /** responders are assumed to resolve an alert this long after it escalated (ms), which ends the episode */
  resolveAfterMs?: number;
  /** record 1 Hz series of vitals and score for charts */
  series?: boolean;
  /** the detector's rules (default: the production registry), for the report's operating points */
  detector?: DetectorOptions;
}

export const DEFAULT_RESOLVE_AFTER_MS = 600_000;
/** A responder alert counts as in time up to this long after the reference onset. */
export const DETECTION_LIMIT_MS = 120_000;

export interface Series {
  t: number[];
  hr: (number | null)[];
  spo2: (number | null)[];
  rr: (number | null)[];
  activity: (number | null)[];
  motion: (number | null)[];
  score: number[];
}

export interface TraceOutcome {
  /** the trace holds an overdose episode (an apnea_onset or bradypnea_onset label) */
  episode: boolean;
  /** reference onset: first apnea_onset, else first bradypnea_onset (RR <= 6 that never stops) */
  onsetT: number | null;
  firstPromptT: number | null;
  firstAlertT: number | null;
  /** first responder alert in the episode window minus onset (may be negative: alerted on slowing breath) */
  latencyMs: number | null;
  detected: boolean;
  /** responder alerts outside any episode window */
  falseAlerts: number;
  /** wearer prompts outside any episode window */
  falsePrompts: number;
  /** time outside episode windows, ms */
  negativeMs: number;
}

export interface TraceResult {
  file: string;
  durationMs: number;
  events: EvalEvent[];
  labels: LabelLine[];
  /** sample lines refused by the protocol schemas (as the server would drop them) */
  dropped: { line: number; stream: string; detail: string }[];
  outcome: TraceOutcome;
  series?: Series;
}

function chainOffsets(chain: ChainDefinition): number[] {
  // step i (i >= 1) fires after the waits of all earlier steps
  const out: number[] = [];
  let acc = 0;
  chain.steps.forEach((step, i) => {
    if (i > 0) out.push(acc);
    acc += step.waitS * 1000;
  });
  return out;
}

/** Runs one parsed trace through detection and the alert rules in virtual time. */
export function evaluateTrace(trace: Trace, file: string, opts: EvalOptions = {}): TraceResult {
  const wearer = trace.header?.wearer ?? 'wearer';
  const engine = new DetectionEngine(() => opts.thresholds ?? {}, opts.detector);
  const offsets = chainOffsets(opts.chain ?? DEMO_CHAIN);
  const resolveAfter = opts.resolveAfterMs ?? DEFAULT_RESOLVE_AFTER_MS;
  const events: EvalEvent[] = [];
  const dropped: TraceResult['dropped'] = [];

  let open: OpenAlertState | null = null;
  let escalatedAt = 0;
  let nextStep = 0;
  const series: Series | undefined = opts.series ? { t: [], hr: [], spo2: [], rr: [], activity: [], motion: [], score: [] } : undefined;
  let last = {
    hr: null as number | null,
    spo2: null as number | null,
    rr: null as number | null,
    activity: null as number | null,
    motion: null as number | null,
  };

  const apply = (decisions: WearerDecision[]) => {
    for (const d of decisions) {
      const a = episodeAction(open, d);
      switch (a.action) {
        case 'create_pending':
          open = 'pending_checkin';
          if (d.kind === 'wearer_prompt')
            events.push({ t: d.t, kind: 'wearer_prompt', wearer, score: d.score, level: d.level, reasons: d.reasons, news2: d.news2 });
          break;
        case 'create_escalating':
        case 'escalate':
          open = 'escalating';
          escalatedAt = d.t;
          nextStep = 0;
          if (d.kind === 'responder_alert')
            events.push({ t: d.t, kind: 'responder_alert', wearer, score: d.score, level: d.level, reasons: d.reasons, news2: d.news2 });
          break;
        case 'cancel':
          open = null;
          if (d.kind === 'cancelled') events.push({ t: d.t, kind: 'cancelled', wearer, reason: d.reason });
          break;
        case 'technical':
          if (d.kind === 'technical')
            events.push({ t: d.t, kind: 'technical', wearer, device: d.deviceId, issue: d.issue, detail: d.detail });
          break;
        case 'update':
        case 'ok_reported':
        case 'none':
          break;
        default:
          a satisfies never;
      }
    }
  };

  /** Escalation steps and the assumed resolution that fall due up to `now`. */
  const timers = (now: number) => {
    if (open !== 'escalating') return;
    while (nextStep < offsets.length && escalatedAt + offsets[nextStep]! <= now) {
      events.push({ t: escalatedAt + offsets[nextStep]!, kind: 'escalation', wearer, step: nextStep + 1 });
      nextStep++;
    }
    if (escalatedAt + resolveAfter <= now) {
      open = null;
      engine.closeEpisode(wearer);
    }
  };

  let nextTick = 0;
  const tickTo = (t: number) => {
    while (nextTick <= t) {
      timers(nextTick);
      apply(engine.tick(nextTick));
      if (series) {
        series.t.push(nextTick);
        series.score.push(engine.detector(wearer).features(nextTick).score);
        series.hr.push(last.hr);
        series.spo2.push(last.spo2);
        series.rr.push(last.rr);
        series.activity.push(last.activity);
        series.motion.push(last.motion);
        last = { hr: null, spo2: null, rr: null, activity: null, motion: null };
      }
      nextTick += 1000;
    }
  };

  trace.lines.forEach((line, i) => {
    if (!('device' in line)) return; // labels are ground truth: detection never sees them
    tickTo(line.t);
    timers(line.t);
    const schema = streamSchemas[line.stream];
    const parsed = schema.safeParse(line.data);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((x) => x.path.join('.') || '(data)'))];
      dropped.push({ line: i + 1 + (trace.header ? 1 : 0), stream: line.stream, detail: `invalid fields: ${fields.join(', ')}` });
      return;
    }
    const message = { stream: line.stream, data: parsed.data } as DeviceMessage;
    if (series) {
      if (message.stream === 'vitals') {
        const v = message.data;
        last.hr = v.hr ?? last.hr;
        last.spo2 = v.spo2 ?? last.spo2;
        last.rr = v.rr ?? last.rr;
        last.activity = v.activity ?? last.activity;
      } else if (message.stream === 'presence') last.motion = message.data.occupied ? (message.data.motion ?? 0) : null;
    }
    apply(engine.ingest(wearer, { t: line.t, deviceId: line.device, message }));
  });
  tickTo(trace.durationMs);
  timers(trace.durationMs);
  events.sort((a, b) => a.t - b.t);

  return {
    file,
    durationMs: trace.durationMs,
    events,
    labels: trace.labels,
    dropped,
    outcome: outcomeOf(trace, events),
    ...(series ? { series } : {}),
  };
}

/** Scores one trace's events against its ground-truth labels. */
export function outcomeOf(trace: Trace, events: EvalEvent[]): TraceOutcome {
  const find = (name: string) => trace.labels.find((l) => l.label === name)?.t ?? null;
  const onset = find('apnea_onset') ?? find('bradypnea_onset');
  const episode = onset !== null;
  const start = episode ? Math.min(find('overdose_onset') ?? onset, onset) : Number.POSITIVE_INFINITY;
  const end = episode ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  const inEpisode = (t: number) => t >= start && t <= end;
  const alerts = events.filter((e) => e.kind === 'responder_alert');
  const prompts = events.filter((e) => e.kind === 'wearer_prompt');
  const firstAlert = alerts.find((e) => inEpisode(e.t)) ?? null;
  const firstPrompt = prompts.find((e) => inEpisode(e.t)) ?? null;
  const latency = firstAlert && onset !== null ? firstAlert.t - onset : null;
  return {
    episode,
    onsetT: onset,
    firstPromptT: firstPrompt?.t ?? null,
    firstAlertT: firstAlert?.t ?? null,
    latencyMs: latency,
    detected: latency !== null && latency <= DETECTION_LIMIT_MS,
    falseAlerts: alerts.filter((e) => !inEpisode(e.t)).length,
    falsePrompts: prompts.filter((e) => !inEpisode(e.t)).length,
    negativeMs: episode ? Math.min(start, trace.durationMs) : trace.durationMs,
  };
}

export interface Summary {
  traces: number;
  episodes: number;
  detected: number;
  sensitivity: number | null;
  missed: string[];
  latencyMs: { median: number | null; p90: number | null; max: number | null };
  falseResponderAlerts: number;
  falseWearerPrompts: number;
  monitoredHours: number;
  falseAlertsPer24h: number | null;
  promptsPer24h: number | null;
  technical: number;
  droppedLines: number;
}

export function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(results: TraceResult[]): Summary {
  const eps = results.filter((r) => r.outcome.episode);
  const detected = eps.filter((r) => r.outcome.detected);
  const lat = detected.map((r) => r.outcome.latencyMs!).sort((a, b) => a - b);
  const negMs = results.reduce((a, r) => a + r.outcome.negativeMs, 0);
  const hours = negMs / 3_600_000;
  const falseAlerts = results.reduce((a, r) => a + r.outcome.falseAlerts, 0);
  const falsePrompts = results.reduce((a, r) => a + r.outcome.falsePrompts, 0);
  const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    traces: results.length,
    episodes: eps.length,
    detected: detected.length,
    sensitivity: eps.length ? round(detected.length / eps.length, 4) : null,
    missed: eps.filter((r) => !r.outcome.detected).map((r) => r.file),
    latencyMs: { median: quantile(lat, 0.5), p90: quantile(lat, 0.9), max: lat.at(-1) ?? null },
    falseResponderAlerts: falseAlerts,
    falseWearerPrompts: falsePrompts,
    monitoredHours: round(hours),
    falseAlertsPer24h: hours > 0 ? round((falseAlerts / hours) * 24) : null,
    promptsPer24h: hours > 0 ? round((falsePrompts / hours) * 24) : null,
    technical: results.reduce((a, r) => a + r.events.filter((e) => e.kind === 'technical').length, 0),
    droppedLines: results.reduce((a, r) => a + r.dropped.length, 0),
  };
}
