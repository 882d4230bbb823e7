import { type ForwardInput, type GradientInput, type IntTensor, type ModelConfig, type Tensor, selectContrastRows } from '@inseq/core';

/**
 * Floats the activations of one call may hold: tf.tidy keeps every intermediate (and a gradient
 * tape saves them) until the call ends, and the wasm heap cannot grow past a few GiB, so a batch
 * larger than this budget runs in row chunks instead of failing inside wasm.
 */
const ACTIVATION_BUDGET_FLOATS = 48 * 1024 * 1024;

/** Floats one row of `seq` tokens holds in activations during a forward pass: a generous estimate. */
export function activationFloatsPerRow(config: ModelConfig, seq: number): number {
  const perLayer = seq * (20 * config.hiddenSize + 4 * config.numHeads * seq);
  return Math.max(1, config.numLayers) * perLayer + seq * config.vocabSize;
}

/** Rows per call for sequences of `seq` tokens, from {@link activationFloatsPerRow}. */
export function rowsPerCall(config: ModelConfig, seq: number): number {
  return Math.max(1, Math.floor(ACTIVATION_BUDGET_FLOATS / activationFloatsPerRow(config, seq)));
}

const rowsOfInt = (t: IntTensor, start: number, end: number): IntTensor => {
  const size = t.data.length / t.shape[0];
  return { data: t.data.subarray(start * size, end * size), shape: [end - start, ...t.shape.slice(1)] };
};
const rowsOf = (t: Tensor, start: number, end: number): Tensor => {
  const size = t.data.length / t.shape[0];
  return { data: t.data.subarray(start * size, end * size), shape: [end - start, ...t.shape.slice(1)] };
};

/** Rows `[start, end)` of a forward or gradient input: every per-row field is sliced alike. */
export function sliceInputRows<T extends ForwardInput & Partial<GradientInput>>(input: T, start: number, end: number): T {
  const range = Array.from({ length: end - start }, (_, i) => start + i);
  return {
    ...input,
    inputIds: rowsOfInt(input.inputIds, start, end),
    attentionMask: rowsOfInt(input.attentionMask, start, end),
    ...(input.inputsEmbeds && { inputsEmbeds: rowsOf(input.inputsEmbeds, start, end) }),
    ...(input.targetIds && { targetIds: input.targetIds.subarray(start, end) }),
    ...(input.contrast && { contrast: selectContrastRows(input.contrast, range) }),
    ...(input.layer?.override && { layer: { ...input.layer, override: rowsOf(input.layer.override, start, end) } }),
    ...(input.rescale && {
      rescale: {
        referenceEmbeds: rowsOf(input.rescale.referenceEmbeds, start, end),
        ...(input.rescale.encoderReferenceEmbeds && { encoderReferenceEmbeds: rowsOf(input.rescale.encoderReferenceEmbeds, start, end) }),
      },
    }),
    ...(input.encoder && {
      encoder: {
        inputIds: rowsOfInt(input.encoder.inputIds, start, end),
        attentionMask: rowsOfInt(input.encoder.attentionMask, start, end),
        ...(input.encoder.inputsEmbeds && { inputsEmbeds: rowsOf(input.encoder.inputsEmbeds, start, end) }),
      },
    }),
    ...(input.zeroValues && { zeroValues: { ...input.zeroValues, positions: input.zeroValues.positions.subarray(start, end) } }),
  };
}

/** Concatenates tensors along the batch axis. */
export function concatRows(parts: readonly Tensor[]): Tensor {
  const total = parts.reduce((sum, part) => sum + part.data.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    data.set(part.data, offset);
    offset += part.data.length;
  }
  return { data, shape: [parts.reduce((sum, part) => sum + part.shape[0], 0), ...parts[0].shape.slice(1)] };
}

/** Runs `run` on row chunks of `input` (one call when it fits) and returns each chunk's output. */
export async function inRowChunks<I extends ForwardInput, O>(
  input: I,
  config: ModelConfig,
  run: (chunk: I) => Promise<O>,
): Promise<O[]> {
  const [batch, seq] = input.inputIds.shape;
  // An encoder-decoder row also holds its source's activations (and the cross-attention over it).
  const step = rowsPerCall(config, seq + (input.encoder?.inputIds.shape[1] ?? 0));
  if (batch <= step) return [await run(input)];
  const outputs: O[] = [];
  for (let start = 0; start < batch; start += step) outputs.push(await run(sliceInputRows(input, start, Math.min(batch, start + step))));
  return outputs;
}
