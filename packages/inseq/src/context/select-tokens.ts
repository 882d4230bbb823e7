import { InvalidInputError } from '@inseq/core';

/** Options of {@link selectTokens}: Inseq's `*_std_threshold` and `*_topk`. */
export interface SelectTokensOptions {
  /** Keep |score| ≥ mean + k·std of the scores (std with Bessel's correction, as `torch.std`; k = 0: the mean); `undefined`: no threshold. */
  readonly stdThreshold?: number;
  /** Then keep only the k with the largest |score| (ties: earlier first); `undefined`/0: all. */
  readonly topk?: number;
}

function sampleStd(values: readonly number[], mean: number): number {
  if (values.length < 2) return 0;
  let sum = 0;
  for (const v of values) sum += (v - mean) ** 2;
  return Math.sqrt(sum / (values.length - 1));
}

/**
 * Indices (ascending) of the scores PECoRe selects, as Inseq's `filter_rank_tokens` and
 * `get_scores_threshold`: those whose |score| is at or above `mean + stdThreshold × std` (the mean
 * alone for k = 0 or one score), then the `topk` with the largest |score|. NaN scores are never kept.
 */
export function selectTokens(scores: readonly number[], options: SelectTokensOptions = {}): number[] {
  const { stdThreshold, topk } = options;
  if (stdThreshold !== undefined && !Number.isFinite(stdThreshold)) {
    throw new InvalidInputError(`std threshold must be a finite number; got ${stdThreshold}.`, { code: 'INVALID_ARGUMENT' });
  }
  if (topk !== undefined && (!Number.isInteger(topk) || topk < 0)) {
    throw new InvalidInputError(`topk must be a non-negative integer; got ${topk}.`, { code: 'INVALID_ARGUMENT' });
  }
  const finite = scores.filter((v) => Number.isFinite(v));
  let indices = scores.map((_, i) => i).filter((i) => Number.isFinite(scores[i]));
  if (stdThreshold !== undefined && finite.length > 0) {
    const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
    const threshold = mean + stdThreshold * sampleStd(finite, mean);
    indices = indices.filter((i) => Math.abs(scores[i]) >= threshold);
  }
  if (topk) {
    indices = [...indices].sort((a, b) => Math.abs(scores[b]) - Math.abs(scores[a]) || a - b).slice(0, topk).sort((a, b) => a - b);
  }
  return indices;
}
