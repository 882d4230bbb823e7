import type { FeatureAttributionOutput, SequenceAttribution, TokenWithId } from '../../data/feature-attribution-output';
import { InseqError } from '../../errors/inseq-error';
import type { Tensor } from '../../tensor';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../gzip';
import { previewJson } from '../json-preview';
import { recordFromEntries } from '../record';
import { type InflateBudget, decodeInseqTensor } from './decode-inseq-tensor';
import { inseqClassPatterns } from './inseq-instance-types';
import { checkJsonDepth, parsePythonJson } from './parse-python-json';

type Json = Record<string, unknown>;

function invalid(what: string): InseqError {
  return new InseqError(`Not a valid Python Inseq attribution file: ${what}.`, { code: 'INVALID_FILE' });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The attributes of an object Inseq wrote as `{"__instance_type__": [module, class], "attributes"}`
 * (or as the plain attributes, with `use_primitives=True`), after checking the class.
 */
function attributesOf(value: unknown, role: keyof typeof inseqClassPatterns, where: string): Json {
  if (!isObject(value)) throw invalid(`${where} is ${previewJson(value)}, not an object`);
  if (!Object.hasOwn(value, '__instance_type__')) return value;
  const type = value.__instance_type__;
  const [module, name] = Array.isArray(type) ? type : [];
  if (typeof module !== 'string' || !module.startsWith('inseq') || typeof name !== 'string' || !inseqClassPatterns[role].test(name)) {
    throw invalid(
      `${where} has __instance_type__ ${previewJson(type)}; expected an inseq class matching ${inseqClassPatterns[role]} ` +
        `(e.g. ["inseq.data.attribution", "FeatureAttributionOutput"])`,
    );
  }
  if (!isObject(value.attributes)) throw invalid(`${where} (${name}) has no 'attributes' object`);
  return value.attributes;
}

/** Any other JSON value: instance wrappers unwrapped, `__ndarray__` objects and blobs decoded to tensors. */
async function plainValue(value: unknown, where: string, budget: InflateBudget): Promise<unknown> {
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const [i, item] of value.entries()) items.push(await plainValue(item, `${where}[${i}]`, budget));
    return items;
  }
  if (!isObject(value)) return value;
  if (Object.hasOwn(value, '__ndarray__')) return decodeInseqTensor(value, where, budget);
  if (Object.hasOwn(value, '__instance_type__')) return plainValue(Object.hasOwn(value, 'attributes') ? value.attributes : {}, where, budget);
  const entries: [string, unknown][] = [];
  for (const [key, item] of Object.entries(value)) entries.push([key, await plainValue(item, `${where}.${key}`, budget)]);
  return recordFromEntries(entries);
}

function tokens(value: unknown, where: string): TokenWithId[] {
  if (!Array.isArray(value)) throw invalid(`${where} is not a list of tokens`);
  return value.map((item, i) => {
    const { token, id } = attributesOf(item, 'token', `${where}[${i}]`);
    if (typeof token !== 'string' || typeof id !== 'number') throw invalid(`${where}[${i}] lacks a string 'token' and a numeric 'id'`);
    return { token, id };
  });
}

async function scores(value: unknown, where: string, budget: InflateBudget): Promise<Record<string, Tensor>> {
  if (value === null || value === undefined) return recordFromEntries([]);
  if (!isObject(value)) throw invalid(`${where} is ${previewJson(value)}, not an object of named scores`);
  const entries: [string, Tensor][] = [];
  for (const [name, item] of Object.entries(value)) {
    const tensor = await decodeInseqTensor(item, `${where}.${name}`, budget);
    if (!tensor) throw invalid(`${where}.${name} is null`);
    entries.push([name, tensor]);
  }
  return recordFromEntries(entries);
}

async function sequence(value: unknown, where: string, budget: InflateBudget): Promise<SequenceAttribution> {
  const attributes = attributesOf(value, 'sequence', where);
  const source = tokens(attributes.source ?? [], `${where}.source`);
  const target = tokens(attributes.target, `${where}.target`);
  const { attr_pos_start: start, attr_pos_end: end } = attributes;
  if (start !== undefined && start !== null && typeof start !== 'number') throw invalid(`${where}.attr_pos_start is not a number`);
  if (end !== undefined && end !== null && typeof end !== 'number') throw invalid(`${where}.attr_pos_end is not a number`);
  return {
    source,
    target,
    source_attributions: await decodeInseqTensor(attributes.source_attributions, `${where}.source_attributions`, budget),
    target_attributions: await decodeInseqTensor(attributes.target_attributions, `${where}.target_attributions`, budget),
    step_scores: await scores(attributes.step_scores, `${where}.step_scores`, budget),
    sequence_scores: await scores(attributes.sequence_scores, `${where}.sequence_scores`, budget),
    // Inseq's __post_init__ fills a missing end with the target length; start defaults to 0.
    attr_pos_start: typeof start === 'number' ? start : 0,
    attr_pos_end: typeof end === 'number' ? Math.min(end, target.length) : target.length,
  };
}

