import type { ModelConfig } from '../contracts/model-config';
import { ModelLoadError } from '../errors/model-load-error';
import { untrustedJson } from '../errors/quote-untrusted';

function positiveInteger(raw: Record<string, unknown>, keys: readonly string[], fallback: number): number {
  const key = keys.find((candidate) => raw[candidate] !== undefined && raw[candidate] !== null);
  const value = key === undefined ? fallback : raw[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ModelLoadError(
      `config.json of the ${untrustedJson(raw.model_type, 60)} model: ${keys.join(' / ')} must be a positive integer, got ${untrustedJson(value, 60)}.`,
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
 * The sizes and special ids of a decoder-only Hugging Face `config.json`, under either naming
 * (GPT-2's `n_embd`/`n_layer`/`n_head`/`n_positions`/`n_ctx` or the common `hidden_size`/
 * `num_hidden_layers`/`num_attention_heads`/`max_position_embeddings`), defaults as GPT-2's. Every
 * backend reads the same file the same way; each checks its own supported `model_type` first.
 * @throws {@link ModelLoadError} `'INVALID_FILE'` for a config that is not a JSON object (`null`,
 *   a list) or a malformed size.
 */
export function modelConfigFromHf(raw: Record<string, unknown>): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelLoadError(
      `config.json is not a JSON object: it holds ${untrustedJson(raw, 60)}; expected {"model_type": "gpt2", "n_layer": …, …} as transformers writes it.`,
      { code: 'INVALID_FILE' },
    );
  }
  return {
    modelType: String(raw.model_type),
    vocabSize: positiveInteger(raw, ['vocab_size'], 50257),
    hiddenSize: positiveInteger(raw, ['n_embd', 'hidden_size'], 768),
    numLayers: positiveInteger(raw, ['n_layer', 'num_hidden_layers'], 12),
    numHeads: positiveInteger(raw, ['n_head', 'num_attention_heads'], 12),
    maxPositions: positiveInteger(raw, ['n_positions', 'n_ctx', 'max_position_embeddings'], 1024),
    isEncoderDecoder: raw.is_encoder_decoder === true,
    bosTokenId: optionalTokenId(raw, 'bos_token_id'),
    eosTokenId: optionalTokenId(raw, 'eos_token_id'),
    padTokenId: optionalTokenId(raw, 'pad_token_id'),
    decoderStartTokenId: optionalTokenId(raw, 'decoder_start_token_id'),
    raw,
  };
}
