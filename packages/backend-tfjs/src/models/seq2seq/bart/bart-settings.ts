import { type ModelConfig, ModelLoadError, modelConfigFromHf, untrustedJson } from '@inseq/core';
import { encoderDecoderConfig } from '../encoder-decoder-config';

/** `model_type`s of the BART shape this port implements (see {@link BartSettings} for their differences). */
export const bartModelTypes = Object.freeze(['bart', 'mbart', 'marian'] as const);

/** One of {@link bartModelTypes}. */
export type BartModelType = (typeof bartModelTypes)[number];

/** `activation_function`s of the feed-forward blocks this port implements, by transformers' `ACT2FN` name. */
export const bartActivations = Object.freeze(['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu', 'silu', 'swish'] as const);

/** The sizes of one stack (encoder or decoder). */
export interface BartStackSettings {
  readonly layers: number;
  readonly heads: number;
  /** Feed-forward width (`encoder_ffn_dim` / `decoder_ffn_dim`). */
  readonly ffnDim: number;
}

/**
 * The BART-family hyperparameters beyond {@link ModelConfig}, defaults as HF `BartConfig` /
 * `MarianConfig`. The three `model_type`s differ as in transformers: BART adds learned positions
 * (row p + 2) and `layernorm_embedding`, post-norm layers; mBART is BART with pre-norm layers and a
 * final `layer_norm` per stack; Marian adds static sinusoids and has no embedding norm.
 */
export interface BartSettings {
  readonly modelType: BartModelType;
  readonly dModel: number;
  readonly encoder: BartStackSettings;
  readonly decoder: BartStackSettings;
  /** `activation_function`, `swish` as `silu`. */
  readonly activation: Exclude<(typeof bartActivations)[number], 'swish'>;
  /** √d_model with `scale_embedding`, else 1. */
  readonly embedScale: number;
  /** Learned tables with HF's offset of 2 (BART, mBART) or Marian's sinusoids. */
  readonly positions: 'learned' | 'sinusoidal';
  /** `layernorm_embedding` after adding positions (BART, mBART). */
  readonly layernormEmbedding: boolean;
  /** Pre-norm layers and a final `layer_norm` per stack (mBART). */
  readonly preNorm: boolean;
  /** Rows of the position tables (`max_position_embeddings`). */
  readonly maxPositions: number;
  /** Encoder vocabulary (`vocab_size`). */
  readonly encoderVocab: number;
  /** Decoder vocabulary and logits width (Marian's `decoder_vocab_size`, else `vocab_size`). */
  readonly decoderVocab: number;
  /** `dropout`, `attention_dropout`, `activation_dropout` (only in dropout passes). */
  readonly dropout: number;
  readonly attentionDropout: number;
  readonly activationDropout: number;
  /** `tie_word_embeddings`: the LM head is the decoder's embeddings (transformers' default: true). */
  readonly tieWordEmbeddings: boolean;
}

function invalid(modelType: string, message: string): never {
  throw new ModelLoadError(`config.json of the ${modelType} model: ${message}`, { code: 'INVALID_FILE' });
}

function positiveInteger(raw: Readonly<Record<string, unknown>>, key: string, fallback: number | undefined, modelType: string): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) invalid(modelType, `${key} must be a positive integer, got ${untrustedJson(raw[key])}.`);
  return value as number;
}

function rate(raw: Readonly<Record<string, unknown>>, key: string, modelType: string): number {
  const value = raw[key] ?? 0;
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) invalid(modelType, `${key} must be a number in [0, 1), got ${untrustedJson(raw[key])}.`);
  return value as number;
}

