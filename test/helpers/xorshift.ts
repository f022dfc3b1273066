// A small deterministic generator for tests that sprinkle noise over a picture (xorshift32): the same
// seed gives the same readings, so a test's outcome is reproducible. Its sequence is fixed: the
// detection tests' seeds were chosen on it.

/** Uniform numbers in [0, 1) from `seed` (0 is taken as 1: xorshift has no zero state). */
export function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}
