import { type ModelConfig, ModelLoadError, modelConfigFromHf, untrustedJson } from '@inseq/core';
import { encoderDecoderConfig } from '../encoder-decoder-config';

/** Activations of the feed-forward blocks (the last part of `feed_forward_proj`), by transformers' `ACT2FN` name. */
export const t5Activations = Object.freeze(['relu', 'gelu', 'gelu_new', 'gelu_pytorch_tanh', 'silu', 'swish'] as const);

/** The T5 hyperparameters beyond {@link ModelConfig}, defaults as HF `T5Config`. */
export interface T5Settings {
  readonly dModel: number;
  /** Per-head size (`d_kv`); attention width `numHeads · dKv`. */
  readonly dKv: number;
  readonly dFf: number;
  readonly numHeads: number;
  readonly encoderLayers: number;
  readonly decoderLayers: number;
  readonly numBuckets: number;
  readonly maxDistance: number;
  readonly layerNormEpsilon: number;
  /** `wo(act(wi_0 x) · wi_1 x)` (`gated-…`, T5 v1.1 / Flan) rather than `wo(act(wi x))`. */
  readonly gated: boolean;
  /** `gated-gelu` is `gelu_new` (as transformers maps it); `swish` is `silu`. */
  readonly activation: Exclude<(typeof t5Activations)[number], 'swish'>;
  /** `lm_head` is `shared` and the decoder output is scaled by `d_model^-0.5` first. */
  readonly tieWordEmbeddings: boolean;
  readonly vocab: number;
  /** `dropout_rate` (only in dropout passes). */
  readonly dropout: number;
}

function invalid(message: string): never {
  throw new ModelLoadError(`config.json of the t5 model: ${message}`, { code: 'INVALID_FILE' });
}

function positiveInteger(raw: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) invalid(`${key} must be a positive integer, got ${untrustedJson(raw[key])}.`);
  return value as number;
}

/** Reads and validates the T5 settings from `config.raw` (`feed_forward_proj` parsed as `T5Config` does). */
export function t5Settings(config: ModelConfig): T5Settings {
  const raw = config.raw;
  const projection = raw.feed_forward_proj ?? 'relu';
  const parts = typeof projection === 'string' ? projection.split('-') : [];
  const gated = parts[0] === 'gated';
  const name = parts[parts.length - 1];
  if ((parts.length !== 1 && !(gated && parts.length === 2)) || !t5Activations.includes(name as (typeof t5Activations)[number])) {
    throw new ModelLoadError(
      `config.json of the t5 model: feed_forward_proj ${untrustedJson(projection)} is not supported; use an activation ` +
        `(${t5Activations.join(', ')}) or 'gated-' followed by one, e.g. 'relu' (T5) or 'gated-gelu' (T5 v1.1, Flan-T5).`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  const activation = projection === 'gated-gelu' ? 'gelu_new' : name === 'swish' ? 'silu' : (name as T5Settings['activation']);
  const epsilon = raw.layer_norm_epsilon ?? 1e-6;
  if (typeof epsilon !== 'number' || !(epsilon > 0)) invalid(`layer_norm_epsilon must be a positive number, got ${untrustedJson(epsilon)}.`);
  const dropout = raw.dropout_rate ?? 0.1;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) invalid(`dropout_rate must be a number in [0, 1), got ${untrustedJson(dropout)}.`);
  const tied = raw.tie_word_embeddings ?? true;
  if (typeof tied !== 'boolean') invalid(`tie_word_embeddings must be true or false, got ${untrustedJson(tied)}.`);
  const encoderLayers = positiveInteger(raw, 'num_layers', 6);
  const numBuckets = positiveInteger(raw, 'relative_attention_num_buckets', 32);
  if (numBuckets < 4) invalid(`relative_attention_num_buckets must be at least 4, got ${numBuckets}.`);
  return {
    dModel: positiveInteger(raw, 'd_model', 512),
    dKv: positiveInteger(raw, 'd_kv', 64),
    dFf: positiveInteger(raw, 'd_ff', 2048),
    numHeads: positiveInteger(raw, 'num_heads', 8),
    encoderLayers,
    decoderLayers: positiveInteger(raw, 'num_decoder_layers', encoderLayers),
    numBuckets,
    maxDistance: positiveInteger(raw, 'relative_attention_max_distance', 128),
    layerNormEpsilon: epsilon as number,
    gated,
    activation,
    tieWordEmbeddings: tied as boolean,
    vocab: positiveInteger(raw, 'vocab_size', 32128),
    dropout: dropout as number,
  };
}

/**
 * {@link ModelConfig} of a T5 config.json (T5, T5 v1.1, Flan-T5), its settings validated:
 * `hiddenSize` is `d_model`; `numLayers` and `numHeads` describe the decoder; `maxPositions` is
 * `n_positions` or 512 (relative positions set no hard limit; T5 was trained on 512 tokens);
 * `decoderStartTokenId` is required.
 *
 * @throws {@link ModelLoadError} `'UNSUPPORTED_MODEL'` for another `model_type`, an unsupported
 * `feed_forward_proj` or `is_encoder_decoder: false`; `'INVALID_FILE'` for a malformed value.
 */
export function parseT5Config(raw: Record<string, unknown>): ModelConfig {
  if (raw.model_type !== 't5') {
    throw new ModelLoadError(`parseT5Config reads model_type 't5', got ${untrustedJson(raw.model_type)}.`, { code: 'UNSUPPORTED_MODEL' });
  }
  const base = modelConfigFromHf({ ...raw, is_encoder_decoder: raw.is_encoder_decoder ?? true });
  const settings = t5Settings({ ...base, raw });
  return encoderDecoderConfig(base, raw, {
    hiddenSize: settings.dModel,
    numLayers: settings.decoderLayers,
    numHeads: settings.numHeads,
    maxPositions: positiveInteger(raw, 'n_positions', 512),
    vocabSize: settings.vocab,
  });
}
