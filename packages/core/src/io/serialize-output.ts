import type { FeatureAttributionOutput, SequenceAttribution } from '../data/feature-attribution-output';
import { InseqError } from '../errors/inseq-error';
import { type Tensor, shapeSize } from '../tensor';

/** Name and version written in every saved file; bumped when the layout changes. */
export const OUTPUT_FORMAT = 'inseq-ts.feature_attribution_output';
export const OUTPUT_FORMAT_VERSION = 1;

type Nested = number | null | Nested[];

function tensorToNested(tensor: Tensor): Nested {
  const { data, shape } = tensor;
  const build = (axis: number, offset: number): Nested => {
    if (axis === shape.length) {
      const value = data[offset];
      return Number.isNaN(value) ? null : value;
    }
    const stride = shapeSize(shape.slice(axis + 1));
    return Array.from({ length: shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
  };
  return build(0, 0);
}

function nestedToTensor(nested: unknown, where: string): Tensor {
  const shape: number[] = [];
  for (let level: unknown = nested; Array.isArray(level); level = level[0]) shape.push(level.length);
  const data = new Float32Array(shapeSize(shape));
  let index = 0;
  const walk = (value: unknown, axis: number) => {
    if (axis === shape.length) {
      if (value !== null && typeof value !== 'number') throw invalid(`${where} holds a non-number value ${JSON.stringify(value)}`);
      data[index++] = value === null ? Number.NaN : value;
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[axis]) throw invalid(`${where} is not a rectangular nested array`);
    for (const item of value) walk(item, axis + 1);
  };
  walk(nested, 0);
  return { data, shape };
}

function invalid(what: string): InseqError {
  return new InseqError('INVALID_FILE', `Not a valid inseq-ts attribution file: ${what}.`);
}

/**
 * Serialises an output to JSON with Inseq's field names; tensors become nested arrays with NaN
 * written as `null` (JSON has no NaN). Float32 values round-trip exactly.
 */
export function outputToJson(output: FeatureAttributionOutput, options?: { indent?: number }): string {
  const tensorOrNull = (tensor: Tensor | null) => (tensor ? tensorToNested(tensor) : null);
  const scores = (record: Record<string, Tensor>) =>
    Object.fromEntries(Object.entries(record).map(([name, tensor]) => [name, tensorToNested(tensor)]));
  return JSON.stringify(
    {
      format: OUTPUT_FORMAT,
      format_version: OUTPUT_FORMAT_VERSION,
      sequence_attributions: output.sequence_attributions.map((sequence) => ({
        source: sequence.source,
        target: sequence.target,
        source_attributions: tensorOrNull(sequence.source_attributions),
        target_attributions: tensorOrNull(sequence.target_attributions),
        step_scores: scores(sequence.step_scores),
        sequence_scores: scores(sequence.sequence_scores),
        attr_pos_start: sequence.attr_pos_start,
        attr_pos_end: sequence.attr_pos_end,
      })),
      step_attributions: output.step_attributions,
      info: output.info,
    },
    null,
    options?.indent,
  );
}

/** Parses what {@link outputToJson} wrote, checking the format and every field. */
export function outputFromJson(text: string): FeatureAttributionOutput {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InseqError('INVALID_FILE', `Not a valid inseq-ts attribution file: bad JSON (${(cause as Error).message}).`, { cause });
  }
  if (parsed?.format !== OUTPUT_FORMAT) throw invalid(`'format' is ${JSON.stringify(parsed?.format)}, expected '${OUTPUT_FORMAT}'`);
  if (typeof parsed.format_version !== 'number' || parsed.format_version > OUTPUT_FORMAT_VERSION) {
    throw invalid(`format_version ${parsed.format_version} is newer than this reader (${OUTPUT_FORMAT_VERSION}); update inseq-ts`);
  }
  if (!Array.isArray(parsed.sequence_attributions)) throw invalid("'sequence_attributions' is missing");
  const sequences = parsed.sequence_attributions.map((raw: Record<string, unknown>, i: number): SequenceAttribution => {
    const where = `sequence_attributions[${i}]`;
    const tensorOrNull = (value: unknown, name: string) => (value === null || value === undefined ? null : nestedToTensor(value, `${where}.${name}`));
    const scores = (value: unknown, name: string) =>
      Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown>).map(([key, nested]) => [key, nestedToTensor(nested, `${where}.${name}.${key}`)]));
    if (!Array.isArray(raw.source) || !Array.isArray(raw.target)) throw invalid(`${where} lacks source or target tokens`);
    if (typeof raw.attr_pos_start !== 'number' || typeof raw.attr_pos_end !== 'number') throw invalid(`${where} lacks attr_pos_start/attr_pos_end`);
    return {
      source: raw.source,
      target: raw.target,
      source_attributions: tensorOrNull(raw.source_attributions, 'source_attributions'),
      target_attributions: tensorOrNull(raw.target_attributions, 'target_attributions'),
      step_scores: scores(raw.step_scores, 'step_scores'),
      sequence_scores: scores(raw.sequence_scores, 'sequence_scores'),
      attr_pos_start: raw.attr_pos_start,
      attr_pos_end: raw.attr_pos_end,
    };
  });
  return {
    sequence_attributions: sequences,
    step_attributions: (parsed.step_attributions as unknown[] | null) ?? null,
    info: (parsed.info as Record<string, unknown>) ?? {},
  };
}
