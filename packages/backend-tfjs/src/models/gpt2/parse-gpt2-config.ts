import { ModelLoadError, type ModelConfig } from '@inseq/core';
import { gpt2Settings } from './gpt2-settings';

function positiveInteger(raw: Record<string, unknown>, keys: readonly string[], fallback?: number): number {
  const key = keys.find((candidate) => raw[candidate] !== undefined && raw[candidate] !== null);
  const value = key === undefined ? fallback : raw[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ModelLoadError(
      `config.json of the gpt2 model: ${keys.join(' / ')} must be a positive integer, got ${JSON.stringify(key === undefined ? undefined : raw[key])}.`,
      { code: 'INVALID_FILE' },
    );
  }
  return value;
}

function optionalTokenId(raw: Record<string, unknown>, key: string): number | undefined {
  const value = raw[key];
  // Some configs list several ids (e.g. eos); the first is the one generation stops on by default.
  const id = Array.isArray(value) ? value[0] : value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

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
      `parseGpt2Config reads model_type 'gpt2' configs, got ${JSON.stringify(raw.model_type)}.`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  const hiddenSize = positiveInteger(raw, ['n_embd', 'hidden_size'], 768);
  const numHeads = positiveInteger(raw, ['n_head', 'num_attention_heads'], 12);
  if (hiddenSize % numHeads !== 0) {
    throw new ModelLoadError(`config.json of the gpt2 model: n_embd (${hiddenSize}) must be divisible by n_head (${numHeads}).`, {
      code: 'INVALID_FILE',
    });
  }
  const config: ModelConfig = {
    modelType: 'gpt2',
    vocabSize: positiveInteger(raw, ['vocab_size'], 50257),
    hiddenSize,
    numLayers: positiveInteger(raw, ['n_layer', 'num_hidden_layers'], 12),
    numHeads,
    maxPositions: positiveInteger(raw, ['n_positions', 'n_ctx', 'max_position_embeddings'], 1024),
    isEncoderDecoder: false,
    bosTokenId: optionalTokenId(raw, 'bos_token_id'),
    eosTokenId: optionalTokenId(raw, 'eos_token_id'),
    padTokenId: optionalTokenId(raw, 'pad_token_id'),
    raw,
  };
  gpt2Settings(config);
  return config;
}
