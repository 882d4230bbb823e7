import { InvalidInputError } from '../errors/invalid-input-error';

/**
 * How saved scores are stored, as Inseq's `scores_precision`: `float32` is lossless; `float16`
 * keeps about 3 significant digits (relative error ≤ 2^-11); `float8` (e4m3fn) keeps about 1
 * (relative error ≤ 2^-4) at a quarter of the size.
 */
export type ScoresPrecision = 'float32' | 'float16' | 'float8';

/** Every {@link ScoresPrecision}, for CLI choices and checks. */
export const scoresPrecisions: readonly ScoresPrecision[] = Object.freeze(['float32', 'float16', 'float8']);

/** Returns `value` when it names a {@link ScoresPrecision}; otherwise throws listing the valid ones. */
export function checkScoresPrecision(value: unknown): ScoresPrecision {
  if (!scoresPrecisions.includes(value as ScoresPrecision)) {
    throw new InvalidInputError(`scoresPrecision ${JSON.stringify(value)} is unknown; use one of: ${scoresPrecisions.join(', ')}.`, { code: 'INVALID_ARGUMENT' });
  }
  return value as ScoresPrecision;
}
