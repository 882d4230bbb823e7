import { ModelLoadError } from '../../errors/model-load-error';
import { quoteUntrusted } from '../../errors/quote-untrusted';

/** How many values of a weight tensor are not finite (and the first one's index), from {@link countNonFinite}. */
export interface NonFiniteCount {
  nan: number;
  positiveInfinity: number;
  negativeInfinity: number;
  /** Finite values other than 0 (to tell an additive mask of 0 / −∞ from a corrupt weight). */
  nonZeroFinite: number;
  /** Values seen. */
  total: number;
  /** Index of the first non-finite value, −1 when there is none. */
  first: number;
}

/** An empty {@link NonFiniteCount}, to accumulate chunks of one tensor into with {@link countNonFinite}. */
export function emptyNonFiniteCount(): NonFiniteCount {
  return { nan: 0, positiveInfinity: 0, negativeInfinity: 0, nonZeroFinite: 0, total: 0, first: -1 };
}

/**
 * Counts NaN, +∞ and −∞ among `values` (a whole tensor, or its next chunk when `into` carries the
 * counts so far). One pass, no allocation: cheap beside reading the weights.
 */
export function countNonFinite(values: ArrayLike<number>, into: NonFiniteCount = emptyNonFiniteCount()): NonFiniteCount {
  const start = into.total;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    // Finite and zero are the common cases: one comparison each.
    if (value === 0) continue;
    if (value - value === 0) {
      into.nonZeroFinite++;
      continue;
    }
    if (into.first < 0) into.first = start + i;
    if (value === Number.POSITIVE_INFINITY) into.positiveInfinity++;
    else if (value === Number.NEGATIVE_INFINITY) into.negativeInfinity++;
    else into.nan++;
  }
  into.total = start + values.length;
  return into;
}

/**
 * Whether a count is a problem: any NaN or +∞, or −∞ in a tensor that is not an additive mask.
 * A tensor of only 0 and −∞ is the causal or padding mask some exports store as a constant
 * (added to attention scores, where −∞ is meant), so it is not reported.
 */
export function isBadNonFiniteCount(count: NonFiniteCount): boolean {
  if (count.nan > 0 || count.positiveInfinity > 0) return true;
  return count.negativeInfinity > 0 && count.nonZeroFinite > 0;
}

/** One weight tensor with non-finite values, for {@link reportNonFiniteWeights}. */
export interface NonFiniteTensor {
  readonly name: string;
  readonly count: NonFiniteCount;
}

/** Options of {@link reportNonFiniteWeights}, as the backends' loaders take them. */
export interface NonFiniteWeightsOptions {
  /**
   * Load weights with NaN or ±∞ values anyway, with a warning instead of the refusal (every
   * attribution through them will be NaN or infinite). @defaultValue false
   */
  readonly allowNonFiniteWeights?: boolean;
  /** Receives the warning when `allowNonFiniteWeights` is set. @defaultValue `console.warn` */
  readonly onWarning?: (message: string) => void;
}

function describe(tensor: NonFiniteTensor): string {
  const { nan, positiveInfinity, negativeInfinity, total, first } = tensor.count;
  const parts = [nan > 0 && `${nan} NaN`, positiveInfinity > 0 && `${positiveInfinity} +Infinity`, negativeInfinity > 0 && `${negativeInfinity} -Infinity`].filter(Boolean);
  return `${quoteUntrusted(tensor.name, 120)} (${parts.join(', ')} of ${total} values, first at index ${first})`;
}

/**
 * The one wording of non-finite weights for every backend: refuses the model with a
 * {@link ModelLoadError} `'INVALID_FILE'` naming the tensors (up to five), or, with
 * `allowNonFiniteWeights`, warns once and returns. Does nothing when `found` is empty.
 *
 * @param source - the weights' file, for the message (`folder/model.safetensors`).
 */
export function reportNonFiniteWeights(found: readonly NonFiniteTensor[], source: string, options?: NonFiniteWeightsOptions): void {
  if (found.length === 0) return;
  const shown = found.slice(0, 5).map(describe).join('; ') + (found.length > 5 ? `; … (${found.length} tensors in all)` : '');
  const what = `${source} has weights with non-finite values: ${shown}`;
  if (options?.allowNonFiniteWeights) {
    (options.onWarning ?? ((message: string) => console.warn(`inseq-ts: ${message}`)))(
      `${what}. Loaded anyway (allowNonFiniteWeights): attributions and generations through them will be NaN or degenerate.`,
    );
    return;
  }
  throw new ModelLoadError(
    `${what}. Such a model yields NaN attributions and degenerate generations; the checkpoint is corrupt or was saved after ` +
      'training diverged. Re-download or re-export it, or pass allowNonFiniteWeights: true to load it anyway with a warning.',
    { code: 'INVALID_FILE' },
  );
}
