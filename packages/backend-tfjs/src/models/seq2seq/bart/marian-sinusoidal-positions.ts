/**
 * Marian's static position table (HF `MarianSinusoidalPositionalEmbedding`), `[positions, dim]`
 * row-major: column `j < ⌈dim/2⌉` holds `sin(p / 10000^(2j/dim))`, column `⌈dim/2⌉ + j` holds
 * `cos(p / 10000^(2j/dim))` (halves, not interleaved). transformers computes it in float64 and
 * keeps it as a float32 parameter, so the float32 values here are the rounded float64 ones.
 */
export function marianSinusoidalPositions(positions: number, dim: number): Float32Array {
  const table = new Float32Array(positions * dim);
  const half = Math.ceil(dim / 2);
  for (let p = 0; p < positions; p++) {
    // HF fills the table from `position_enc[:, 0::2]` (sines) and `[:, 1::2]` (cosines).
    for (let j = 0; j < dim; j += 2) {
      const angle = p / 10000 ** (j / dim);
      table[p * dim + j / 2] = Math.sin(angle);
      if (j + 1 < dim) table[p * dim + half + j / 2] = Math.cos(angle);
    }
  }
  return table;
}
