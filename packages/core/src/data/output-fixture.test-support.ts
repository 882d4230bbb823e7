import { createTensor } from '../tensor';
import type { FeatureAttributionOutput, SequenceAttribution, TokenWithId } from './feature-attribution-output';

const tokens = (names: readonly string[]): TokenWithId[] => names.map((token, id) => ({ token, id }));

/**
 * Decoder-only: target `A B C D E`, prompt `A B C`, steps explain `D` (column 0) and `E`
 * (column 1). `target_attributions[row, step] = 10 * row + step + 1`, NaN where unseen.
 */
export function decoderOnlySequence(hidden?: number): SequenceAttribution {
  const target = tokens(['A', 'ĠB', 'ĠC', 'ĠD', 'ĠE']);
  const width = hidden ?? 1;
  const values: number[] = [];
  for (let row = 0; row < 5; row++) {
    for (let step = 0; step < 2; step++) {
      for (let h = 0; h < width; h++) values.push(row < 3 + step ? 10 * row + step + 1 + h / 10 : Number.NaN);
    }
  }
  return {
    source: target.slice(0, 3),
    target,
    source_attributions: null,
    target_attributions: createTensor(values, hidden === undefined ? [5, 2] : [5, 2, hidden]),
    step_scores: { probability: createTensor([0.5, 0.25], [2]), entropy: createTensor([1, 2], [2]) },
    sequence_scores: {},
    attr_pos_start: 3,
    attr_pos_end: 5,
  };
}

/** Encoder-decoder: source `S0…S3`, target `T0 T1 T2`, all three explained. */
export function encoderDecoderSequence(): SequenceAttribution {
  const target = tokens(['T0', 'T1', 'T2']);
  const sourceValues: number[] = [];
  for (let row = 0; row < 4; row++) for (let step = 0; step < 3; step++) sourceValues.push(10 * row + step);
  const targetValues: number[] = [];
  for (let row = 0; row < 3; row++) for (let step = 0; step < 3; step++) targetValues.push(row < step ? 100 + 10 * row + step : Number.NaN);
  return {
    source: tokens(['S0', 'S1', 'S2', 'S3']),
    target,
    source_attributions: createTensor(sourceValues, [4, 3]),
    target_attributions: createTensor(targetValues, [3, 3]),
    step_scores: { probability: createTensor([0.5, 0.5, 0.5], [3]) },
    sequence_scores: { encoder_self_attention: createTensor(Array.from({ length: 16 }, (_, i) => i), [4, 4]) },
    attr_pos_start: 0,
    attr_pos_end: 3,
  };
}

/** An output as `attribute` writes it, `info` overridable. */
export function outputOf(
  sequences: SequenceAttribution[],
  info: Record<string, unknown> = {},
): FeatureAttributionOutput {
  return {
    sequence_attributions: sequences,
    step_attributions: null,
    info: {
      library: 'inseq-ts',
      model_name: 'tiny-gpt2',
      model_type: 'gpt2',
      backend: 'tfjs',
      attribution_method: 'saliency',
      attributed_fn: 'probability',
      attributed_fn_args: {},
      attribution_args: { abs: true },
      step_scores: ['probability'],
      step_scores_args: {},
      constrained_decoding: false,
      input_texts: sequences.map((_, i) => `input ${i}`),
      generated_texts: sequences.map((_, i) => `generated ${i}`),
      contrast_targets: null,
      attr_pos_start: null,
      attr_pos_end: null,
      batch_size: 8,
      exec_time: 1.5,
      ...info,
    },
  };
}

/**
 * Freezes objects and arrays all the way down. Typed arrays cannot be frozen, so callers also
 * compare against a `structuredClone` taken before the call.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Flat values as a plain array, NaN kept, for `toEqual`. */
export const values = (tensor: { data: Float32Array } | null): number[] => Array.from(tensor?.data ?? []);
