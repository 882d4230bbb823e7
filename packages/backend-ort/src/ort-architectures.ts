import { createRegistry, type ModelArchitecture, type ModelConfig, ModelLoadError, modelConfigFromHf, type Registry, untrustedJson } from '@inseq/core';
import { hfLayerNames } from './hf-layer-names';

/**
 * A model family as the ort backend loads it: core's {@link ModelArchitecture}, plus the Hugging
 * Face module names of its layers (capability `layerActivations`), found in an export's graph by
 * torch.onnx's node scopes.
 */
export interface OrtArchitecture extends ModelArchitecture {
  /**
   * The layer names `layer` accepts, in model order, for a model of `numLayers` (decoder) blocks
   * and config.json `raw` (HF `named_modules()` names: `transformer.h.3`, `model.layers.0.mlp`,
   * `model.encoder.layers.1.fc2`); the first is the token embedding lookup (for an
   * encoder-decoder family, each stack's `….embed_tokens`). Without it the family offers no layer methods.
   */
  readonly layerNames?: (numLayers: number, raw: Readonly<Record<string, unknown>>) => string[];
}

/** The layer names `architecture` declares (an {@link OrtArchitecture}), if any. */
export function ortLayerNamesOf(architecture: ModelArchitecture): ((numLayers: number, raw: Readonly<Record<string, unknown>>) => string[]) | undefined {
  const layerNames = (architecture as OrtArchitecture).layerNames;
  return typeof layerNames === 'function' ? layerNames : undefined;
}

/** The first id of a `generation_config.json` `eos_token_id` (a number or a list), if any. */
function firstTokenId(value: unknown): number | undefined {
  const id = Array.isArray(value) ? value[0] : value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/** A positive integer of config.json, or undefined. */
function size(raw: Record<string, unknown>, key: string): number | undefined {
  const value = raw[key];
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/**
 * The {@link ModelConfig} of a decoder-only export's config.json: core's `modelConfigFromHf`; the
 * graph does the model's work, so the backend only needs the sizes of the KV cache and the logits.
 */
export function parseOrtDecoderOnlyConfig(raw: Record<string, unknown>): ModelConfig {
  return modelConfigFromHf(raw);
}

/**
 * The {@link ModelConfig} of an encoder-decoder export's config.json: core's `modelConfigFromHf`
 * with the decoder's sizes, which the KV cache and the logits follow — BART-family configs name
 * them `d_model` / `decoder_layers` / `decoder_attention_heads` (HF's attribute_map), T5's
 * `num_decoder_layers` / `num_layers` / `num_heads`.
 */
export function parseOrtEncoderDecoderConfig(raw: Record<string, unknown>): ModelConfig {
  const config = modelConfigFromHf(raw);
  return {
    ...config,
    hiddenSize: size(raw, 'd_model') ?? config.hiddenSize,
    numLayers: size(raw, 'decoder_layers') ?? size(raw, 'num_decoder_layers') ?? size(raw, 'num_layers') ?? config.numLayers,
    numHeads: size(raw, 'decoder_attention_heads') ?? size(raw, 'num_heads') ?? config.numHeads,
  };
}

/**
 * A new registry of the model families whose ONNX exports this backend runs (a fresh one on every
 * call, so what one caller registers is seen by no other): decoder-only gpt2, llama, mistral,
 * qwen2, gemma (the Optimum input/output layout, optionally a KV cache) and encoder-decoder marian,
 * bart, mbart, t5 (`encoder_model.onnx` with `decoder_model.onnx` or `decoder_model_merged.onnx`).
 * Each is an {@link OrtArchitecture} with HF layer names (`hfLayerNames`).
 * Register a family into it and pass it to `createOrtBackendLoader({ architectures })` or
 * `loadOrtBackend(files, { architectures })`; give it `layerNames` for layer methods.
 *
 * @example
 * const architectures = ortArchitectures().register({ name: 'my_gpt2', kind: 'decoder-only', parseConfig: parseOrtDecoderOnlyConfig, layerNames: hfLayerNames.gpt2 });
 */
export function ortArchitectures(): Registry<ModelArchitecture> {
  const registry = createRegistry<ModelArchitecture>('ort architecture');
  const decoderOnly = (name: string, layerNames: (numLayers: number) => string[]): OrtArchitecture => ({
    name,
    kind: 'decoder-only',
    parseConfig: parseOrtDecoderOnlyConfig,
    layerNames,
  });
  registry.register(decoderOnly('gpt2', hfLayerNames.gpt2));
  for (const name of ['llama', 'mistral', 'qwen2', 'gemma']) registry.register(decoderOnly(name, hfLayerNames.llama));
  const encoderDecoder = (name: string, layerNames: OrtArchitecture['layerNames']): OrtArchitecture => ({
    name,
    kind: 'encoder-decoder',
    parseConfig: parseOrtEncoderDecoderConfig,
    layerNames,
  });
  for (const name of ['marian', 'bart', 'mbart']) registry.register(encoderDecoder(name, hfLayerNames.bart));
  registry.register(encoderDecoder('t5', hfLayerNames.t5));
  return registry;
}

/**
 * The architecture of config.json's `model_type` in `architectures`, when its kind matches
 * `is_encoder_decoder`.
 *
 * @throws {@link ModelLoadError} `'UNSUPPORTED_MODEL'` otherwise, naming the registry's types of both kinds.
 */
export function ortArchitectureFor(raw: Record<string, unknown>, architectures: Registry<ModelArchitecture>): ModelArchitecture {
  const encoderDecoder = raw.is_encoder_decoder === true;
  const kind = encoderDecoder ? 'encoder-decoder' : 'decoder-only';
  const modelType = raw.model_type;
  const architecture = typeof modelType === 'string' && architectures.has(modelType) ? architectures.get(modelType) : undefined;
  if (architecture?.kind === kind) return architecture;
  const namesOf = (wanted: string) => architectures.values().filter((entry) => entry.kind === wanted).map((entry) => entry.name);
  const other = encoderDecoder ? 'decoder-only' : 'encoder-decoder';
  throw new ModelLoadError(
    `The ort backend runs ${kind} exports of model_type ${namesOf(kind).join(', ')}; got ${untrustedJson(modelType)}` +
      `${encoderDecoder ? ' (is_encoder_decoder: true)' : ''}. It runs ${other} exports of ${namesOf(other).join(', ')}.`,
    { code: 'UNSUPPORTED_MODEL' },
  );
}

/**
 * Normalises a `config.json` into a {@link ModelConfig} with the parser of its `model_type` in
 * `architectures` (decoder-only, or encoder-decoder with the decoder's sizes), after checking that
 * this backend runs it. With a `generation_config.json`, its `eos_token_id` (a number, or the first
 * of a list) wins over config.json's, as in HF generation.
 *
 * @param architectures - where `model_type` is looked up. @defaultValue {@link ortArchitectures}
 * @throws {@link ModelLoadError} `'UNSUPPORTED_MODEL'` for another `model_type`, `'INVALID_FILE'`
 * for a malformed size.
 */
export function parseOrtConfig(
  raw: Record<string, unknown>,
  generation?: Record<string, unknown>,
  architectures: Registry<ModelArchitecture> = ortArchitectures(),
): ModelConfig {
  const config = ortArchitectureFor(raw, architectures).parseConfig(raw);
  const eosTokenId = firstTokenId(generation?.eos_token_id);
  return eosTokenId === undefined ? config : { ...config, eosTokenId };
}
