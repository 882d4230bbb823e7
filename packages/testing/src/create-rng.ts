/** A seeded pseudo-random source, identical on every machine and Node version. */
export interface Rng {
  /** Uniform on `[0, 1)`. */
  next(): number;
  /** Standard normal (mean 0, std 1). */
  normal(): number;
}

/**
 * A seeded PRNG: mulberry32 for uniforms, Box–Muller for normals. Chosen over `Math.random`
 * because fixtures must be byte-identical across runs and machines; mulberry32 is pure 32-bit
 * integer arithmetic, so only the `Math.log`/`Math.cos`/`Math.sqrt` of Box–Muller touch floating
 * point (V8 computes them with the same fdlibm port everywhere).
 *
 * @param seed - any number; it is truncated to an unsigned 32-bit integer.
 */
export function createRng(seed: number): Rng {
  let state = Math.trunc(seed) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // The second Box–Muller value is thrown away: a cached spare would make the stream depend on
  // how calls to next() and normal() interleave.
  const normal = (): number => {
    const radius = Math.sqrt(-2 * Math.log(1 - next())); // 1 - u lies in (0, 1], so log is finite
    return radius * Math.cos(2 * Math.PI * next());
  };
  return { next, normal };
}
