import type { FeatureAttributionOutput, SequenceAttribution } from '../../data/feature-attribution-output';
import type { Tensor } from '../../tensor';
import { type ScoresPrecision, checkScoresPrecision } from '../scores-precision';
import { encodeInseqTensor } from './encode-inseq-tensor';
import { INSEQ_ATTRIBUTION_MODULE, INSEQ_OUTPUT_TYPE, INSEQ_TOKEN_TYPE, inseqSequenceClass } from './inseq-instance-types';

/** Options of {@link outputToInseqJson}. */
export interface OutputToInseqJsonOptions {
  /**
   * Storage of every tensor, as Inseq's `scores_precision`: a safetensors blob in `F32` (exact),
   * `F16` (relative error ≤ 2^-11) or unscaled `F8_E4M3` (relative error ≤ 2^-4; |x| > 448
   * saturates, |x| < 2^-10 becomes 0).
   * @defaultValue `'float32'`
   */
  readonly scoresPrecision?: ScoresPrecision;
  /** One line instead of Inseq's 4-space indentation. @defaultValue `false` */
  readonly compact?: boolean;
}

/** Sorts object keys recursively, as Python Inseq's encoder (`sort_keys=True`). */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

function instance(type: readonly [string, string], attributes: Record<string, unknown>) {
  return { __instance_type__: [...type], attributes };
}

function sequenceObject(sequence: SequenceAttribution, precision: ScoresPrecision) {
  const encode = (tensor: Tensor | null) => (tensor ? encodeInseqTensor(tensor, precision) : null);
  const scores = (record: Record<string, Tensor>) =>
    Object.fromEntries(Object.entries(record).map(([name, tensor]) => [name, encodeInseqTensor(tensor, precision)]));
  const rank = (sequence.source_attributions ?? sequence.target_attributions)?.shape.length ?? 2;
  const tokens = (list: readonly { token: string; id: number }[]) =>
    list.map(({ token, id }) => instance(INSEQ_TOKEN_TYPE, { id, token }));
  return instance([INSEQ_ATTRIBUTION_MODULE, inseqSequenceClass(rank)], {
    attr_pos_end: sequence.attr_pos_end,
    attr_pos_start: sequence.attr_pos_start,
    sequence_scores: scores(sequence.sequence_scores),
    source: tokens(sequence.source),
    source_attributions: encode(sequence.source_attributions),
    step_scores: scores(sequence.step_scores),
    target: tokens(sequence.target),
    target_attributions: encode(sequence.target_attributions),
  });
}

/**
 * Serialises an output in the JSON layout of Python Inseq's `FeatureAttributionOutput.save`
 * (Inseq ≥ 0.6, default `use_primitives=False`), so that `FeatureAttributionOutput.load` in
 * Python reads it: objects wrapped as `{"__instance_type__": [module, class], "attributes": …}`,
 * every tensor a base64 safetensors blob (see {@link OutputToInseqJsonOptions.scoresPrecision}),
 * keys sorted. The sequence class follows the attribution rank (`FeatureAttributionSequenceOutput`,
 * `GranularFeatureAttributionSequenceOutput`, `MultiDimensionalFeatureAttributionSequenceOutput`).
 *
 * `step_attributions` are written as `null` (as Inseq's `split_sequences` does): inseq-ts keeps them
 * in its own shape, which Inseq's step class would not accept. `info` is written as is.
 */
export function outputToInseqJson(output: FeatureAttributionOutput, options?: OutputToInseqJsonOptions): string {
  const precision = checkScoresPrecision(options?.scoresPrecision ?? 'float32');
  const document = instance(INSEQ_OUTPUT_TYPE, {
    info: sortKeys(output.info),
    sequence_attributions: output.sequence_attributions.map((sequence) => sequenceObject(sequence, precision)),
    step_attributions: null,
  });
  return JSON.stringify(document, null, options?.compact ? undefined : 4);
}
