import { InvalidInputError, type SafetensorsTensorInput, decodeSafetensors, encodeSafetensors, safetensorsDtypeSizes } from '@inseq/core';
import type { ModelFolder } from './model-folder';

/** Options of {@link shardModelWeights}. */
export interface ShardModelWeightsOptions {
  /** Largest shard, in bytes of tensor data (transformers' `max_shard_size`); a bigger tensor gets a shard alone. */
  readonly maxShardBytes: number;
}

const encoder = new TextEncoder();

/**
 * Rewrites a folder's `model.safetensors` as transformers' `save_pretrained(max_shard_size=…)` does:
 * tensors in file order filled greedily into `model-0000k-of-0000n.safetensors` shards (a new shard
 * when the next tensor would pass `maxShardBytes`), each tensor stored bytes-for-bytes in its dtype,
 * and `model.safetensors.index.json` with `metadata.total_size` and the `weight_map`.
 *
 * @returns a new folder without `model.safetensors`; other files unchanged.
 * @throws {@link InvalidInputError} when the folder has no model.safetensors or the size is not positive.
 */
export function shardModelWeights(files: ModelFolder, options: ShardModelWeightsOptions): ModelFolder {
  const { 'model.safetensors': weights, ...rest } = files;
  if (!weights) throw new InvalidInputError('shardModelWeights needs a folder with model.safetensors.', { code: 'INVALID_ARGUMENT' });
  if (!(options.maxShardBytes > 0)) throw new InvalidInputError(`maxShardBytes must be positive, got ${options.maxShardBytes}.`, { code: 'INVALID_ARGUMENT' });
  const { tensors, metadata } = decodeSafetensors(weights);
  const groups: [string, SafetensorsTensorInput][][] = [];
  let size = 0;
  let totalSize = 0;
  for (const [name, tensor] of tensors) {
    const bytes = tensor.data.length * safetensorsDtypeSizes[tensor.dtype];
    if (groups.length === 0 || (size + bytes > options.maxShardBytes && size > 0)) {
      groups.push([]);
      size = 0;
    }
    // Decoded values are exactly representable in their stored dtype, so re-encoding keeps the bytes.
    groups.at(-1)!.push([name, tensor]);
    size += bytes;
    totalSize += bytes;
  }
  const count = String(groups.length).padStart(5, '0');
  const weightMap: Record<string, string> = {};
  const shards: ModelFolder = {};
  for (const [i, group] of groups.entries()) {
    const shard = `model-${String(i + 1).padStart(5, '0')}-of-${count}.safetensors`;
    shards[shard] = encodeSafetensors(Object.fromEntries(group), metadata);
    for (const [name] of group) weightMap[name] = shard;
  }
  const index = { metadata: { total_size: totalSize }, weight_map: weightMap };
  return { ...rest, ...shards, 'model.safetensors.index.json': encoder.encode(`${JSON.stringify(index, null, 2)}\n`) };
}
