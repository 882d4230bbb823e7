import type { ModelConfig } from '@inseq/core';
import type { Tensor as OrtTensor } from 'onnxruntime-common';
import type { OrtRuntime } from '../ort-runtime';
import { emptyFloatTensor, type OrtFloatType } from '../ort-tensor-data';

/**
 * What an Optimum export declares beyond `input_ids` / `attention_mask` / `logits`: optional
 * `position_ids`, the KV cache (`past_key_values.{i}.key/value` in, `present.{i}.key/value` out)
 * and per-layer attention weights (`attentions.{i}`).
 */
export interface OrtGraphLayout {
  readonly usesPositionIds: boolean;
  /** Whether the graph takes `past_key_values.{i}.key/value`, `[batch, heads, pastLength, headDim]`. */
  readonly withPast: boolean;
  /** Whether the graph returns `attentions.{i}`, `[batch, heads, sequenceLength, pastLength + sequenceLength]`. */
  readonly withAttentions: boolean;
  /** Element type of `past_key_values.*` (and `present.*`): float16 in `_fp16` exports. */
  readonly pastType: OrtFloatType;
  /**
   * Whether the graph takes Optimum's `use_cache_branch` (bool `[1]`, `decoder_model_merged.onnx`):
   * fed `false` with an empty past, `true` with a cache.
   */
  readonly cacheBranch: boolean;
}

/** The `use_cache_branch` feed of a merged decoder: whether the past fed with it holds tokens. */
export function cacheBranchFeed(Tensor: OrtRuntime['Tensor'], cached: boolean): OrtTensor {
  return new Tensor('bool', new Uint8Array([cached ? 1 : 0]), [1]);
}

/** `past_key_values.{layer}.key` and `.value` for every layer, in model order. */
export function pastInputNames(numLayers: number): string[] {
  return Array.from({ length: numLayers }, (_, layer) => [`past_key_values.${layer}.key`, `past_key_values.${layer}.value`]).flat();
}

/** Reads the layout from a session's input and output names. */
export function ortGraphLayout(
  inputNames: readonly string[],
  outputNames: readonly string[],
  config: ModelConfig,
  inputTypes: Readonly<Record<string, string>> = {},
): OrtGraphLayout {
  const past = pastInputNames(config.numLayers);
  const present = past.map((name) => name.replace('past_key_values', 'present'));
  const attentions = Array.from({ length: config.numLayers }, (_, layer) => `attentions.${layer}`);
  return {
    usesPositionIds: inputNames.includes('position_ids'),
    withPast: past.every((name) => inputNames.includes(name)) && present.every((name) => outputNames.includes(name)),
    withAttentions: attentions.every((name) => outputNames.includes(name)),
    pastType: inputTypes[past[0]] === 'float16' ? 'float16' : 'float32',
    cacheBranch: inputNames.includes('use_cache_branch'),
  };
}

/**
 * Heads and head size of the KV cache: `num_key_value_heads` (grouped-query attention, Llama
 * family) or the attention heads, and `head_dim` or hidden / heads.
 */
export function kvCacheShape(config: ModelConfig): { readonly heads: number; readonly headDim: number } {
  const heads = config.raw.num_key_value_heads;
  // Llama's head_dim, T5's d_kv; otherwise hidden / heads.
  const headDim = config.raw.head_dim ?? config.raw.d_kv;
  return {
    heads: typeof heads === 'number' ? heads : config.numHeads,
    headDim: typeof headDim === 'number' ? headDim : config.hiddenSize / config.numHeads,
  };
}

/** Past tensors of length 0, `[batch, heads, 0, headDim]`: the graph then runs as one without a cache. */
export function emptyPast(
  Tensor: OrtRuntime['Tensor'],
  batch: number,
  config: ModelConfig,
  pastType: OrtFloatType = 'float32',
): Record<string, OrtTensor> {
  const { heads, headDim } = kvCacheShape(config);
  const feeds: Record<string, OrtTensor> = {};
  for (const name of pastInputNames(config.numLayers)) feeds[name] = emptyFloatTensor(Tensor, pastType, [batch, heads, 0, headDim]);
  return feeds;
}
