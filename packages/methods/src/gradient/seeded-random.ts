/** A reproducible stream of random numbers. */
export interface SeededRandom {
  /** Uniform on `[0, 1)`. */
  uniform(): number;
  /** Standard normal (mean 0, std 1). */
  normal(): number;
}

/**
 * A seeded stream: mulberry32 for uniforms, Box–Muller for normals (the second value is dropped so
 * the stream does not depend on how the two calls interleave). `salt` (e.g. a row's token ids)
 * is mixed into the seed, so each row of a batch can draw from its own stream and get the same
 * numbers as when it is attributed alone. Pure 32-bit integer arithmetic apart from Box–Muller's
 * `log`/`cos`, so runs repeat exactly on every machine.
 */
export function seededRandom(seed: number, salt: ArrayLike<number> = []): SeededRandom {
  let state = Math.trunc(seed) >>> 0;
  for (let i = 0; i < salt.length; i++) {
    // murmur3's 32-bit finaliser over (state ⊕ value): every salt value moves every state bit.
    state = Math.imul(state ^ (salt[i] >>> 0), 0x9e3779b1) >>> 0;
    state ^= state >>> 16;
    state = Math.imul(state, 0x85ebca6b) >>> 0;
    state ^= state >>> 13;
    state = Math.imul(state, 0xc2b2ae35) >>> 0;
    state ^= state >>> 16;
  }
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}
