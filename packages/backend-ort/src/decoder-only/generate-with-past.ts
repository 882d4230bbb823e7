import { BackendError, type GenerateOptions, InvalidInputError, type ModelConfig, checkForwardInput, padLeft } from '@inseq/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import { cacheBranchFeed, emptyPast, pastInputNames } from '../onnx/ort-graph-layout';
import type { OrtRuntime } from '../ort-runtime';
import { type OrtFloatType, readFloat32 } from '../ort-tensor-data';

const int64 = (Tensor: OrtRuntime['Tensor'], values: readonly number[], shape: readonly number[]) =>
  new Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [...shape]);

/** Index of the largest of `vocab` logits starting at `offset` (first on ties, as the loop's greedy decoding). */
function argmax(logits: Float32Array, offset: number, vocab: number): number {
  let best = 0;
  for (let v = 1; v < vocab; v++) if (logits[offset + v] > logits[offset + best]) best = v;
  return best;
}

/**
 * Greedy decoding of a left-padded batch with the graph's KV cache: one pass over the prompts with
 * an empty past, then one token per step with `present.*` fed back as `past_key_values.*`. Rows that
 * met a stop id keep receiving `padId` so the batch stays rectangular; their outputs are ignored.
 * Same contract as the loop's `generateGreedy`: stop ids are not included; returns prompt + new tokens.
 * float16 exports (`_fp16`: float16 logits and cache) are read and fed in their own type.
 */
export async function generateWithPast(
  session: InferenceSession,
  Tensor: OrtRuntime['Tensor'],
  config: ModelConfig,
  prompts: readonly (readonly number[])[],
  options: GenerateOptions & {
    readonly usesPositionIds: boolean;
    /** Element type of the graph's KV cache. @defaultValue the type of `past_key_values.0.key` in the session's input metadata */
    readonly pastType?: OrtFloatType;
  },
): Promise<number[][]> {
  const sequences = prompts.map((prompt) => [...prompt]);
  if (prompts.length === 0 || options.maxNewTokens <= 0) return sequences;
  const padded = padLeft(prompts, options.padId);
  const [batch, width] = checkForwardInput(padded, config, { backend: 'ort', call: 'generate' });
  if (width + options.maxNewTokens - 1 > config.maxPositions) {
    throw new InvalidInputError(
      `A ${width}-token batch plus ${options.maxNewTokens} new tokens exceeds the model's ${config.maxPositions} positions (n_positions); ` +
        `use maxNewTokens <= ${config.maxPositions - width + 1} or a shorter input.`, { code: 'INPUT_TOO_LONG' },
    );
  }
  const mask = Array.from(padded.attentionMask.data);
  // Position of each row's next token: its count of real tokens (HF: cumsum(mask) - 1 at the new column).
  const nextPosition = prompts.map((prompt) => prompt.length);
  const pastNames = pastInputNames(config.numLayers);
  const done = prompts.map(() => false);
  const declared = (session.inputMetadata ?? []).find((meta) => meta.name === pastNames[0]);
  const pastType = options.pastType ?? (declared?.isTensor && declared.type === 'float16' ? 'float16' : 'float32');
  let past: Record<string, OrtTensor> = emptyPast(Tensor, batch, config, pastType);
  let ids = Array.from(padded.inputIds.data);
  // Prompt positions: cumsum(mask) - 1, padding set to 1 (as HF generation).
  let positions = new Array<number>(batch * width);
  for (let b = 0; b < batch; b++) {
    let seen = 0;
    for (let s = 0; s < width; s++) {
      seen += mask[b * width + s];
      positions[b * width + s] = mask[b * width + s] === 0 ? 1 : seen - 1;
    }
  }
  let length = width;
  let fed = width;
  try {
    for (let step = 0; step < options.maxNewTokens; step++) {
      const feeds: Record<string, OrtTensor> = {
        ...past,
        input_ids: int64(Tensor, ids, [batch, fed]),
        attention_mask: int64(Tensor, mask, [batch, length]),
      };
      if (options.usesPositionIds) feeds.position_ids = int64(Tensor, positions, [batch, fed]);
      // Optimum's merged decoder: the branch without a cache for the prompt, the one with it after.
      if (session.inputNames.includes('use_cache_branch')) feeds.use_cache_branch = cacheBranchFeed(Tensor, step > 0);
      // An export exposing value zeroing (inseq-ts's convention) takes a mask of ones when nothing is zeroed.
      if (session.inputNames.includes('value_zeroing_mask')) {
        feeds.value_zeroing_mask = new Tensor('float32', new Float32Array(batch * config.numLayers * length).fill(1), [batch, config.numLayers, length]);
      }
      let output: InferenceSession.ReturnType;
      try {
        output = await session.run(feeds);
      } catch (cause) {
        throw new BackendError(`ONNX Runtime failed while generating token ${step + 1} of a batch of ${batch}: ${(cause as Error)?.message ?? String(cause)}`, { cause: cause });
      } finally {
        for (const name of ['input_ids', 'attention_mask', 'position_ids', 'value_zeroing_mask', 'use_cache_branch']) feeds[name]?.dispose();
        for (const name of pastNames) past[name].dispose();
        past = {};
      }
      const logits = output.logits;
      const vocab = logits.dims[2];
      const data = readFloat32(logits, 'logits');
      for (let b = 0; b < batch; b++) {
        if (done[b]) continue;
        const best = argmax(data, (b * fed + fed - 1) * vocab, vocab);
        if (options.stopIds.includes(best)) done[b] = true;
        else sequences[b].push(best);
      }
      for (const name of pastNames) past[name] = output[name.replace('past_key_values', 'present')];
      for (const [name, tensor] of Object.entries(output)) if (!name.startsWith('present.')) tensor.dispose();
      if (step + 1 >= options.maxNewTokens || done.every(Boolean)) break;
      ids = sequences.map((sequence, b) => (done[b] ? options.padId : sequence[sequence.length - 1]));
      positions = [...nextPosition];
      for (let b = 0; b < batch; b++) nextPosition[b]++;
      const widened: number[] = [];
      for (let b = 0; b < batch; b++) widened.push(...mask.slice(b * length, (b + 1) * length), 1);
      mask.splice(0, mask.length, ...widened);
      length++;
      fed = 1;
    }
  } finally {
    for (const tensor of Object.values(past)) tensor.dispose();
  }
  return sequences;
}
