// Model 2's own random numbers: sfc32 seeded through a splitmix32 hash of (seed, stream name), so
// seed N of model 2 shares no state or sequence with seed N of model 1 (mulberry32 in ../rng.ts),
// and each part of the model (person, script, sensors, loss) draws from a stream of its own.
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function hashName(name: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export class Rng2 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;
  constructor(seed: number, stream: string) {
    const h = hashName(`odart-model2/${stream}`);
    this.a = splitmix32(seed ^ h);
    this.b = splitmix32(this.a ^ 0x27d4eb2f);
    this.c = splitmix32(this.b ^ h);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }
  /** uniform [0, 1) */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }
  range(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
  /** log-uniform in [a, b] (a, b > 0) */
  logRange(a: number, b: number): number {
    return Math.exp(this.range(Math.log(a), Math.log(b)));
  }
  int(a: number, b: number): number {
    return Math.floor(this.range(a, b + 1));
  }
  /** Gaussian (Box-Muller), standard deviation sd */
  gauss(sd: number): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s * sd;
    }
    const u = Math.max(1e-12, this.next());
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v) * sd;
  }
  /** Laplace (heavy-tailed) noise with scale b */
  laplace(b: number): number {
    const u = this.next() - 0.5;
    return -b * Math.sign(u) * Math.log(Math.max(1e-12, 1 - 2 * Math.abs(u)));
  }
  /** gamma(k integer, theta): sum of k exponentials */
  gamma(k: number, theta: number): number {
    let x = 0;
    for (let i = 0; i < k; i++) x -= Math.log(Math.max(1e-12, 1 - this.next()));
    return x * theta;
  }
}
