// docs/architecture.md stays true of the tree: every backticked path it names exists. A path with a
// folder (`notify/registry.ts`, `server/src/store/`, `packages/protocol/src/topics.ts`, `test/rigs/`) must
// be there, read from the repository root, or be the end of a path of the tree (the doc names paths
// inside the part it describes: `rules/index.ts` under detection/, `src/types.ts` under responder-app/);
// a bare file name (`fusion.ts`) must be some file of the tree. Placeholders (`notify/<name>/`) are skipped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const DOC = 'docs/architecture.md';
/** Folders a path in the doc may start from, read from the repository root. */
const TOP = ['server', 'packages', 'test', 'simulator', 'responder-app', 'firmware-bridge', 'docs', '.ci'];
const SERVER_SRC = path.join(ROOT, 'server/src');

/** Every file and folder (with a trailing slash) under the folders the doc talks about, from the root. */
function treePaths(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name === 'data') continue;
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(p);
    }
  };
  for (const top of TOP) if (existsSync(path.join(ROOT, top))) walk(top);
  return out;
}
const TREE = treePaths();

/** The backticked words of the doc that name a path: with a slash, or a file name with an extension. */
export function namedPaths(doc: string): { withFolder: string[]; bare: string[] } {
  const words = [...new Set([...doc.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? ''))];
  const pathLike = words.filter((w) => /^[\w.@-]+(\/[\w.@<>-]*)*$/.test(w) && !w.includes('<'));
  return {
    withFolder: pathLike.filter((w) => w.includes('/') && !w.startsWith('@')),
    bare: pathLike.filter((w) => !w.includes('/') && /^[\w.-]+\.(ts|js|md|json|sh)$/.test(w)),
  };
}

function exists(p: string): boolean {
  if (TOP.includes(p.split('/')[0]!) || p.startsWith('node_modules/')) return existsSync(path.join(ROOT, p));
  // A part of server/src (`alerts/view.ts`, `store/`), or a path inside the part the sentence is about.
  return existsSync(path.join(SERVER_SRC, p)) || TREE.some((t) => t.endsWith(`/${p}`));
}

describe(`${DOC} names only paths that exist`, () => {
  const doc = readFileSync(path.join(ROOT, DOC), 'utf8');
  const { withFolder, bare } = namedPaths(doc);

  it('finds the paths it names (so the check below checks something)', () => {
    expect(withFolder).toContain('notify/registry.ts');
    expect(withFolder).toContain('server/src/store/');
    expect(bare).toContain('server.ts');
    expect(namedPaths('see `notify/gone.ts`, `<name>/x`, `@odart/protocol/api` and `fusion.ts`')).toEqual({
      withFolder: ['notify/gone.ts'],
      bare: ['fusion.ts'],
    });
  });

  it('every path with a folder exists', () => {
    expect(withFolder.filter((p) => !exists(p))).toEqual([]);
  });

  it('every bare file name is a file of the tree', () => {
    const names = new Set([...TREE.map((t) => path.basename(t)), ...readdirSync(ROOT)]);
    expect(bare.filter((n) => !names.has(n))).toEqual([]);
  });
});
