import type { FeatureAttributionOutput, SequenceAttribution } from '../data/feature-attribution-output';
import { InseqError } from '../errors/inseq-error';
import type { Tensor } from '../tensor';
import { nestedToTensor, tensorToNested } from './nested-array';
import { isPackedTensor, packTensor, unpackTensor } from './packed-tensor';
import { type ScoresPrecision, checkScoresPrecision } from './scores-precision';

/** Name written in every saved file. */
export const OUTPUT_FORMAT = 'inseq-ts.feature_attribution_output';
/**
 * Newest layout this library reads and writes. Version 1: tensors as nested arrays. Version 2 adds
 * packed tensors (`{dtype, shape, scale?, base64}`, float16 or scaled float8 bits), written only
 * when `scoresPrecision` is not `float32`, so float32 files stay readable by version-1 readers.
 */
export const OUTPUT_FORMAT_VERSION = 2;

/** Options of {@link outputToJson}. */
export interface OutputToJsonOptions {
  /** Spaces of indentation. @defaultValue none (one line) */
  readonly indent?: number;
  /**
   * Storage of tensors: `float32` writes nested arrays (exact); `float16` and `float8` write packed
   * little-endian bits in base64 (format version 2).
   * @defaultValue `'float32'`
   */
  readonly scoresPrecision?: ScoresPrecision;
}

function invalid(what: string): InseqError {
  return new InseqError(`Not a valid inseq-ts attribution file: ${what}.`, { code: 'INVALID_FILE' });
}

/**
 * Serialises an output to JSON with Inseq's field names; tensors become nested arrays with NaN
 * written as `null` (JSON has no NaN), exact for float32, or packed float16/float8 bits.
 */
export function outputToJson(output: FeatureAttributionOutput, options?: OutputToJsonOptions): string {
  const precision = checkScoresPrecision(options?.scoresPrecision ?? 'float32');
  const encode = (tensor: Tensor) => (precision === 'float32' ? tensorToNested(tensor) : packTensor(tensor, precision));
  const tensorOrNull = (tensor: Tensor | null) => (tensor ? encode(tensor) : null);
  const scores = (record: Record<string, Tensor>) => Object.fromEntries(Object.entries(record).map(([name, tensor]) => [name, encode(tensor)]));
  return JSON.stringify(
    {
      format: OUTPUT_FORMAT,
      format_version: precision === 'float32' ? 1 : 2,
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

/**
 * Parses what {@link outputToJson} wrote (the text, or the already parsed object), checking the
 * format and every field.
 */
export function outputFromJson(json: string | object): FeatureAttributionOutput {
  let parsed: Record<string, unknown>;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (cause) {
      throw new InseqError(`Not a valid inseq-ts attribution file: bad JSON (${(cause as Error).message}).`, { code: 'INVALID_FILE', cause });
    }
  } else {
    parsed = json as Record<string, unknown>;
  }
  if (parsed?.format !== OUTPUT_FORMAT) throw invalid(`'format' is ${JSON.stringify(parsed?.format)}, expected '${OUTPUT_FORMAT}'`);
  if (typeof parsed.format_version !== 'number' || parsed.format_version > OUTPUT_FORMAT_VERSION) {
    throw invalid(`format_version ${parsed.format_version} is newer than this reader (${OUTPUT_FORMAT_VERSION}); update inseq-ts`);
  }
  if (!Array.isArray(parsed.sequence_attributions)) throw invalid("'sequence_attributions' is missing");
  const sequences = parsed.sequence_attributions.map((raw: Record<string, unknown>, i: number): SequenceAttribution => {
    const where = `sequence_attributions[${i}]`;
    const decode = (value: unknown, field: string) =>
      isPackedTensor(value) ? unpackTensor(value, `Field '${where}.${field}'`) : nestedToTensor(value, `Field '${where}.${field}'`);
    const tensorOrNull = (value: unknown, name: string) => (value === null || value === undefined ? null : decode(value, name));
    const scores = (value: unknown, name: string) =>
      Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown>).map(([key, item]) => [key, decode(item, `${name}.${key}`)]));
    if (!Array.isArray(raw?.source) || !Array.isArray(raw.target)) throw invalid(`${where} lacks source or target tokens`);
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
