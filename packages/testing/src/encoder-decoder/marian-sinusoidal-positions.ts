/**
 * Marian's static position table (`MarianSinusoidalPositionalEmbedding`), `[numPositions, dim]`
 * row-major: for i < ⌈dim/2⌉ column i holds `sin(p / 10000^(2i/dim))` and column ⌈dim/2⌉ + i
 * holds `cos(p / 10000^(2i/dim))` (not interleaved, unlike XLM). HF computes it in float64 and
 * stores it as a float32 parameter, so the values here are rounded to float32 too.
 */
export function marianSinusoidalPositions(numPositions: number, dim: number): Float64Array {
  const table = new Float64Array(numPositions * dim);
  const sentinel = Math.ceil(dim / 2);
  for (let p = 0; p < numPositions; p++) {
    for (let j = 0; j < dim; j++) {
      const angle = p / 10000 ** ((2 * Math.floor(j / 2)) / dim);
      // Even j fill the sine half in order, odd j the cosine half.
      if (j % 2 === 0) table[p * dim + j / 2] = Math.fround(Math.sin(angle));
      else table[p * dim + sentinel + (j - 1) / 2] = Math.fround(Math.cos(angle));
    }
  }
  return table;
}
