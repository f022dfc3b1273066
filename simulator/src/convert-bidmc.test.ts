// PhysioNet BIDMC numerics -> contract trace, on a real record: one vitals line per second, empty
// cells become null, the trace parses and evaluates; bad input is named with its line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertNumericsCsv, recordName } from './convert-bidmc.js';
import { evaluateTrace } from './evaluate.js';
import { parseTrace, serializeTrace, type SampleLine } from './trace.js';

const DIR = process.env.BIDMC_DIR ?? path.resolve(import.meta.dirname, '../../../shared/data/bidmc');

describe('convert-bidmc', () => {
  it('bidmc_19 (PULSE and SpO2 columns partly empty) converts to a valid 1 Hz trace that evaluate scores', () => {
    const file = path.join(DIR, 'bidmc_19_Numerics.csv');
    const name = recordName(file);
    expect(name).toBe('bidmc_19');
    const tr = convertNumericsCsv(readFileSync(file, 'utf8'), name);
    const text = serializeTrace(tr.header, tr.lines);
    const parsed = parseTrace(text, 'bidmc_19.jsonl');
    expect(parsed.header).toMatchObject({ wearer: 'bidmc_19', devices: [{ id: 'bidmc_19-monitor', kind: 'wearable' }] });
    expect(parsed.samples).toHaveLength(481);
    expect(parsed.durationMs).toBe(480_000);
    const first = parsed.samples[0] as SampleLine;
    // "0,0,74,,15.0," -> PULSE empty: the ECG HR is used; SpO2 empty -> null
    expect(first.data).toEqual({ hr: 74, spo2: null, rr: 15, onBody: true });
    const r = evaluateTrace(parsed, 'bidmc_19');
    expect(r.dropped).toEqual([]);
    expect(r.events.filter((e) => e.kind === 'responder_alert')).toEqual([]);
  });

  it('a record starting at -1 s is shifted to start at 0; a bad time is named with its line', () => {
    const tr = convertNumericsCsv(',Time [s], HR, PULSE, RESP, SpO2\n0,-1,63,63,18,97\n1,0,63,63,19,97\n', 'x');
    expect(tr.lines.filter((l) => 'device' in l).map((l) => l.t)).toEqual([0, 1000]);
    expect(() => convertNumericsCsv(',Time [s], HR\n0,0,70\n1,oops,70\n', 'x')).toThrow(/x: line 3: bad time/);
    expect(() => convertNumericsCsv('a,b\n1,2\n', 'x')).toThrow(/line 1/);
  });
});
