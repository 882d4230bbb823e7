import { type ModelConfig, ModelLoadError, modelConfigFromHf, untrustedJson } from '@inseq/core';
import { gpt2Settings } from './gpt2-settings';

/**
 * Normalises a GPT-2 `config.json` (HF `GPT2Config`) into a {@link ModelConfig}: `n_embd`,
 * `n_layer`, `n_head`, `n_positions` (older files: `n_ctx`), `vocab_size`, special token ids; the
 * GPT-2-specific settings (epsilon, activation, `n_inner`, tying, attention scaling) are validated
 * here too so that a bad file fails before any weight is read.
 *
 * @param raw - The parsed config.json; `model_type` must be `'gpt2'`.
 * @throws {@link ModelLoadError} `'UNSUPPORTED_MODEL'` for another `model_type` or an unsupported
 * activation, `'INVALID_FILE'` for a missing or malformed size.
 */
export function parseGpt2Config(raw: Record<string, unknown>): ModelConfig {
  if (raw.model_type !== 'gpt2') {
    throw new ModelLoadError(
      `parseGpt2Config reads model_type 'gpt2' configs, got ${untrustedJson(raw.model_type)}.`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  const config: ModelConfig = modelConfigFromHf(raw);
  if (config.hiddenSize % config.numHeads !== 0) {
    throw new ModelLoadError(
      `config.json of the gpt2 model: n_embd (${config.hiddenSize}) must be divisible by n_head (${config.numHeads}).`,
      { code: 'INVALID_FILE' },
    );
  }
  gpt2Settings(config);
  return config;
}
