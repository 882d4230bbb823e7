import { type IntTensor, type ModelConfig, type Tensor, checkInputIds } from '@inseq/core';
import type { OnnxInitializer } from './onnx/read-onnx-initializer';

/**
 * Rows of an inline embedding initializer (`[vocab, hidden]`) at `inputIds` (checked), each value
 * times `scale` in float32 (as the graph's `Mul` by the embedding scale computes it) when given:
 * `[batch, seq, hidden]`.
 */
export function embedFromTable(table: OnnxInitializer, inputIds: IntTensor, config: ModelConfig, scale?: number): Tensor {
  const [batch, seq] = checkInputIds(inputIds, config);
  const hidden = config.hiddenSize;
  const data = new Float32Array(batch * seq * hidden);
  for (let i = 0; i < batch * seq; i++) {
    const id = inputIds.data[i];
    data.set(table.data.subarray(id * hidden, (id + 1) * hidden), i * hidden);
  }
  if (scale !== undefined && scale !== 1) {
    const factor = Math.fround(scale);
    // Float32Array stores each product rounded to float32, as a float32 Mul does.
    for (let i = 0; i < data.length; i++) data[i] = data[i] * factor;
  }
  return { data, shape: [batch, seq, hidden] };
}
