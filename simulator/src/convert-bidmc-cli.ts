// `npm run convert-bidmc -- <numerics.csv...> [--out dir]`: PhysioNet numerics CSV -> trace files
// (<dir>/<record>.jsonl); with one input and no --out the trace goes to stdout.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from './args.js';
import { convertNumericsCsv, recordName } from './convert-bidmc.js';
import { serializeTrace } from './trace.js';

const USAGE = 'usage: npm run convert-bidmc -- <bidmc_NN_Numerics.csv...> [--out dir]';

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const files = args.positionals;
  const out = args.flags.get('out');
  if (files.length === 0 || args.flags.has('help') || out === true || (files.length > 1 && out === undefined)) {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  if (typeof out === 'string') mkdirSync(out, { recursive: true });
  for (const f of files) {
    const name = recordName(f);
    const tr = convertNumericsCsv(readFileSync(f, 'utf8'), name);
    const text = serializeTrace(tr.header, tr.lines);
    if (typeof out === 'string') writeFileSync(path.join(out, `${name}.jsonl`), text);
    else process.stdout.write(text);
  }
  if (typeof out === 'string') process.stderr.write(`wrote ${files.length} trace(s) to ${out}\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`convert-bidmc: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
