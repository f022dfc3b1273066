// `npm run evaluate -- [--json] [--html report.html] [--chain chain.json] [--thresholds t.json]
//   [--resolve-after S] <trace.jsonl...>`: traces through detection and the alert rules in virtual
// time. --json prints exactly one JSON document on stdout (the contract); errors go to stderr.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chainSchema } from '../../server/src/escalation/chain.js';
import { thresholdsSchema } from '../../server/src/detection/index.js';
import { parseArgs } from './args.js';
import { DEFAULT_RESOLVE_AFTER_MS, evaluateTrace, summarize, type EvalOptions, type TraceResult } from './evaluate.js';
import { renderHtmlReport } from './report-html.js';
import { parseTrace } from './trace.js';

const USAGE = `usage: npm run evaluate -- [--json] [--html report.html] [--chain chain.json] [--thresholds thresholds.json] [--resolve-after S] <trace.jsonl...>`;

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  if (args.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  // `--json` takes no value: a following positional is a trace, not the flag's value.
  const files = [...args.positionals];
  const jsonFlag = args.flags.get('json');
  if (typeof jsonFlag === 'string') files.unshift(jsonFlag);
  const json = jsonFlag !== undefined;
  if (files.length === 0) {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  const opts: EvalOptions = {};
  const chainFile = args.flags.get('chain');
  if (typeof chainFile === 'string') opts.chain = chainSchema.parse(readJson(chainFile));
  const thFile = args.flags.get('thresholds');
  if (typeof thFile === 'string') opts.thresholds = thresholdsSchema.parse(readJson(thFile));
  const ra = args.flags.get('resolve-after');
  if (ra !== undefined) {
    const s = Number(ra);
    if (!Number.isFinite(s) || s <= 0) throw new Error('--resolve-after needs a positive number of seconds');
    opts.resolveAfterMs = s * 1000;
  } else opts.resolveAfterMs = DEFAULT_RESOLVE_AFTER_MS;
  const html = args.flags.get('html');
  if (html === true) throw new Error('--html needs a file name');
  opts.series = typeof html === 'string';

  const results: TraceResult[] = [];
  const errors: { file: string; message: string }[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      errors.push({ file, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
      continue;
    }
    try {
      results.push(evaluateTrace(parseTrace(text, file), file, opts));
    } catch (err) {
      errors.push({ file, message: err instanceof Error ? err.message : String(err) });
    }
  }
  for (const e of errors) process.stderr.write(`evaluate: ${e.message.startsWith(e.file) ? e.message : `${e.file}: ${e.message}`}\n`);
  for (const r of results)
    for (const d of r.dropped) process.stderr.write(`evaluate: ${r.file}: sample ${d.line} (${d.stream}) dropped: ${d.detail}\n`);
  const summary = summarize(results);

  if (typeof html === 'string') {
    writeFileSync(html, renderHtmlReport(results, summary));
    if (!json) process.stdout.write(`wrote ${path.resolve(html)}\n`);
  }
  if (json) {
    const doc = {
      traces: results.map(({ series: _s, ...r }) => r),
      summary,
      ...(errors.length ? { errors } : {}),
    };
    process.stdout.write(JSON.stringify(doc) + '\n');
  } else {
    for (const r of results) {
      process.stdout.write(`\n${r.file} (${Math.round(r.durationMs / 1000)} s)\n`);
      for (const l of r.labels) process.stdout.write(`  ${fmt(l.t)}  label   ${l.label}\n`);
      for (const e of r.events) {
        const what =
          e.kind === 'technical'
            ? `${e.issue} ${e.device}: ${e.detail}`
            : e.kind === 'escalation'
              ? `step ${e.step}`
              : e.kind === 'cancelled'
                ? e.reason
                : `score ${e.score}: ${e.reasons?.join('; ')}`;
        process.stdout.write(`  ${fmt(e.t)}  ${e.kind.padEnd(15)} ${what}\n`);
      }
      const o = r.outcome;
      if (o.episode)
        process.stdout.write(
          `  => ${o.detected ? 'DETECTED' : 'MISSED'}${o.latencyMs !== null ? `, responder alert ${Math.round(o.latencyMs / 1000)} s after onset` : ''}\n`,
        );
      else if (o.falseAlerts) process.stdout.write(`  => ${o.falseAlerts} false responder alert(s)\n`);
    }
    const s = summary;
    process.stdout.write(
      `\n${s.traces} trace(s), ${s.episodes} episode(s), ${s.detected} detected` +
        `${s.sensitivity !== null ? ` (sensitivity ${(s.sensitivity * 100).toFixed(1)}%)` : ''}` +
        `${s.latencyMs.median !== null ? `, onset->alert median ${Math.round(s.latencyMs.median / 1000)} s, p90 ${Math.round(s.latencyMs.p90! / 1000)} s` : ''}` +
        `; ${s.falseResponderAlerts} false responder alert(s) in ${s.monitoredHours} monitored h\n`,
    );
  }
  return errors.length > 0 ? 1 : 0;
}

const fmt = (t: number) => {
  const s = Math.round(t / 1000);
  return `${String(Math.floor(s / 60)).padStart(3)}:${String(s % 60).padStart(2, '0')}`;
};

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`evaluate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
