import { BackendError, type IntTensor, InvalidInputError, type ModelConfig, float32ToFloat16Bits } from '@inseq/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import type { OrtRuntime } from '../ort-runtime';
import { kvCacheShape } from '../onnx/ort-graph-layout';
import { emptyFloatTensor } from '../ort-tensor-data';

/** The graphs of one encoder-decoder export, opened in ONNX Runtime. */
export interface OrtSeq2SeqSessions {
  /** `encoder_model.onnx`: `input_ids`, `attention_mask` → `last_hidden_state` (and `encoder_attentions.{i}` when exported with attentions). */
  readonly encoder: InferenceSession;
  /** `decoder_model.onnx`: `input_ids`, `encoder_attention_mask`, `encoder_hidden_states` → `logits`, `present.*`. */
  readonly decoder: InferenceSession;
  /** `decoder_with_past_model.onnx` when the folder has it, or the merged decoder: the decoder fed from a KV cache. */
  readonly decoderWithPast?: InferenceSession;
  /**
   * Whether `decoder` (and `decoderWithPast`, the same session) is `decoder_model_merged.onnx`,
   * which takes every past input and `use_cache_branch`: an empty past with `false` for a pass
   * without a cache, the cache with `true` after it.
   */
  readonly merged: boolean;
}

/**
 * Extra feeds of a merged decoder (none for the others): without a cache an empty past
 * `[rows, heads, 0, headDim]` of every layer and `use_cache_branch` false, as transformers.js
 * feeds it; with a cache `use_cache_branch` true.
 */
export function mergedDecoderFeeds(sessions: OrtSeq2SeqSessions, Tensor: OrtRuntime['Tensor'], config: ModelConfig, rows: number, cached: boolean): Record<string, OrtTensor> {
  if (!sessions.merged) return {};
  const feeds: Record<string, OrtTensor> = { use_cache_branch: new Tensor('bool', new Uint8Array([cached ? 1 : 0]), [1]) };
  if (cached) return feeds;
  const past = seq2seqPastNames(config.numLayers);
  const type = declaredFloatType(sessions.decoder, past.decoder[0]);
  const { heads, headDim } = kvCacheShape(config);
  for (const name of [...past.decoder, ...past.encoder]) feeds[name] = emptyFloatTensor(Tensor, type, [rows, heads, 0, headDim]);
  return feeds;
}

/** Optimum's cache names of an encoder-decoder decoder: `past_key_values.{i}.decoder.key/value` (self-attention) and `.encoder.` (cross-attention). */
export function seq2seqPastNames(numLayers: number): { readonly decoder: string[]; readonly encoder: string[] } {
  const names = (side: string) => Array.from({ length: numLayers }, (_, layer) => [`past_key_values.${layer}.${side}.key`, `past_key_values.${layer}.${side}.value`]).flat();
  return { decoder: names('decoder'), encoder: names('encoder') };
}

/** The element type `session` declares for the float input `name` (float16 in `_fp16` exports). */
function declaredFloatType(session: InferenceSession, name: string): 'float32' | 'float16' {
  const declared = (session.inputMetadata ?? []).find((meta) => meta.name === name);
  return declared?.isTensor && declared.type === 'float16' ? 'float16' : 'float32';
}

/** `encoder_hidden_states` for `session`, in the type it declares (float16 bits for `_fp16` exports). */
export function encoderStatesFeed(session: InferenceSession, Tensor: OrtRuntime['Tensor'], data: Float32Array, dims: readonly number[]): OrtTensor {
  return declaredFloatType(session, 'encoder_hidden_states') === 'float16' ? new Tensor('float16', float32ToFloat16Bits(data), [...dims]) : new Tensor('float32', data, [...dims]);
}

/** An int64 ORT tensor of `values`. */
export const int64Tensor = (Tensor: OrtRuntime['Tensor'], values: ArrayLike<number>, shape: readonly number[]): OrtTensor =>
  new Tensor('int64', BigInt64Array.from({ length: values.length }, (_, i) => BigInt(values[i])), [...shape]);

/** Rows `rows` of a row-major `[batch, width]` array, columns `from..width`. */
export function gatherRows<T extends Float32Array | Int32Array>(data: T, width: number, rows: readonly number[], from = 0): T {
  const out = new (data.constructor as new (length: number) => T)(rows.length * (width - from));
  rows.forEach((row, r) => {
    out.set(data.subarray(row * width + from, (row + 1) * width), r * (width - from));
  });
  return out;
}

/**
 * Runs `session` on the feeds it declares (transformers.js's `pick(inputs, session.inputNames)`),
 * wrapping ONNX Runtime's error; every feed not in `keep` is disposed either way.
 */
export async function runSeq2SeqSession(
  session: InferenceSession,
  feeds: Record<string, OrtTensor>,
  what: string,
  keep: ReadonlySet<OrtTensor> = new Set(),
): Promise<InferenceSession.ReturnType> {
  const picked = Object.fromEntries(session.inputNames.map((name) => [name, feeds[name]]));
  try {
    return await session.run(picked);
  } catch (cause) {
    throw new BackendError(`ONNX Runtime failed on ${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause: cause });
  } finally {
    for (const tensor of Object.values(feeds)) if (!keep.has(tensor)) tensor.dispose();
  }
}

/**
 * Rows grouped by their count of left-padding columns. Optimum's decoder takes no attention mask
 * and places tokens at positions 0… of what it is fed, so each group is fed without its padding:
 * exactly the unpadded rows, as the mask asks.
 */
export function groupByPadding(mask: IntTensor): Map<number, number[]> {
  const [batch, seq] = mask.shape;
  const groups = new Map<number, number[]>();
  for (let b = 0; b < batch; b++) {
    let pad = 0;
    while (pad < seq && mask.data[b * seq + pad] === 0) pad++;
    for (let s = pad; s < seq; s++) {
      if (mask.data[b * seq + s] !== 1) {
        throw new InvalidInputError(`Row ${b} of attentionMask has padding at column ${s} after tokens; the decoder side must be padded on the left only.`);
      }
    }
    groups.set(pad, [...(groups.get(pad) ?? []), b]);
  }
  return groups;
}
