// The responder app takes the API's types from @odart/protocol/api, which also holds the server's zod
// schemas (the call chain). The app imports only types and plain functions from there, and the package
// says it has no side effects, so the bundler leaves the schemas, and zod, out of the phone's download.
// This bundles the app's two entry points as responder-app/build.ts does and checks what went in.
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const APP = path.resolve(import.meta.dirname, '../responder-app');

/** The source files that put code into the bundle (the metafile also lists files read and then shaken out). */
async function bundleInputs(entry: string): Promise<string[]> {
  const res = await build({
    entryPoints: [path.join(APP, entry)],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    write: false,
    metafile: true,
    logLevel: 'silent',
    outdir: 'out',
    define: { __PHONE_COUNTRIES__: '[]' },
  });
  const out = Object.values(res.metafile.outputs).find((o) => o.entryPoint !== undefined);
  return Object.entries(out?.inputs ?? {}).flatMap(([file, i]) => (i.bytesInOutput > 0 ? [file] : []));
}

describe('the app bundle', () => {
  it.each(['src/main.ts', 'src/sw.ts'])('%s takes the protocol API without zod or the chain schema', async (entry) => {
    const inputs = await bundleInputs(entry);
    expect(inputs.some((p) => p.includes('packages/protocol/src/api.ts'))).toBe(entry === 'src/main.ts');
    expect(inputs.filter((p) => /node_modules\/zod\//.test(p) || p.endsWith('packages/protocol/src/chain.ts'))).toEqual([]);
  });
});
