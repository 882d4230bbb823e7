import { tensorToNested } from '../io/nested-array';
import type { Tensor } from '../tensor';
import type { SequenceAttribution, TokenWithId } from './feature-attribution-output';

/**
 * One step of Inseq's `step_attributions` (`output_step_attributions=True`), batched over the
 * sequences as Inseq's `FeatureAttributionStepOutput`, in plain JSON (nested lists, `null` for NaN)
 * so that it is saved as it is.
 */
export interface StepAttributionOutput {
  /** `[batch, longest source, …]`; `null` for decoder-only models. */
  readonly source_attributions: unknown[] | null;
  /** `[batch, longest target, …]`: positions not seen at this step (and rows without it) are `null`. */
  readonly target_attributions: unknown[] | null;
  /** Step scores by id, `[batch]` (`null` for a row that has no such step). */
  readonly step_scores: Record<string, (number | null)[]>;
  readonly sequence_scores: Record<string, never>;
  /** Per row, the source tokens (encoder-decoder) or `null`. */
  readonly source: TokenWithId[][] | null;
  /** Per row, the target prefix before the explained token. */
  readonly prefix: TokenWithId[][];
  /** Per row, `[explained token]` (empty for a row that has no such step). */
  readonly target: TokenWithId[][];
}

/** Column `step` of `tensor` (`[length, steps, …]`), padded to `[width, …]` with NaN. */
function column(tensor: Tensor | null, step: number, width: number): Tensor | null {
  if (!tensor) return null;
  const [length, steps, ...trailing] = tensor.shape;
  const inner = trailing.reduce((a, b) => a * b, 1);
  const data = new Float32Array(width * inner).fill(Number.NaN);
  if (step < steps) {
    for (let p = 0; p < length; p++) data.set(tensor.data.subarray((p * steps + step) * inner, (p * steps + step + 1) * inner), p * inner);
  }
  return { data, shape: [width, ...trailing] };
}

/** Rows stacked into `[batch, …]` as nested lists, or `null` when no row has the tensor. */
function stacked(rows: (Tensor | null)[]): unknown[] | null {
  if (rows.every((row) => row === null)) return null;
  return rows.map((row) => (row ? tensorToNested(row) : null));
}

/**
 * Inseq's per-step outputs from the sequence attributions (the same numbers, before any
 * aggregation): step `k` holds, for every sequence, column `k` of its attributions, its step
 * scores at `k`, its prefix and the token explained at `k`.
 */
export function stepAttributionsOf(sequences: readonly SequenceAttribution[]): StepAttributionOutput[] {
  const stepsOf = (sequence: SequenceAttribution) => sequence.attr_pos_end - sequence.attr_pos_start;
  const total = Math.max(0, ...sequences.map(stepsOf));
  const longestSource = Math.max(0, ...sequences.map((sequence) => sequence.source.length));
  const longestTarget = Math.max(0, ...sequences.map((sequence) => sequence.target.length));
  const encoderDecoder = sequences.some((sequence) => sequence.source_attributions !== null);
  const names = [...new Set(sequences.flatMap((sequence) => Object.keys(sequence.step_scores)))];
  return Array.from({ length: total }, (_, k) => {
    const has = (sequence: SequenceAttribution) => k < stepsOf(sequence);
    return {
      source_attributions: stacked(sequences.map((sequence) => column(sequence.source_attributions, has(sequence) ? k : Number.POSITIVE_INFINITY, longestSource))),
      target_attributions: stacked(sequences.map((sequence) => column(sequence.target_attributions, has(sequence) ? k : Number.POSITIVE_INFINITY, longestTarget))),
      step_scores: Object.fromEntries(
        names.map((name) => [
          name,
          sequences.map((sequence) => {
            const value = sequence.step_scores[name]?.data[k];
            return has(sequence) && value !== undefined && !Number.isNaN(value) ? value : null;
          }),
        ]),
      ),
      sequence_scores: {},
      source: encoderDecoder ? sequences.map((sequence) => sequence.source) : null,
      prefix: sequences.map((sequence) => sequence.target.slice(0, sequence.attr_pos_start + Math.min(k, stepsOf(sequence)))),
      target: sequences.map((sequence) => (has(sequence) ? [sequence.target[sequence.attr_pos_start + k]] : [])),
    };
  });
}
