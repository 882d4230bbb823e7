import { type ModelConfig, ModelLoadError, modelConfigFromHf } from '@inseq/core';

/**
 * Normalises a GPT-2 `config.json` into a {@link ModelConfig} with core's `modelConfigFromHf`,
 * after checking that this backend runs its `model_type`.
 *
 * @throws {@link ModelLoadError} `'UNSUPPORTED_MODEL'` for another `model_type`, `'INVALID_FILE'`
 * for a malformed size.
 */
export function parseOrtConfig(raw: Record<string, unknown>): ModelConfig {
  if (raw.model_type !== 'gpt2') {
    throw new ModelLoadError(
      `The ort backend runs model_type 'gpt2' exports for now, got ${JSON.stringify(raw.model_type)}.`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  return modelConfigFromHf(raw);
}
