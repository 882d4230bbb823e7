import { InvalidInputError } from '../errors/invalid-input-error';
import { deepEqual } from './deep-equal';
import type { FeatureAttributionOutput } from './feature-attribution-output';
import { PER_SEQUENCE_INFO_FIELDS } from './per-sequence-info';

/**
 * `info` fields that must agree for outputs to be merged. The first nine are Inseq's
 * `FeatureAttributionOutput._merge_match_info_fields` (`inseq/data/attribution.py`; those that
 * inseq-ts does not write matter for outputs read from Inseq's JSON); the last five are written by
 * inseq-ts and change what the numbers mean, so they are checked too.
 */
export const MERGE_MATCH_INFO_FIELDS: readonly string[] = [
  'attribute_target',
  'attribution_method',
  'constrained_decoding',
  'include_eos_baseline',
  'model_class',
  'model_name',
  'step_scores',
  'tokenizer_class',
  'tokenizer_name',
  'attribution_args',
  'attributed_fn',
  'attributed_fn_args',
  'step_scores_args',
  'contrast_force_inputs',
];

/**
 * One output holding the sequences of several, in order, as Inseq's
 * `FeatureAttributionOutput.merge_attributions`. Each field of {@link MERGE_MATCH_INFO_FIELDS}
 * must be deeply equal in every output's `info`, or absent from all of them; otherwise an
 * `InvalidInputError` names the field and both values.
 *
 * The merged `info` is a copy of the first output's, except:
 * - `input_texts` and `generated_texts` when every output has an array of them: concatenated,
 *   as Inseq does;
 * - `contrast_targets` (inseq-ts): one entry per sequence (a single string is repeated for the
 *   output's sequences, a missing one is `null`), or absent / `null` when no output had any;
 * - `attr_pos_end`: the largest, or `null` ("to the end") when any is `null` (Inseq: the largest);
 * - `exec_time`: the sum (Inseq keeps the first's).
 * Everything else — `backend`, `batch_size`, `generation_args`, library versions — is the first's.
 * `step_attributions` are concatenated when every output kept them, else `null`.
 * Sequences are shared, not copied; the inputs are not modified.
 */
export function mergeOutputs(outputs: readonly FeatureAttributionOutput[]): FeatureAttributionOutput {
  if (outputs.length === 0) {
    throw new InvalidInputError('mergeOutputs needs at least one output; got an empty list.', { code: 'INVALID_ARGUMENT' });
  }
  const [first] = outputs;
  for (const field of MERGE_MATCH_INFO_FIELDS) {
    const inFirst = Object.hasOwn(first.info, field);
    outputs.forEach((output, index) => {
      const present = Object.hasOwn(output.info, field);
      if (present !== inFirst || (present && !deepEqual(output.info[field], first.info[field]))) {
        throw new InvalidInputError(
          `Cannot merge: info.${field} differs between output 0 (${describe(first.info, field)}) and output ${index} (${describe(output.info, field)}). Only outputs of the same method, model, attribution arguments and step scores can be merged.`,
        );
      }
    });
  }

  const info: Record<string, unknown> = { ...first.info };
  for (const field of PER_SEQUENCE_INFO_FIELDS) {
    const lists = outputs.map((output) => output.info[field]);
    if (lists.every(Array.isArray)) info[field] = (lists as unknown[][]).flat();
  }
  const contrastTargets = mergeContrastTargets(outputs);
  if (contrastTargets !== undefined) info.contrast_targets = contrastTargets;
  if (Object.hasOwn(first.info, 'attr_pos_end')) {
    const ends = outputs.map((output) => output.info.attr_pos_end);
    info.attr_pos_end = ends.every((end) => typeof end === 'number') ? Math.max(...(ends as number[])) : null;
  }
  if (outputs.every((output) => typeof output.info.exec_time === 'number')) {
    info.exec_time = outputs.reduce((sum, output) => sum + (output.info.exec_time as number), 0);
  }

  const stepLists = outputs.map((output) => output.step_attributions);
  return {
    sequence_attributions: outputs.flatMap((output) => output.sequence_attributions),
    step_attributions: stepLists.every((list) => list !== null) ? (stepLists as unknown[][]).flat() : null,
    info,
  };
}

function mergeContrastTargets(outputs: readonly FeatureAttributionOutput[]): unknown {
  const values = outputs.map((output) => output.info.contrast_targets);
  if (values.every((value) => value === undefined || value === null)) return outputs[0].info.contrast_targets;
  return outputs.flatMap((output, index) => {
    const value = values[index];
    return Array.isArray(value) ? value : output.sequence_attributions.map(() => (typeof value === 'string' ? value : null));
  });
}

function describe(info: Record<string, unknown>, field: string): string {
  if (!Object.hasOwn(info, field)) return 'absent';
  const text = JSON.stringify(info[field]) ?? String(info[field]);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
