import { type ModelConfig, ModelLoadError, modelConfigFromHf, untrustedJson } from '@inseq/core';

/** `model_type`s of the Llama shape this port implements (see {@link llamaSettings} for their differences). */
export const llamaModelTypes = Object.freeze(['llama', 'mistral', 'qwen2', 'gemma'] as const);

/** Activations the MLP gate may use (`hidden_act` / gemma's `hidden_activation`). */
export const llamaActivations = Object.freeze(['silu', 'gelu_pytorch_tanh', 'gelu'] as const);

/** The Llama-family hyperparameters beyond {@link ModelConfig}, defaults as HF `LlamaConfig`. */
export interface LlamaSettings {
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly rmsNormEpsilon: number;
  readonly activation: (typeof llamaActivations)[number];
  /** q/k/v projection biases (qwen2 always; llama's `attention_bias`). */
  readonly attentionBias: boolean;
  /** o_proj bias (llama's `attention_bias` also adds it; qwen2 has none). */
  readonly outputBias: boolean;
  /** `mlp_bias`: gate/up/down biases. */
  readonly mlpBias: boolean;
  readonly tieWordEmbeddings: boolean;
  /** Gemma: embeddings × √hidden and RMSNorm scaling by `1 + weight`. */
  readonly gemma: boolean;
  /** RoPE inverse frequencies `[headDim / 2]`, `rope_scaling` applied. */
  readonly inverseFrequencies: Float64Array;
  /** Keys further back than this many positions are masked (Mistral/Qwen2 sliding window); undefined: none. */
  readonly slidingWindow?: number;
  /** `attention_dropout` (only in dropout passes). */
  readonly attentionDropout: number;
}

function invalid(modelType: string, message: string): never {
  throw new ModelLoadError(`config.json of the ${modelType} model: ${message}`, { code: 'INVALID_FILE' });
}

function positive(raw: Readonly<Record<string, unknown>>, key: string, fallback: number | undefined, modelType: string): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !(value > 0)) invalid(modelType, `${key} must be a positive number, got ${untrustedJson(raw[key])}.`);
  return value as number;
}

/**
 * RoPE inverse frequencies `1 / θ^(2i/d)` with `rope_scaling` as transformers applies it: `linear`
 * divides by `factor`; `llama3` keeps wavelengths under `original / high_freq_factor`, divides
 * those over `original / low_freq_factor` by `factor` and interpolates between.
 */
function inverseFrequencies(raw: Readonly<Record<string, unknown>>, headDim: number, modelType: string): Float64Array {
  const theta = positive(raw, 'rope_theta', 10000, modelType);
  const inv = Float64Array.from({ length: headDim / 2 }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  const scaling = raw.rope_scaling as Record<string, unknown> | null | undefined;
  if (scaling == null) return inv;
  const type = scaling.rope_type ?? scaling.type;
  if (type === 'default') return inv;
  const factor = positive(scaling, 'factor', undefined, modelType);
  if (type === 'linear') return inv.map((f) => f / factor);
  if (type === 'llama3') {
    const low = positive(scaling, 'low_freq_factor', undefined, modelType);
    const high = positive(scaling, 'high_freq_factor', undefined, modelType);
    const original = positive(scaling, 'original_max_position_embeddings', undefined, modelType);
    return inv.map((f) => {
      const wavelength = (2 * Math.PI) / f;
      if (wavelength < original / high) return f;
      if (wavelength > original / low) return f / factor;
      const smooth = (original / wavelength - low) / (high - low);
      return (1 - smooth) * (f / factor) + smooth * f;
    });
  }
  throw new ModelLoadError(
    `config.json of the ${modelType} model: rope_scaling type ${untrustedJson(type)} is not supported; supported: default, linear, llama3.`,
    { code: 'UNSUPPORTED_MODEL' },
  );
}

/**
 * Reads and validates the Llama-family settings (`llama`, `mistral`, `qwen2`, `gemma`) from
 * `config.raw`. Family differences as in transformers: qwen2 has q/k/v biases; gemma scales the
 * embeddings by √hidden, scales RMSNorm by `1 + weight`, uses tanh GELU and ties the embeddings.
 */
export function llamaSettings(config: ModelConfig): LlamaSettings {
  const raw = config.raw;
  const type = config.modelType;
  const numKeyValueHeads = positive(raw, 'num_key_value_heads', config.numHeads, type);
  if (!Number.isInteger(numKeyValueHeads) || config.numHeads % numKeyValueHeads !== 0) {
    invalid(type, `num_key_value_heads (${numKeyValueHeads}) must divide num_attention_heads (${config.numHeads}).`);
  }
  const headDim = positive(raw, 'head_dim', config.hiddenSize / config.numHeads, type);
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) invalid(type, `head_dim must be an even integer, got ${headDim}.`);
  const gemma = type === 'gemma';
  const activation = (gemma ? (raw.hidden_activation ?? raw.hidden_act ?? 'gelu_pytorch_tanh') : (raw.hidden_act ?? 'silu')) as string;
  if (!llamaActivations.includes(activation as LlamaSettings['activation'])) {
    throw new ModelLoadError(
      `config.json of the ${type} model: hidden_act ${untrustedJson(activation)} is not supported; supported: ${llamaActivations.join(', ')}.`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  const bias = raw.attention_bias === true;
  const window = raw.sliding_window;
  const windowed = typeof window === 'number' && window > 0 && (type === 'mistral' || (type === 'qwen2' && raw.use_sliding_window === true));
  const dropout = raw.attention_dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) invalid(type, `attention_dropout must be in [0, 1), got ${untrustedJson(dropout)}.`);
  return {
    numKeyValueHeads,
    headDim,
    intermediateSize: positive(raw, 'intermediate_size', undefined, type),
    rmsNormEpsilon: positive(raw, 'rms_norm_eps', 1e-6, type),
    activation: activation as LlamaSettings['activation'],
    attentionBias: type === 'qwen2' || bias,
    outputBias: type !== 'qwen2' && bias,
    mlpBias: raw.mlp_bias === true,
    tieWordEmbeddings: (raw.tie_word_embeddings ?? gemma) === true,
    gemma,
    inverseFrequencies: inverseFrequencies(raw, headDim, type),
    ...(windowed && { slidingWindow: window as number }),
    attentionDropout: dropout as number,
  };
}

/** {@link ModelConfig} of a Llama-family config.json, its settings validated. */
export function parseLlamaConfig(raw: Record<string, unknown>): ModelConfig {
  if (!llamaModelTypes.includes(raw.model_type as (typeof llamaModelTypes)[number])) {
    throw new ModelLoadError(`parseLlamaConfig reads model_type ${llamaModelTypes.join(', ')}, got ${untrustedJson(raw.model_type)}.`, {
      code: 'UNSUPPORTED_MODEL',
    });
  }
  const config = modelConfigFromHf(raw);
  llamaSettings(config);
  return config;
}
