// Builds the responder app into responder-app/dist: one bundled script plus the static files.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(path.join(here, 'public'), dist, { recursive: true });
await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  outfile: path.join(dist, 'app.js'),
  sourcemap: true,
  minify: false,
  logLevel: 'warning',
});
process.stdout.write(`responder app built in ${path.relative(process.cwd(), dist) || dist}\n`);
