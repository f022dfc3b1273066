// The boundary tables in docs/architecture.md, checked against `npm run lint`: every import the table
// refuses must fail eslint, every one it allows must pass, so the table and eslint.config.js stay one truth.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const FOLDERS = [
  'detection',
  'ingest',
  'broker',
  'alerts',
  'escalation',
  'notify',
  'consent',
  'store',
  'http',
  'demo',
  'onboarding',
  'auth',
  'messages',
  'events',
  'wearers',
  'cluster',
  'health',
];
const FILES = ['clock', 'ids', 'log', 'metrics', 'errors', 'config', 'server', 'main', 'mqtt-session'];
const KERNEL = ['clock', 'ids', 'log', 'metrics', 'errors', 'events'];
const PARTS = [...FOLDERS, ...FILES];
const RULE = '@typescript-eslint/no-restricted-imports';

interface Allowed {
  uses: Set<string>;
  types: Set<string>;
}

// Part names in a table cell: backticked names outside parentheses, `foo/` and `foo.ts` alike, "the kernel".
function names(cell: string): string[] {
  const bare = cell.replace(/\([^)]*\)/g, '');
  const found = [...bare.matchAll(/`([^`]+)`/g)].map((m) => (m[1] ?? '').replace(/\/$/, '').replace(/\.ts$/, ''));
  if (/the kernel/.test(bare)) found.push(...KERNEL);
  return found;
}

function cells(line: string): string[] {
  return line.split(' | ').map((c) => c.replace(/^\| /, '').replace(/ \|$/, ''));
}

function tableAfter(doc: string, heading: string): string[][] {
  const from = doc.indexOf(heading);
  expect(from, heading).toBeGreaterThan(-1);
  const lines = doc.slice(from).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(cells(line));
  }
  return rows;
}

function serverTable(doc: string): Map<string, Allowed> {
  const table = new Map<string, Allowed>();
  for (const [part = '', , uses = '', types = ''] of tableAfter(doc, '## Components (server/src)')) {
    const everythingBut = /^everything but/.test(uses);
    const allowed: Allowed = {
      uses: new Set(everythingBut ? PARTS.filter((p) => !names(uses).includes(p)) : names(uses)),
      types: new Set(names(types)),
    };
    for (const name of names(part)) table.set(name, allowed);
  }
  return table;
}

function specifier(from: string, to: string): string {
  const up = FOLDERS.includes(from) ? '../' : './';
  return FOLDERS.includes(to) ? `${up}${to}/index.js` : `${up}${to}.js`;
}

let eslint: ESLint;
// One file per importing part: line 2i+1 imports part i as a value, line 2i+2 as a type.
async function refused(filePath: string, specs: string[]): Promise<{ value: string[]; type: string[] }> {
  const text = specs.map((s, i) => `import { a as v${i} } from '${s}';\nimport type { a as t${i} } from '${s}';`).join('\n') + '\n';
  const [result] = await eslint.lintText(text, { filePath: path.join(ROOT, filePath) });
  const lines = (result?.messages ?? []).filter((m) => m.ruleId === RULE).map((m) => m.line);
  const at = (offset: number) => specs.filter((_, i) => lines.includes(2 * i + offset));
  return { value: at(1), type: at(2) };
}

describe('import boundaries (docs/architecture.md, enforced by eslint)', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
  const table = serverTable(doc);

  beforeAll(() => {
    // Only the boundary rule matters here; without type information each lint takes milliseconds.
    eslint = new ESLint({
      cwd: ROOT,
      overrideConfig: {
        languageOptions: { parserOptions: { projectService: false } },
        rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
      },
    });
  });

  it('lists every part of server/src once, naming only parts', () => {
    expect([...table.keys()].sort()).toEqual([...PARTS].sort());
    for (const { uses, types } of table.values()) for (const n of [...uses, ...types]) expect(PARTS).toContain(n);
  });

  it.each(PARTS)('%s imports exactly what the table allows', async (part) => {
    const allowed = table.get(part);
    expect(allowed).toBeDefined();
    const others = PARTS.filter((p) => p !== part);
    const file = FOLDERS.includes(part) ? `server/src/${part}/boundary-probe.ts` : `server/src/${part}.ts`;
    const got = await refused(
      file,
      others.map((o) => specifier(part, o)),
    );
    const want = (ok: (o: string) => boolean) => others.filter((o) => !ok(o)).map((o) => specifier(part, o));
    expect({ value: got.value, type: got.type }).toEqual({
      value: want((o) => allowed?.uses.has(o) === true),
      type: want((o) => allowed?.uses.has(o) === true || allowed?.types.has(o) === true),
    });
  });

  it('keeps server/src from importing the simulator, bridge, app and tests', async () => {
    const outside = [
      '../../../simulator/src/trace.js',
      '../../../firmware-bridge/src/frame.js',
      '../../../responder-app/src/api.js',
      '../../../test/helpers/server.js',
    ];
    expect((await refused('server/src/alerts/boundary-probe.ts', outside)).value).toEqual(outside);
    expect(
      (
        await refused(
          'server/src/server.ts',
          outside.map((s) => s.slice(3)),
        )
      ).value,
    ).toEqual(outside.map((s) => s.slice(3)));
  });

  const outsideRows = tableAfter(doc, 'Outside server/src:');
  it.each(['simulator', 'firmware-bridge', 'responder-app'])('%s/ imports from server/src only what the table allows', async (dir) => {
    const row = outsideRows.find((r) => r[0] === `\`${dir}/\``);
    expect(row).toBeDefined();
    const allowed = names(row?.[1] ?? '');
    for (const n of allowed) expect(FOLDERS).toContain(n);
    const specs = PARTS.map((p) => (FOLDERS.includes(p) ? `../../server/src/${p}/index.js` : `../../server/src/${p}.js`));
    const got = await refused(`${dir}/src/boundary-probe.ts`, specs);
    expect(got.value).toEqual(specs.filter((_, i) => !allowed.includes(PARTS[i] ?? '')));
  });

  it('keeps the bridge and the app off the simulator and tests', async () => {
    const specs = ['../../simulator/src/trace.js', '../../test/helpers/server.js'];
    expect((await refused('firmware-bridge/src/boundary-probe.ts', specs)).value).toEqual(specs);
    expect((await refused('responder-app/src/boundary-probe.ts', specs)).value).toEqual(specs);
    expect((await refused('simulator/src/boundary-probe.ts', ['../../firmware-bridge/src/frame.js'])).value).toEqual([]);
  });

  it('keeps @odart/protocol (packages/protocol) on zod and its own modules', async () => {
    const specs = ['zod', './topics.js', '../../../server/src/clock.js', '../../../simulator/src/trace.js', 'fastify'];
    expect((await refused('packages/protocol/src/boundary-probe.ts', specs)).value).toEqual(specs.slice(2));
  });
});
