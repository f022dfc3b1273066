// Builds the responder app into responder-app/dist: the bundled app and service worker, the static
// files, and the install icons (drawn here as PNGs, so the repo holds no binary).
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { build } from 'esbuild';
import { getCountries } from 'libphonenumber-js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(path.join(here, 'public'), dist, { recursive: true });
for (const [entry, out] of [
  ['src/main.ts', 'app.js'],
  ['src/sw.ts', 'sw.js'],
] as const) {
  await build({
    entryPoints: [path.join(here, entry)],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    outfile: path.join(dist, out),
    sourcemap: true,
    minify: false,
    logLevel: 'warning',
    // The phone countries the server accepts (src/countries.ts), without bundling the library.
    define: { __PHONE_COUNTRIES__: JSON.stringify(getCountries()) },
  });
}
for (const size of [192, 512]) writeFileSync(path.join(dist, `icon-${size}.png`), icon(size));
process.stdout.write(`responder app built in ${path.relative(process.cwd(), dist) || dist}\n`);

/** A PNG icon: a white heart-rate line on the app's dark blue, inside the maskable safe zone. */
function icon(n: number): Buffer {
  const px = Buffer.alloc(n * (n * 4 + 1));
  const bg = [0x0b, 0x3d, 0x5c];
  const pts: [number, number][] = [
    [0.22, 0.55],
    [0.4, 0.55],
    [0.46, 0.38],
    [0.54, 0.7],
    [0.6, 0.5],
    [0.78, 0.5],
  ];
  const dist2 = (x: number, y: number) => {
    let best = Infinity;
    for (let i = 0; i < pts.length - 1; i++) {
      const [ax, ay] = pts[i]!;
      const [bx, by] = pts[i + 1]!;
      const dx = bx - ax;
      const dy = by - ay;
      const k = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
      best = Math.min(best, (x - ax - k * dx) ** 2 + (y - ay - k * dy) ** 2);
    }
    return best;
  };
  for (let y = 0; y < n; y++) {
    const row = y * (n * 4 + 1);
    px[row] = 0;
    for (let x = 0; x < n; x++) {
      const on = dist2(x / n, y / n) < 0.035 ** 2;
      const o = row + 1 + x * 4;
      px[o] = on ? 255 : bg[0]!;
      px[o + 1] = on ? 255 : bg[1]!;
      px[o + 2] = on ? 255 : bg[2]!;
      px[o + 3] = 255;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(n, 0);
  ihdr.writeUInt32BE(n, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(px)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
