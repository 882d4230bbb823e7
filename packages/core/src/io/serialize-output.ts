import type { FeatureAttributionOutput, SequenceAttribution, TokenWithId } from '../data/feature-attribution-output';
import { InseqError } from '../errors/inseq-error';
import { type Tensor, shapeSize } from '../tensor';
import { checkJsonDepth } from './inseq-python/parse-python-json';
import { previewJson } from './json-preview';
import { nestedToTensor, tensorToNested } from './nested-array';
import { isPackedTensor, packTensor, unpackTensor } from './packed-tensor';
import { recordFromEntries } from './record';
import { type ScoresPrecision, checkScoresPrecision } from './scores-precision';

/** Name written in every saved file. */
export const OUTPUT_FORMAT = 'inseq-ts.feature_attribution_output';
/**
 * Newest layout this library reads and writes. Version 1: tensors as nested arrays. Version 2 adds
 * packed tensors (`{dtype, shape, scale?, base64}`, float16 or scaled float8 bits), written only
 * when `scoresPrecision` is not `float32` (and for empty tensors of rank > 1, whose trailing dims
 * nested arrays cannot hold), so float32 files stay readable by version-1 readers.
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
  let packed = precision !== 'float32';
  const encode = (tensor: Tensor) => {
    if (precision !== 'float32') return packTensor(tensor, precision);
    // Nested arrays lose the dims after a zero one ([4, 0, 1] reads back as [4, 0]); an empty
    // tensor is packed instead (no values, so float16 loses nothing).
    if (shapeSize(tensor.shape) === 0 && tensor.shape.length > 1) {
      packed = true;
      return packTensor(tensor, 'float16');
    }
    return tensorToNested(tensor);
  };
  const tensorOrNull = (tensor: Tensor | null) => (tensor ? encode(tensor) : null);
  const scores = (record: Record<string, Tensor>) => Object.fromEntries(Object.entries(record).map(([name, tensor]) => [name, encode(tensor)]));
  const sequences = output.sequence_attributions.map((sequence) => ({
    source: sequence.source,
    target: sequence.target,
    source_attributions: tensorOrNull(sequence.source_attributions),
    target_attributions: tensorOrNull(sequence.target_attributions),
    step_scores: scores(sequence.step_scores),
    sequence_scores: scores(sequence.sequence_scores),
    attr_pos_start: sequence.attr_pos_start,
    attr_pos_end: sequence.attr_pos_end,
  }));
  return JSON.stringify(
    {
      format: OUTPUT_FORMAT,
      format_version: packed ? 2 : 1,
      sequence_attributions: sequences,
      step_attributions: output.step_attributions,
      info: output.info,
    },
    null,
    options?.indent,
  );
}

/** Options of {@link outputFromJson}. */
export interface OutputFromJsonOptions {
  /** How the file is named in errors (a path). @defaultValue none: errors say "Not a valid inseq-ts attribution file" */
  readonly name?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tokensOf(value: unknown, where: string): TokenWithId[] {
  if (!Array.isArray(value)) throw invalid(`${where} is ${previewJson(value)}, not a list of tokens`);
  return value.map((item, i) => {
    const token = isObject(item) ? item.token : undefined;
    const id = isObject(item) ? item.id : undefined;
    if (typeof token !== 'string' || typeof id !== 'number') {
      throw invalid(`${where}[${i}] is ${previewJson(item)}; expected {"token": string, "id": number}`);
    }
    return { token, id };
  });
}

/**
 * Parses what {@link outputToJson} wrote (the text, or the already parsed object), checking the
 * format and every field: tokens are `{token, id}`, tensors rectangular or packed, score names
 * land in null-prototype records (a score named `constructor` is just a name), nesting deeper than
 * `MAX_JSON_DEPTH` is refused.
 *
 * @throws InseqError `INVALID_FILE` naming the field at fault.
 */
export function outputFromJson(json: string | object, options?: OutputFromJsonOptions): FeatureAttributionOutput {
  const name = options?.name;
  const fail = (what: string) => (name ? new InseqError(`${name} is not a valid inseq-ts attribution file: ${what}.`, { code: 'INVALID_FILE' }) : invalid(what));
  let parsed: unknown;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (cause) {
      const message = `bad JSON (${(cause as Error).message.slice(0, 300)})`;
      throw new InseqError(name ? `${name} is not valid JSON: ${message}.` : `Not a valid inseq-ts attribution file: ${message}.`, { code: 'INVALID_FILE', cause });
    }
  } else {
    parsed = json;
  }
  parsed = checkJsonDepth(parsed, name ?? 'The inseq-ts attribution file');
  if (!isObject(parsed)) throw fail(`the top level is ${previewJson(parsed)}, not an object`);
  if (parsed.format !== OUTPUT_FORMAT) throw fail(`'format' is ${previewJson(parsed.format)}, expected '${OUTPUT_FORMAT}'`);
  const version = parsed.format_version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw fail(`format_version is ${previewJson(version)}; expected a whole number from 1 to ${OUTPUT_FORMAT_VERSION}`);
  if (version > OUTPUT_FORMAT_VERSION) throw fail(`format_version ${version} is newer than this reader (${OUTPUT_FORMAT_VERSION}); update inseq-ts`);
  if (!Array.isArray(parsed.sequence_attributions)) throw fail("'sequence_attributions' is missing or not a list");
  if (parsed.step_attributions !== undefined && parsed.step_attributions !== null && !Array.isArray(parsed.step_attributions)) {
    throw fail(`'step_attributions' is ${previewJson(parsed.step_attributions)}; expected a list or null`);
  }
  if (parsed.info !== undefined && parsed.info !== null && !isObject(parsed.info)) throw fail(`'info' is ${previewJson(parsed.info)}; expected an object`);
  const sequences = parsed.sequence_attributions.map((raw: unknown, i: number): SequenceAttribution => {
    const where = `sequence_attributions[${i}]`;
    if (!isObject(raw)) throw fail(`${where} is ${previewJson(raw)}, not an object`);
    const decode = (value: unknown, field: string) =>
      isPackedTensor(value) ? unpackTensor(value, `Field '${where}.${field}'`) : nestedToTensor(value, `Field '${where}.${field}'`);
    const tensorOrNull = (value: unknown, field: string) => (value === null || value === undefined ? null : decode(value, field));
    const scores = (value: unknown, field: string) => {
      if (value === null || value === undefined) return recordFromEntries<Tensor>([]);
      if (!isObject(value)) throw fail(`${where}.${field} is ${previewJson(value)}, not an object of named scores`);
      return recordFromEntries(Object.entries(value).map(([key, item]) => [key, decode(item, `${field}.${key}`)] as const));
    };
    const source = tokensOf(raw.source, `${where}.source`);
    const target = tokensOf(raw.target, `${where}.target`);
    const { attr_pos_start: start, attr_pos_end: end } = raw;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || (start as number) < 0 || (end as number) < (start as number)) {
      throw fail(`${where} has attr_pos_start ${previewJson(start)} and attr_pos_end ${previewJson(end)}; expected whole numbers with 0 <= start <= end`);
    }
    return {
      source,
      target,
      source_attributions: tensorOrNull(raw.source_attributions, 'source_attributions'),
      target_attributions: tensorOrNull(raw.target_attributions, 'target_attributions'),
      step_scores: scores(raw.step_scores, 'step_scores'),
      sequence_scores: scores(raw.sequence_scores, 'sequence_scores'),
      attr_pos_start: start as number,
      attr_pos_end: end as number,
    };
  });
  return {
    sequence_attributions: sequences,
    step_attributions: (parsed.step_attributions as unknown[] | null | undefined) ?? null,
    info: (parsed.info as Record<string, unknown> | null | undefined) ?? recordFromEntries<unknown>([]),
  };
}
