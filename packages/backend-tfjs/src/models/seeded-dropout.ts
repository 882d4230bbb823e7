import * as tf from '../tf';

/** Applies dropout with masks drawn in call order from one seeded stream. */
export interface SeededDropout {
  /**
   * `x · mask / (1 − rate)` with mask ~ Bernoulli(1 − rate), as `torch.nn.Dropout` in training
   * mode; `x` itself when `rate` is 0 (no numbers drawn).
   */
  apply<T extends tf.Tensor>(x: T, rate: number): T;
}

/**
 * Dropout whose masks come from a PRNG seeded with `seed` (mulberry32 after a splitmix-style mix
 * of the seed's two 32-bit halves), drawn in JS in the order `apply` is called: the same seed and
 * the same sequence of calls give the same masks on every tfjs backend.
 *
 * @param seed - A safe integer.
 */
export function seededDropout(seed: number): SeededDropout {
  const next = mulberry32(mix(seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0));
  return {
    apply<T extends tf.Tensor>(x: T, rate: number): T {
      if (rate === 0) return x;
      const scale = 1 / (1 - rate);
      const mask = new Float32Array(x.size);
      for (let i = 0; i < mask.length; i++) mask[i] = next() < rate ? 0 : scale;
      return tf.mul(x, tf.tensor(mask, x.shape)) as T;
    },
  };
}

function mix(low: number, high: number): number {
  let h = Math.imul(low ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(high + 0x7f4a7c15, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad);
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Uniform numbers in [0, 1) from a 32-bit state (Tommy Ettinger's mulberry32). */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
