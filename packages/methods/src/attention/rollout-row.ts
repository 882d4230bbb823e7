import type { Tensor } from '@inseq/core';

/**
 * One layer of attention rollout applied to a row vector: `vector` (over the padded positions
 * `block`) times Ã = (Ā + I) / 2, Ā the head-mean self-attention of `layer` (`[batch, heads,
 * length, length]`) for batch row `row` on the block, rows of Ã renormalised to sum to 1 (the
 * residual connection, as the paper). Costs O(heads · block²).
 */
export function residualMix(layer: Tensor, row: number, block: readonly number[], vector: Float64Array): Float64Array {
  const n = block.length;
  const [, heads, length] = layer.shape;
  const data = layer.data;
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
  return next;
}

/**
 * One row of attention rollout (Abnar & Zuidema 2020) for batch row `row`, restricted to the
 * padded positions `block` (a causal prefix of real tokens): with Ãₗ the residual-mixed attention
 * of layer l on the block ({@link residualMix}), returns row `query` of Ã_{L−1} ⋯ Ã₁ Ã₀, computed
 * top-down as a row vector (eᵀ_query Ã_{L−1}, then · Ã_{L−2}, …), so it costs
 * O(layers · heads · block²). `vector` replaces eᵀ_query (any starting row vector over the block).
 *
 * @returns `[block.length]`, summing to 1 (to the sum of `vector`).
 */
export function rolloutRow(
  attentions: readonly Tensor[],
  row: number,
  block: readonly number[],
  query: number,
  vector?: Float64Array,
): Float64Array {
  let current = vector ?? new Float64Array(block.length);
  if (!vector) current[query] = 1;
  for (let l = attentions.length - 1; l >= 0; l--) current = residualMix(attentions[l], row, block, current);
  return current;
}