/** Options of {@link outputFromInseqJson}. */
export interface OutputFromInseqJsonOptions {
  /** How the file is named in errors. @defaultValue `'Python Inseq attribution file'` */
  readonly name?: string;
  /**
   * Most bytes that old `b64.gz:` arrays may inflate to, all together (each also to no more than
   * its dtype and shape need); past it `FILE_TOO_LARGE`. @defaultValue 512 MiB
   */
  readonly maxInflatedBytes?: number;
  /** How the "too large" error tells the user to raise the limit. */
  readonly raiseHint?: string;
}

/**
 * Reads a file written by Python Inseq's `FeatureAttributionOutput.save` (its text, or the parsed
 * object) into the inseq-ts data model. Every layout Inseq has written is accepted: objects wrapped
 * as `{"__instance_type__": [module, class], "attributes": …}` or plain (`use_primitives=True`);
 * tensors as base64 safetensors blobs in float32, float16 or float8 (Inseq ≥ 0.6), `__ndarray__`
 * objects, or nested lists; bare `NaN`/`Infinity` tokens. Decompress gzipped files first (see
 * `outputFromBytes`, which also detects the format).
 *
 * `step_attributions` (when saved) come back as plain objects with tensors decoded; sequence
 * classes (`Granular…`, `Coarse…`) all map to {@link SequenceAttribution}.
 *
 * Untrusted keys (score names, `info`) land in null-prototype records, and nesting deeper than
 * `MAX_JSON_DEPTH` is refused.
 *
 * @throws InseqError `INVALID_FILE` naming the field at fault: bad JSON, an unknown
 *   `__instance_type__`, a malformed safetensors blob, an unknown dtype, a missing field;
 *   `FILE_TOO_LARGE` when `b64.gz:` arrays pass `maxInflatedBytes`.
 */
export async function outputFromInseqJson(json: string | object, options?: OutputFromInseqJsonOptions): Promise<FeatureAttributionOutput> {
  const name = options?.name ?? 'Python Inseq attribution file';
  const parsed = typeof json === 'string' ? parsePythonJson(json, name) : checkJsonDepth(json, name);
  const budget: InflateBudget = {
    left: options?.maxInflatedBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    raiseHint: options?.raiseHint ?? 'pass { maxInflatedBytes } to outputFromInseqJson',
  };
  const attributes = attributesOf(parsed, 'output', 'the top-level object');
  if (!Array.isArray(attributes.sequence_attributions)) throw invalid("'sequence_attributions' is missing or not a list");
  const sequences: SequenceAttribution[] = [];
  for (const [i, item] of attributes.sequence_attributions.entries()) sequences.push(await sequence(item, `sequence_attributions[${i}]`, budget));
  let steps: unknown[] | null = null;
  if (Array.isArray(attributes.step_attributions)) {
    steps = [];
    for (const [i, item] of attributes.step_attributions.entries()) {
      const where = `step_attributions[${i}]`;
      const step = attributesOf(item, 'step', where);
      const plain = (await plainValue(step, where, budget)) as Json;
      // Inseq ≥ 0.6 may store step tensors as base64 safetensors blobs, like sequences.
      for (const field of ['source_attributions', 'target_attributions']) {
        if (typeof plain[field] === 'string') plain[field] = await decodeInseqTensor(plain[field], `${where}.${field}`, budget);
      }
      for (const field of ['step_scores', 'sequence_scores']) {
        const record = plain[field];
        if (!isObject(record)) continue;
        for (const [key, score] of Object.entries(record)) {
          if (typeof score === 'string') {
            const tensor = await decodeInseqTensor(score, `${where}.${field}.${key}`, budget);
            Object.defineProperty(record, key, { value: tensor, writable: true, enumerable: true, configurable: true });
          }
        }
      }
      steps.push(plain);
    }
  }
  const info = isObject(attributes.info) ? ((await plainValue(attributes.info, 'info', budget)) as Json) : recordFromEntries<unknown>([]);
  return { sequence_attributions: sequences, step_attributions: steps, info };
}