/** Reads and validates the BART-family settings (`bart`, `mbart`, `marian`) from `config.raw`. */
export function bartSettings(config: ModelConfig): BartSettings {
  const raw = config.raw;
  const modelType = config.modelType as BartModelType;
  if (!bartModelTypes.includes(modelType)) {
    throw new ModelLoadError(`The BART port reads model_type ${bartModelTypes.join(', ')}, got ${untrustedJson(modelType)}.`, { code: 'UNSUPPORTED_MODEL' });
  }
  const dModel = positiveInteger(raw, 'd_model', 1024, modelType);
  const stack = (name: 'encoder' | 'decoder'): BartStackSettings => {
    const settings = {
      layers: positiveInteger(raw, `${name}_layers`, 12, modelType),
      heads: positiveInteger(raw, `${name}_attention_heads`, 16, modelType),
      ffnDim: positiveInteger(raw, `${name}_ffn_dim`, 4096, modelType),
    };
    if (dModel % settings.heads !== 0) invalid(modelType, `d_model (${dModel}) must be divisible by ${name}_attention_heads (${settings.heads}).`);
    return settings;
  };
  const activation = (raw.activation_function ?? 'gelu') as string;
  if (!bartActivations.includes(activation as (typeof bartActivations)[number])) {
    throw new ModelLoadError(
      `config.json of the ${modelType} model: activation_function ${untrustedJson(activation)} is not supported; supported: ${bartActivations.join(', ')}.`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  const scale = raw.scale_embedding ?? false;
  if (typeof scale !== 'boolean') invalid(modelType, `scale_embedding must be true or false, got ${untrustedJson(scale)}.`);
  const tied = raw.tie_word_embeddings ?? true;
  if (typeof tied !== 'boolean') invalid(modelType, `tie_word_embeddings must be true or false, got ${untrustedJson(tied)}.`);
  const marian = modelType === 'marian';
  const encoderVocab = positiveInteger(raw, 'vocab_size', undefined, modelType);
  return {
    modelType,
    dModel,
    encoder: stack('encoder'),
    decoder: stack('decoder'),
    activation: activation === 'swish' ? 'silu' : (activation as BartSettings['activation']),
    embedScale: scale ? Math.sqrt(dModel) : 1,
    positions: marian ? 'sinusoidal' : 'learned',
    layernormEmbedding: !marian,
    preNorm: modelType === 'mbart',
    maxPositions: positiveInteger(raw, 'max_position_embeddings', 1024, modelType),
    encoderVocab,
    decoderVocab: marian ? positiveInteger(raw, 'decoder_vocab_size', encoderVocab, modelType) : encoderVocab,
    dropout: rate(raw, 'dropout', modelType),
    attentionDropout: rate(raw, 'attention_dropout', modelType),
    activationDropout: rate(raw, 'activation_dropout', modelType),
    tieWordEmbeddings: tied as boolean,
  };
}

/**
 * {@link ModelConfig} of a BART-family config.json (`bart`, `mbart`, `marian`), its settings
 * validated: `hiddenSize` is `d_model`; `numLayers`, `numHeads` describe the decoder (what
 * `zeroValues` and `hiddenStates` index); `vocabSize` is the logits width; `decoderStartTokenId`
 * is required.
 *
 * @throws {@link ModelLoadError} `'UNSUPPORTED_MODEL'` for another `model_type`, an unsupported
 * activation or `is_encoder_decoder: false`; `'INVALID_FILE'` for a malformed value.
 */
export function parseBartConfig(raw: Record<string, unknown>): ModelConfig {
  const modelType = raw.model_type as BartModelType;
  if (!bartModelTypes.includes(modelType)) {
    throw new ModelLoadError(`parseBartConfig reads model_type ${bartModelTypes.join(', ')}, got ${untrustedJson(raw.model_type)}.`, {
      code: 'UNSUPPORTED_MODEL',
    });
  }
  const base = modelConfigFromHf({ ...raw, is_encoder_decoder: raw.is_encoder_decoder ?? true });
  const probe = bartSettings({ ...base, raw });
  return encoderDecoderConfig(base, raw, {
    hiddenSize: probe.dModel,
    numLayers: probe.decoder.layers,
    numHeads: probe.decoder.heads,
    maxPositions: probe.maxPositions,
    vocabSize: probe.decoderVocab,
  });
}
