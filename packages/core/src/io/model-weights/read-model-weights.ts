import type { ModelFiles } from '../../contracts/model-files';
import { InseqError } from '../../errors/inseq-error';
import { ModelLoadError } from '../../errors/model-load-error';
import { quoteUntrusted } from '../../errors/quote-untrusted';
import { type SafetensorsFile, type SafetensorsTensor, decodeSafetensors } from '../safetensors/decode-safetensors';
import { locateModelWeights } from './locate-model-weights';
import { type NonFiniteTensor, type NonFiniteWeightsOptions, countNonFinite, isBadNonFiniteCount, reportNonFiniteWeights } from './non-finite-weights';
import { parseSafetensorsIndex } from './safetensors-index';

/** A folder's weights, every tensor in float32, with how they are named in messages. */
export interface ModelWeights extends SafetensorsFile {
  /** `folder/model.safetensors` or `folder/model.safetensors.index.json`, for messages. */
  readonly source: string;
  /** The safetensors files read, in order (one, or the shards). */
  readonly files: readonly string[];
}

/** Options of {@link readModelWeights}. */
export interface ReadModelWeightsOptions extends NonFiniteWeightsOptions {
  /**
   * Called with each safetensors file's bytes (the single file, or each shard in turn) before it
   * is decoded, e.g. to check from its header that the weights will fit a runtime's memory; a
   * throw stops the read there.
   */
  readonly beforeDecode?: (bytes: Uint8Array, name: string) => void;
}

/** Decodes one file, a malformed one reported as a {@link ModelLoadError} saying how to re-export it. */
function decodeWeightsFile(bytes: Uint8Array, name: string): SafetensorsFile {
  try {
    return decodeSafetensors(bytes, { name });
  } catch (error) {
    if (!InseqError.isInstance(error) || error.code !== 'INVALID_FILE') throw error;
    throw new ModelLoadError(
      `${error.message.replace(/\.$/, '')}. Re-export it (in Python: safetensors.torch.save_file or model.save_pretrained(folder, safe_serialization=True)).`,
      { code: 'INVALID_FILE', cause: error },
    );
  }
}

/**
 * Reads a model folder's safetensors weights, one file (`model.safetensors`) or sharded
 * (`model.safetensors.index.json` + the shards it names), into one {@link SafetensorsFile} of
 * float32 tensors (F16 / BF16 / … converted by core's codec). Shards are read and decoded one at a
 * time and their bytes dropped before the next, so the peak is about one shard's bytes plus the
 * float32 tensors. The index is checked against the shards: every shard must exist, hold the
 * tensors the index assigns to it and no tensor of another shard or unlisted.
 *
 * @throws {@link ModelLoadError} `'MODEL_LOAD'` without safetensors weights (the message names
 *   pickle-only checkpoints and how to convert them) or when a shard is missing; `'INVALID_FILE'`
 *   for a malformed file, an index that disagrees with its shards, or non-finite weights.
 */
export async function readModelWeights(files: ModelFiles, options?: ReadModelWeightsOptions): Promise<ModelWeights> {
  const nonFinite: NonFiniteTensor[] = [];
  const decode = (bytes: Uint8Array, name: string) => {
    options?.beforeDecode?.(bytes, name);
    const file = decodeWeightsFile(bytes, name);
    for (const [tensorName, tensor] of file.tensors) {
      const count = countNonFinite(tensor.data);
      if (isBadNonFiniteCount(count)) nonFinite.push({ name: tensorName, count });
    }
    return file;
  };
  const location = await locateModelWeights(files);
  if (typeof location === 'string') throw new ModelLoadError(`${location}.`);
  if (location.kind === 'single') {
    const source = `${files.location}/${location.file}`;
    const file = decode(await files.read(location.file), source);
    reportNonFiniteWeights(nonFinite, source, options);
    return { ...file, source, files: [location.file] };
  }
  const source = `${files.location}/${location.index}`;
  const index = parseSafetensorsIndex(await files.read(location.index), source);
  for (const shard of index.shards) {
    if (!(await files.has(shard))) {
      throw new ModelLoadError(
        `${files.location} has no ${shard}, a shard that ${source} names (for ${[...index.weightMap].filter(([, s]) => s === shard).length} tensors). ` +
          'Download every shard the index lists into the folder.',
      );
    }
  }
  const tensors = new Map<string, SafetensorsTensor>();
  const metadata: Record<string, string> = {};
  const invalid = (what: string): never => {
    throw new ModelLoadError(`${source} disagrees with its shards: ${what}. Re-save the checkpoint (save_pretrained) or re-download it.`, {
      code: 'INVALID_FILE',
    });
  };
  // Tensors found in a shard the index does not place them in: a duplicate when the listed shard has them too.
  const misplaced: [name: string, shard: string][] = [];
  for (const shard of index.shards) {
    // One shard's bytes at a time: they are dropped once decoded, before the next shard is read.
    const decoded = decode(await files.read(shard), `${files.location}/${shard}`);
    Object.assign(metadata, decoded.metadata);
    for (const [name, tensor] of decoded.tensors) {
      const listed = index.weightMap.get(name);
      if (listed === undefined) invalid(`tensor ${quoteUntrusted(name, 120)} of ${shard} is not in the index's weight_map`);
      if (listed === shard) tensors.set(name, tensor);
      else misplaced.push([name, shard]);
    }
  }
  for (const [name, shard] of misplaced) {
    const listed = index.weightMap.get(name) as string;
    if (tensors.has(name)) invalid(`tensor ${quoteUntrusted(name, 120)} is in two shards, ${[shard, listed].sort().join(' and ')}`);
    invalid(`tensor ${quoteUntrusted(name, 120)} is in ${shard} but the index places it in ${listed}`);
  }
  for (const [name, shard] of index.weightMap) {
    if (!tensors.has(name)) invalid(`tensor ${quoteUntrusted(name, 120)} is listed in ${shard} but no shard holds it`);
  }
  reportNonFiniteWeights(nonFinite, `${source} (its shards)`, options);
  return { metadata, tensors, source, files: index.shards };
}
