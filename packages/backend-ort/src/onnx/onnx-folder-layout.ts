import type { ModelFiles } from '@inseq/core';

/**
 * Where ONNX exports put their graphs: transformers.js repositories in `onnx/`, Optimum's
 * `optimum-cli export onnx` and plain `torch.onnx.export` in the folder root. Searched in this order.
 */
export const onnxFolders = Object.freeze(['onnx/', ''] as const);

/**
 * Decoder-only graph names, in order of preference: `model` (transformers.js and current Optimum:
 * one graph taking an optional cache; also what `torch.onnx.export` users name it),
 * `decoder_model_merged` (older Optimum: `If` on `use_cache_branch` between the graphs with and
 * without a cache), `decoder_model` (no cache inputs).
 */
export const decoderOnlyGraphs = Object.freeze(['model', 'decoder_model_merged', 'decoder_model'] as const);

/** The candidate files of a decoder-only export with the dtype's `suffix`, in order of preference. */
export function decoderOnlyCandidates(suffix: string): string[] {
  return onnxFolders.flatMap((folder) => decoderOnlyGraphs.map((graph) => `${folder}${graph}${suffix}.onnx`));
}

/** The first of `candidates` the folder has. */
export async function firstPresent(files: ModelFiles, candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) if (await files.has(candidate)) return candidate;
  return undefined;
}

/**
 * The `.onnx` files of the folder, for messages: every one when the folder can list itself
 * (`files.list`), else those of `probes` it has.
 */
export async function onnxFilesFound(files: ModelFiles, probes: readonly string[]): Promise<string[]> {
  if (files.list) return (await files.list()).filter((name) => name.endsWith('.onnx'));
  const found: string[] = [];
  for (const probe of new Set(probes)) if (await files.has(probe)) found.push(probe);
  return found;
}
