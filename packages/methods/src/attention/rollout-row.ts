import type { Tensor } from '@inseq/core';

/**
 * One row of attention rollout (Abnar & Zuidema 2020) for batch row `row`, restricted to the
 * padded positions `block` (a causal prefix of real tokens): with Āₗ the head-mean attention of
 * layer l on the block and Ãₗ = (Āₗ + I) / 2 with rows renormalised to sum to 1 (the residual
 * connection, as the paper), returns row `query` of Ã_{L−1} ⋯ Ã₁ Ã₀, computed top-down as a row
 * vector (eᵀ_query Ã_{L−1}, then · Ã_{L−2}, …), so it costs O(layers · heads · block²).
 *
 * @returns `[block.length]`, summing to 1.
 */
export function rolloutRow(attentions: readonly Tensor[], row: number, block: readonly number[], query: number): Float64Array {
  const n = block.length;
  let vector = new Float64Array(n);
  vector[query] = 1;
  for (let l = attentions.length - 1; l >= 0; l--) {
    const [, heads, length] = attentions[l].shape;
    const data = attentions[l].data;
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (vector[i] === 0) continue;
      const mixed = new Float64Array(n);
      let total = 0;
      for (let j = 0; j < n; j++) {
        let mean = 0;
        for (let h = 0; h < heads; h++) mean += data[((row * heads + h) * length + block[i]) * length + block[j]];
        mixed[j] = (mean / heads + (i === j ? 1 : 0)) / 2;
        total += mixed[j];
      }
      for (let j = 0; j < n; j++) next[j] += (vector[i] * mixed[j]) / total;
    }
    vector = next;
  }
  return vector;
}
