// PhysioNet numerics CSV (BIDMC PPG and Respiration Dataset: "Time [s], HR, PULSE, RESP, SpO2",
// 1 Hz) -> contract trace. Empty cells become null ("could not compute"); the pulse rate of the
// PPG (what a wrist oximeter reports) is preferred to the ECG heart rate when present.
import path from 'node:path';
import type { SampleLine, TraceHeader, TraceLine } from './trace.js';

export interface ConvertedTrace {
  header: TraceHeader;
  lines: TraceLine[];
}

export class CsvError extends Error {}

const num = (cell: string | undefined): number | null => {
  if (cell === undefined) return null;
  const s = cell.trim();
  if (s === '' || s.toLowerCase() === 'nan') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

/** Converts one numerics CSV. `name` (e.g. "bidmc_01") names the wearer and device. */
export function convertNumericsCsv(text: string, name: string): ConvertedTrace {
  const rows = text.split(/\r?\n/).filter((r) => r.trim() !== '');
  const head = rows.shift();
  if (!head) throw new CsvError(`${name}: empty file`);
  const cols = head.split(',').map((c) => c.trim().toLowerCase());
  const idx = (re: RegExp) => cols.findIndex((c) => re.test(c));
  const iTime = idx(/^time/);
  const iHr = idx(/^hr$/);
  const iPulse = idx(/^pulse$/);
  const iResp = idx(/^resp/);
  const iSpo2 = idx(/^spo2/);
  if (iTime < 0 || (iHr < 0 && iPulse < 0 && iResp < 0 && iSpo2 < 0))
    throw new CsvError(`${name}: line 1: expected a "Time [s]" column and at least one of HR, PULSE, RESP, SpO2`);
  const id = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 56);
  const device = `${id}-monitor`;
  const header: TraceHeader = { type: 'header', version: 1, wearer: id, devices: [{ id: device, kind: 'wearable' }] };
  const lines: TraceLine[] = [{ t: 0, label: `${name}: ICU numerics (BIDMC, PhysioNet), no overdose` }];
  let lastT = -1;
  // Some records start at -1 s: times are shifted so the trace starts at 0.
  const t0 = Math.min(0, num(rows[0]?.split(',')[iTime]) ?? 0);
  rows.forEach((row, i) => {
    const cells = row.split(',');
    const tS = num(cells[iTime]);
    if (tS === null || tS < t0) throw new CsvError(`${name}: line ${i + 2}: bad time`);
    const t = Math.round((tS - t0) * 1000);
    if (t < lastT) throw new CsvError(`${name}: line ${i + 2}: time goes backwards`);
    lastT = t;
    const pulse = iPulse >= 0 ? num(cells[iPulse]) : null;
    const hr = pulse ?? (iHr >= 0 ? num(cells[iHr]) : null);
    const spo2 = iSpo2 >= 0 ? num(cells[iSpo2]) : null;
    const rr = iResp >= 0 ? num(cells[iResp]) : null;
    const sample: SampleLine = {
      t,
      device,
      stream: 'vitals',
      data: {
        hr: hr !== null && hr <= 300 ? hr : null,
        spo2: spo2 !== null && spo2 <= 100 ? spo2 : null,
        rr: rr !== null && rr <= 80 ? rr : null,
        onBody: true,
      },
    };
    lines.push(sample);
  });
  return { header, lines };
}

/** "…/bidmc_01_Numerics.csv" -> "bidmc_01" */
export function recordName(file: string): string {
  return path
    .basename(file)
    .replace(/_Numerics\.csv$/i, '')
    .replace(/\.csv$/i, '');
}
