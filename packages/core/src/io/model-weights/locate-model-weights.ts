import type { ModelFiles } from '../../contracts/model-files';
import { isPickleWeightsFile, pickleWeightsMessage } from './pickle-weights-message';

/** The single-file checkpoint name transformers writes. */
export const singleWeightsFile = 'model.safetensors';
/** The index of a sharded safetensors checkpoint. */
export const weightsIndexFile = 'model.safetensors.index.json';

/** Where a folder's safetensors weights are: one file, or an index naming the shards. */
export type ModelWeightsLocation =
  | { readonly kind: 'single'; readonly file: string }
  | { readonly kind: 'sharded'; readonly index: string };

/**
 * Finds a folder's safetensors weights as transformers does: `model.safetensors` first, else
 * `model.safetensors.index.json` with its shards. Never throws for a folder without them: returns
 * the reason in words instead (a backend's `canLoad` reports it), which for a folder holding only
 * PyTorch pickles (`pytorch_model.bin`, …) says why those are not read and how to convert them.
 */
export async function locateModelWeights(files: ModelFiles): Promise<ModelWeightsLocation | string> {
  if (await files.has(singleWeightsFile)) return { kind: 'single', file: singleWeightsFile };
  if (await files.has(weightsIndexFile)) return { kind: 'sharded', index: weightsIndexFile };
  const listed = files.list ? await files.list() : undefined;
  // Without a listing (a set of URLs) only the usual pickle names can be probed.
  const candidates = listed ?? ['pytorch_model.bin', 'pytorch_model.bin.index.json'];
  const pickles: string[] = [];
  for (const name of candidates) {
    if (isPickleWeightsFile(name) && (listed !== undefined || (await files.has(name)))) pickles.push(name);
  }
  if (pickles.length > 0) return pickleWeightsMessage(files.location, pickles);
  const found = listed === undefined ? '' : ` (files found: ${listed.length > 0 ? listed.join(', ') : 'none'})`;
  return (
    `${files.location} has no ${singleWeightsFile} nor ${weightsIndexFile}${found}; the weights must be safetensors in the ` +
    'Hugging Face layout (in Python: model.save_pretrained(folder, safe_serialization=True))'
  );
}
