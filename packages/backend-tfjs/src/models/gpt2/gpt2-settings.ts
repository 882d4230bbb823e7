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
  };
}

function booleanSetting(raw: Readonly<Record<string, unknown>>, key: string, fallback: boolean): boolean {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'boolean') invalid(`${key} must be true or false, got ${JSON.stringify(value)}.`);
  return value as boolean;
}
