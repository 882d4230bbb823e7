import { type ModelConfig, ModelLoadError, modelConfigFromHf } from '@inseq/core';

/** The first id of a `generation_config.json` `eos_token_id` (a number or a list), if any. */
function firstTokenId(value: unknown): number | undefined {
  const id = Array.isArray(value) ? value[0] : value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/**
 * The `model_type`s whose decoder-only exports this backend runs: the graph does the model's
 * work, so the backend only needs the Optimum input/output layout and the KV cache's shape.
 */
export const ortModelTypes = Object.freeze(['gpt2', 'llama', 'mistral', 'qwen2', 'gemma'] as const);

/**
 * The `model_type`s whose encoder-decoder exports (`is_encoder_decoder: true`; `encoder_model.onnx`
 * and `decoder_model.onnx`, optionally `decoder_with_past_model.onnx`) this backend runs.
 */
export const ortEncoderDecoderModelTypes = Object.freeze(['marian', 'bart', 'mbart', 't5'] as const);

/** A positive integer of config.json, or undefined. */
function size(raw: Record<string, unknown>, key: string): number | undefined {
  const value = raw[key];
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/**
 * Normalises a `config.json` (decoder-only, or encoder-decoder with the decoder's sizes from `d_model`,
 * `decoder_layers`, `decoder_attention_heads`) into a {@link ModelConfig} with core's `modelConfigFromHf`,
 * after checking that this backend runs its `model_type`. With a `generation_config.json`, its
 * `eos_token_id` (a number, or the first of a list) wins over config.json's, as in HF generation.
 *
 * @throws {@link ModelLoadError} `'UNSUPPORTED_MODEL'` for another `model_type`, `'INVALID_FILE'`
 * for a malformed size.
 */
export function parseOrtConfig(raw: Record<string, unknown>, generation?: Record<string, unknown>): ModelConfig {
  const encoderDecoder = raw.is_encoder_decoder === true;
  const types: readonly string[] = encoderDecoder ? ortEncoderDecoderModelTypes : ortModelTypes;
  if (!types.includes(raw.model_type as string)) {
    const [kind, other] = encoderDecoder ? ['encoder-decoder', 'decoder-only'] : ['decoder-only', 'encoder-decoder'];
    const otherTypes = encoderDecoder ? ortModelTypes : ortEncoderDecoderModelTypes;
    throw new ModelLoadError(
      `The ort backend runs ${kind} exports of model_type ${types.join(', ')}; got ${JSON.stringify(raw.model_type)}` +
        `${encoderDecoder ? ' (is_encoder_decoder: true)' : ''}. It runs ${other} exports of ${otherTypes.join(', ')}.`,
      { code: 'UNSUPPORTED_MODEL' },
    );
  }
  let config = modelConfigFromHf(raw);
  if (encoderDecoder) {
    // BART-family configs name their sizes d_model / decoder_layers / decoder_attention_heads
    // (HF's attribute_map); the decoder's are the ones the KV cache and the logits follow.
    // (T5 says num_decoder_layers / num_layers / num_heads, and sizes heads by d_kv.)
    config = {
      ...config,
      hiddenSize: size(raw, 'd_model') ?? config.hiddenSize,
      numLayers: size(raw, 'decoder_layers') ?? size(raw, 'num_decoder_layers') ?? size(raw, 'num_layers') ?? config.numLayers,
      numHeads: size(raw, 'decoder_attention_heads') ?? size(raw, 'num_heads') ?? config.numHeads,
    };
  }
  const eosTokenId = firstTokenId(generation?.eos_token_id);
  return eosTokenId === undefined ? config : { ...config, eosTokenId };
}
