import { ModelLoadError, quoteUntrusted } from '@inseq/core';
import type { SafetensorsTensor } from '../safetensors/read-safetensors';

/** How a family names its checkpoint's tensors (see {@link canonicalWeightNames}). */
export interface WeightNaming {
  /** The base model's attribute in the `…ForCausalLM` / `…ForConditionalGeneration` class: `'model.'`, `'transformer.'`. */
  readonly prefix: string;
  /** Whether the loader looks names up with the prefix (`model.layers.0…`) or without (`h.0…`). */
  readonly canonical: 'prefixed' | 'bare';
  /** Tensors of the head class, never under the prefix (`lm_head.weight`, `final_logits_bias`). */
  readonly headNames: readonly string[];
}

/**
 * The checkpoint's tensors under the names the family's loader expects, whether the file was saved
 * from the full model (`model.layers.0.…`, `lm_head.weight`) or from the base model alone
 * (`layers.0.…`, as `LlamaModel.save_pretrained` writes): the one place per family where
 * the base-model prefix is added or stripped. Head tensors keep their name.
 *
 * @throws {@link ModelLoadError} `'INVALID_FILE'` when a tensor is stored both with and without the prefix.
 */
export function canonicalWeightNames(
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  naming: WeightNaming,
  fileName: string,
): Map<string, SafetensorsTensor> {
  const byName = new Map<string, SafetensorsTensor>();
  for (const [name, tensor] of tensors) {
    let canonical = name;
    if (!naming.headNames.includes(name)) {
      const prefixed = name.startsWith(naming.prefix);
      if (naming.canonical === 'prefixed' && !prefixed) canonical = naming.prefix + name;
      if (naming.canonical === 'bare' && prefixed) canonical = name.slice(naming.prefix.length);
    }
    if (byName.has(canonical)) {
      throw new ModelLoadError(
        `${fileName} stores ${quoteUntrusted(canonical, 120)} twice, with and without the '${naming.prefix}' prefix; keep one (re-save the checkpoint with save_pretrained).`,
        { code: 'INVALID_FILE' },
      );
    }
    byName.set(canonical, tensor);
  }
  return byName;
}

/**
 * Whether the LM head is its own `lm_head.weight` (`true`) or the input embeddings (`false`), as
 * transformers decides: by config.json's `tie_word_embeddings` (default per family), not by what
 * the file holds — a tied model ignores a stored copy; an untied one needs it.
 *
 * @throws {@link ModelLoadError} `'INVALID_FILE'` when the config unties the head and the file has no `lm_head.weight`.
 */
export function separateLmHead(byName: ReadonlyMap<string, SafetensorsTensor>, tieWordEmbeddings: boolean, fileName: string): boolean {
  if (tieWordEmbeddings) return false;
  if (!byName.has('lm_head.weight')) {
    throw new ModelLoadError(
      `${fileName} has no lm_head.weight, but config.json sets tie_word_embeddings to false (a separate LM head). ` +
        'Set tie_word_embeddings to true if the head is the input embeddings, or use the checkpoint of the …ForCausalLM / …ForConditionalGeneration model.',
      { code: 'INVALID_FILE' },
    );
  }
  return true;
}
