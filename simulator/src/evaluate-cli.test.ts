// `npm run evaluate` as a child process on generated traces: the --json document follows the
// DESIGN contract exactly, --html writes a self-contained report, bad lines are named by number.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScenario } from './scenarios/index.js';
import { serializeTrace } from './trace.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const CLI = path.join(ROOT, 'simulator/src/evaluate-cli.ts');
let dir: string;

async function evaluate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(TSX, [CLI, ...args], { cwd: ROOT, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'odart-eval-'));
  const write = (file: string, name: string, seed: number, extra: string[] = []) => {
    const sc = generateScenario(name, { seed, wearer: 'w1', wrist: 'wrist-1', room: 'room-1' });
    writeFileSync(path.join(dir, file), serializeTrace(sc.header, sc.lines) + extra.join('\n'));
  };
  write('overdose.jsonl', 'overdose', 7);
  write('normal.jsonl', 'normal', 3);
  write('cancels.jsonl', 'wearer-cancels', 2);
  write('bad.jsonl', 'normal', 3, ['{"t":999999,"device":"wrist-1","stream":"vitals"', '']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KINDS = ['wearer_prompt', 'responder_alert', 'escalation', 'technical', 'cancelled'];

describe('evaluate CLI (DESIGN contract: --json prints one JSON document, nothing else)', () => {
  it('scores an overdose and a normal trace in virtual time: prompt, responder alert, chain escalations at the demo waits', async () => {
    const r = await evaluate(['--json', path.join(dir, 'overdose.jsonl'), path.join(dir, 'normal.jsonl')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      traces: {
        file: string;
        durationMs: number;
        events: { t: number; kind: string; wearer: string; score?: number; reasons?: string[]; step?: number }[];
        labels: { t: number; label: string }[];
      }[];
      summary: { episodes: number; detected: number; sensitivity: number; falseResponderAlerts: number };
    };
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(doc.traces.map((t) => path.basename(t.file))).toEqual(['overdose.jsonl', 'normal.jsonl']);
    const [od, nm] = doc.traces;
    expect(od!.durationMs).toBe(239_000);
    expect(od!.labels).toEqual([
      { t: 30_000, label: 'overdose_onset' },
      { t: 90_000, label: 'apnea_onset' },
    ]);
    for (const e of od!.events) {
      expect(KINDS).toContain(e.kind);
      expect(e.wearer).toBe('w1');
    }
    const kinds = od!.events.map((e) => e.kind);
    expect(kinds.slice(0, 2)).toEqual(['wearer_prompt', 'responder_alert']);
    const prompt = od!.events[0]!;
    const alert = od!.events[1]!;
    expect(prompt.score).toBeGreaterThanOrEqual(60);
    expect(prompt.reasons!.length).toBeGreaterThan(0);
    // the demo overdose: responder alert within ~2 min of the start, under 45 s after apnea onset
    expect(alert.t).toBeLessThanOrEqual(120_000);
    expect(alert.t - 90_000).toBeLessThanOrEqual(45_000);
    // escalation events follow the demo chain: sam at +60 s, the emergency contact at +120 s
    const esc = od!.events.filter((e) => e.kind === 'escalation');
    expect(esc.map((e) => [e.t - alert.t, e.step])).toEqual(
      [
        [60_000, 1],
        [120_000, 2],
      ].filter(([dt]) => alert.t + dt! <= 239_000),
    );
    expect(nm!.events.filter((e) => e.kind !== 'technical')).toEqual([]);
    expect(doc.summary).toMatchObject({ episodes: 1, detected: 1, sensitivity: 1, falseResponderAlerts: 0 });
  }, 60_000);

  it('the wearer answers only when the trace has a button line: wearer-cancels is cancelled, no responder alert', async () => {
    const r = await evaluate(['--json', path.join(dir, 'cancels.jsonl')]);
    const doc = JSON.parse(r.stdout) as { traces: { events: { kind: string; reason?: string }[] }[] };
    expect(doc.traces[0]!.events.map((e) => e.kind)).toEqual(['wearer_prompt', 'cancelled']);
    expect(doc.traces[0]!.events[1]!.reason).toBe('wearer_ok');
  }, 60_000);

  it('a malformed line is reported with its file and line number on stderr; the JSON still covers the good traces', async () => {
    const r = await evaluate(['--json', path.join(dir, 'bad.jsonl'), path.join(dir, 'normal.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.jsonl:\d+: not valid JSON/);
    const doc = JSON.parse(r.stdout) as { traces: unknown[]; errors: { file: string }[] };
    expect(doc.traces).toHaveLength(1);
    expect(doc.errors).toHaveLength(1);
  }, 60_000);

  it('--html writes a self-contained report with an inline SVG chart per trace', async () => {
    const out = path.join(dir, 'report.html');
    const r = await evaluate(['--html', out, path.join(dir, 'overdose.jsonl'), path.join(dir, 'normal.jsonl')]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('responder_alert');
    expect(html).toContain('apnea_onset');
    expect(html).not.toMatch(/<script|src="http/);
  }, 60_000);
});
