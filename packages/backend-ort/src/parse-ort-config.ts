import { ModelLoadError, type ModelConfig } from '@inseq/core';

function positiveInteger(raw: Record<string, unknown>, keys: readonly string[], fallback: number): number {
  const key = keys.find((candidate) => raw[candidate] !== undefined && raw[candidate] !== null);
  const value = key === undefined ? fallback : raw[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ModelLoadError(`config.json: ${keys.join(' / ')} must be a positive integer, got ${JSON.stringify(value)}.`, {
      code: 'INVALID_FILE',
    });
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
 * Normalises a GPT-2 `config.json` into a {@link ModelConfig}, reading the same fields as the tfjs
 * backend (`n_embd`, `n_layer`, `n_head`, `n_positions` / `n_ctx`, `vocab_size`, special ids). Kept
 * here rather than imported because backends do not depend on each other.
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
  return {
    modelType: 'gpt2',
    vocabSize: positiveInteger(raw, ['vocab_size'], 50257),
    hiddenSize: positiveInteger(raw, ['n_embd', 'hidden_size'], 768),
    numLayers: positiveInteger(raw, ['n_layer', 'num_hidden_layers'], 12),
    numHeads: positiveInteger(raw, ['n_head', 'num_attention_heads'], 12),
    maxPositions: positiveInteger(raw, ['n_positions', 'n_ctx', 'max_position_embeddings'], 1024),
    isEncoderDecoder: false,
    bosTokenId: optionalTokenId(raw, 'bos_token_id'),
    eosTokenId: optionalTokenId(raw, 'eos_token_id'),
    padTokenId: optionalTokenId(raw, 'pad_token_id'),
    raw,
  };
}
