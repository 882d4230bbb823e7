import type { ContrastRows } from '../contracts/differentiable-target';
import type { StepScoreContext } from '../contracts/step-function';
import type { Tensor } from '../tensor';

/** Row `b` of `[batch, vocab]` logits, as a view. */
export function logitsRow(logits: Tensor, b: number): Float32Array {
  const vocab = logits.shape[1];
  return logits.data.subarray(b * vocab, (b + 1) * vocab);
}

/** log softmax of a row, in float64, stable for large logits; `keep` restricts the support. */
export function logSoftmaxRowAll(row: Float32Array, keep?: Uint8Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if ((!keep || keep[i]) && row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++) if (!keep || keep[i]) sum += Math.exp(row[i] - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (v, i) => (!keep || keep[i] ? v - lse : Number.NEGATIVE_INFINITY));
}

/**
 * Tokens kept by nucleus (top-p) then top-k filtering, as Hugging Face's `TopPLogitsWarper` and
 * `TopKLogitsWarper`: sorted ascending, a token is dropped while the cumulative probability up
 * to it is ≤ 1 − top_p; at least `minTokensToKeep` stay. `topK` 0 and `topP` 1 keep everything.
 */
export function filterMask(row: Float32Array, options: { topK?: number; topP?: number; minTokensToKeep?: number }): Uint8Array {
  const keep = new Uint8Array(row.length).fill(1);
  const topP = options.topP ?? 1;
  const minKeep = Math.max(1, options.minTokensToKeep ?? 1);
  const ascending = Array.from(row.keys()).sort((a, b) => row[a] - row[b]);
  if (topP < 1) {
    const logProbs = logSoftmaxRowAll(row);
    let cumulative = 0;
    for (let r = 0; r < ascending.length - minKeep; r++) {
      cumulative += Math.exp(logProbs[ascending[r]]);
      if (cumulative <= 1 - topP) keep[ascending[r]] = 0;
      else break;
    }
  }
  const topK = options.topK ?? 0;
  if (topK > 0) {
    const kept = ascending.filter((i) => keep[i]);
    for (let r = 0; r < kept.length - Math.max(topK, minKeep); r++) keep[kept[r]] = 0;
  }
  return keep;
}

/** The contrastive token of each row and the logits of its context (the row's own when shared). */
export function contrastOf(ctx: StepScoreContext): { ids: Int32Array; logits: Tensor } {
  const contrast: ContrastRows | undefined = ctx.contrast;
  return { ids: contrast?.ids ?? ctx.targetIds, logits: contrast?.contextLogits ?? ctx.logits };
}

/** Applies `fn` to each row index, collecting a `[batch]` result. */
export function perRow(batch: number, fn: (b: number) => number): Float32Array {
  return Float32Array.from({ length: batch }, (_, b) => fn(b));
}
