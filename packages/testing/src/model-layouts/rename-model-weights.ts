import { InvalidInputError, type SafetensorsTensorInput, decodeSafetensors, encodeSafetensors } from '@inseq/core';
import type { ModelFolder } from './model-folder';

/**
 * Rewrites a folder's `model.safetensors` with every tensor renamed by `rename` (`undefined` drops
 * it), values and dtypes unchanged: a checkpoint saved from the base model (`LlamaModel`: no
 * `model.` prefix), from an old code base (`transformer.` added), with `lm_head.weight` dropped or added.
 *
 * @throws {@link InvalidInputError} when the folder has no model.safetensors or two names collide.
 */
export function renameModelWeights(files: ModelFolder, rename: (name: string) => string | undefined): ModelFolder {
  const weights = files['model.safetensors'];
  if (!weights) throw new InvalidInputError('renameModelWeights needs a folder with model.safetensors.', { code: 'INVALID_ARGUMENT' });
  const { tensors, metadata } = decodeSafetensors(weights);
  const renamed: Record<string, SafetensorsTensorInput> = {};
  for (const [name, tensor] of tensors) {
    const next = rename(name);
    if (next === undefined) continue;
    if (next in renamed) throw new InvalidInputError(`renameModelWeights: '${name}' and another tensor are both renamed '${next}'.`, { code: 'INVALID_ARGUMENT' });
    renamed[next] = tensor;
  }
  return { ...files, 'model.safetensors': encodeSafetensors(renamed, metadata) };
}

/** `rename` for {@link renameModelWeights} that strips `prefix` from every name that has it. */
export function stripWeightPrefix(prefix: string): (name: string) => string {
  return (name) => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
}

/** `rename` for {@link renameModelWeights} that adds `prefix` to every name but those in `except` (`lm_head.weight`). */
export function addWeightPrefix(prefix: string, except: readonly string[] = ['lm_head.weight']): (name: string) => string {
  return (name) => (except.includes(name) || name.startsWith(prefix) ? name : prefix + name);
}
