import { type ModelConfig, ModelLoadError, modelConfigFromHf } from '@inseq/core';

/** The first id of a `generation_config.json` `eos_token_id` (a number or a list), if any. */
function firstTokenId(value: unknown): number | undefined {
  const id = Array.isArray(value) ? value[0] : value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/**
 * The `model_type`s whose decoder-only exports this backend runs: the graph does the model's
 * work, so the backend only needs the Optimum input/output layout and the KV cache's shape.
 */
export const ortModelTypes = Object.freeze(['gpt2', 'llama', 'mistral', 'qwen2', 'gemma'] as const);

/**
 * Normalises a decoder-only `config.json` into a {@link ModelConfig} with core's `modelConfigFromHf`,
 * after checking that this backend runs its `model_type`. With a `generation_config.json`, its
 * `eos_token_id` (a number, or the first of a list) wins over config.json's, as in HF generation.
 *
 * @throws {@link ModelLoadError} `'UNSUPPORTED_MODEL'` for another `model_type`, `'INVALID_FILE'`
 * for a malformed size.
 */
export function parseOrtConfig(raw: Record<string, unknown>, generation?: Record<string, unknown>): ModelConfig {
  if (!ortModelTypes.includes(raw.model_type as (typeof ortModelTypes)[number])) {
    throw new ModelLoadError(
      `The ort backend runs decoder-only exports of model_type ${ortModelTypes.join(', ')}; got ${JSON.stringify(raw.model_type)}.`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  const config = modelConfigFromHf(raw);
  const eosTokenId = firstTokenId(generation?.eos_token_id);
  return eosTokenId === undefined ? config : { ...config, eosTokenId };
}
