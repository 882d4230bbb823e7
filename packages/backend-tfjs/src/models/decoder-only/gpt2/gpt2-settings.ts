import { ModelLoadError, type ModelConfig } from '@inseq/core';

/** Activations GPT-2 configs name in `activation_function` that this port implements. */
export const gpt2Activations = Object.freeze(['gelu_new', 'gelu_pytorch_tanh', 'gelu', 'relu'] as const);

/** The GPT-2 hyperparameters of config.json beyond {@link ModelConfig}, defaults filled as HF `GPT2Config` does. */
export interface Gpt2Settings {
  /** `layer_norm_epsilon`. @defaultValue 1e-5 */
  readonly layerNormEpsilon: number;
  /** `activation_function`. @defaultValue 'gelu_new' */
  readonly activation: (typeof gpt2Activations)[number];
  /** `n_inner`, the MLP width. @defaultValue 4 * n_embd */
  readonly innerSize: number;
  /** `tie_word_embeddings`: the LM head reuses `wte`. @defaultValue true */
  readonly tieWordEmbeddings: boolean;
  /** `scale_attn_weights`: divide scores by sqrt(headDim). @defaultValue true */
  readonly scaleAttentionWeights: boolean;
  /** `scale_attn_by_inverse_layer_idx`: also divide layer i's scores by i + 1. @defaultValue false */
  readonly scaleAttentionByInverseLayerIndex: boolean;
  /** `embd_pdrop`: dropout after the embeddings (only in dropout passes). @defaultValue 0.1 */
  readonly embeddingDropout: number;
  /** `attn_pdrop`: dropout on the attention weights. @defaultValue 0.1 */
  readonly attentionDropout: number;
  /** `resid_pdrop`: dropout on the attention and MLP outputs. @defaultValue 0.1 */
  readonly residualDropout: number;
}

function invalid(message: string): never {
  throw new ModelLoadError(`config.json of the gpt2 model: ${message}`, { code: 'INVALID_FILE' });
}

/**
 * Reads the GPT-2-specific settings from `config.raw`, validating each; defaults as HF
 * `GPT2Config`. Throws {@link ModelLoadError} `'INVALID_FILE'` (bad value) or
 * `'UNSUPPORTED_MODEL'` (an activation or attention variant this port does not implement).
 */
export function gpt2Settings(config: ModelConfig): Gpt2Settings {
  const raw = config.raw;
  const layerNormEpsilon = raw.layer_norm_epsilon ?? 1e-5;
  if (typeof layerNormEpsilon !== 'number' || !(layerNormEpsilon > 0)) {
    invalid(`layer_norm_epsilon must be a positive number, got ${JSON.stringify(raw.layer_norm_epsilon)}.`);
  }
  const activation = raw.activation_function ?? 'gelu_new';
  if (!gpt2Activations.includes(activation as Gpt2Settings['activation'])) {
    throw new ModelLoadError(
      `config.json of the gpt2 model: activation_function ${JSON.stringify(activation)} is not supported; supported: ${gpt2Activations.join(', ')}.`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  const innerSize = raw.n_inner ?? 4 * config.hiddenSize;
  if (!Number.isSafeInteger(innerSize) || (innerSize as number) <= 0) {
    invalid(`n_inner must be a positive integer or null, got ${JSON.stringify(raw.n_inner)}.`);
  }
  return {
    layerNormEpsilon,
    activation: activation as Gpt2Settings['activation'],
    innerSize: innerSize as number,
    tieWordEmbeddings: booleanSetting(raw, 'tie_word_embeddings', true),
    scaleAttentionWeights: booleanSetting(raw, 'scale_attn_weights', true),
    scaleAttentionByInverseLayerIndex: booleanSetting(raw, 'scale_attn_by_inverse_layer_idx', false),
    embeddingDropout: probabilitySetting(raw, 'embd_pdrop'),
    attentionDropout: probabilitySetting(raw, 'attn_pdrop'),
    residualDropout: probabilitySetting(raw, 'resid_pdrop'),
  };
}

/** A dropout rate in [0, 1); HF `GPT2Config` defaults each to 0.1. */
function probabilitySetting(raw: Readonly<Record<string, unknown>>, key: string): number {
  const value = raw[key] ?? 0.1;
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) invalid(`${key} must be a number in [0, 1), got ${JSON.stringify(raw[key])}.`);
  return value as number;
}

function booleanSetting(raw: Readonly<Record<string, unknown>>, key: string, fallback: boolean): boolean {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'boolean') invalid(`${key} must be true or false, got ${JSON.stringify(value)}.`);
  return value as boolean;
}
