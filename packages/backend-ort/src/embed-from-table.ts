import { type IntTensor, type ModelConfig, type Tensor, checkInputIds } from '@inseq/core';
import type { OnnxInitializer } from './onnx/read-onnx-initializer';

/** Rows of an inline embedding initializer (`[vocab, hidden]`) at `inputIds` (checked): `[batch, seq, hidden]`. */
export function embedFromTable(table: OnnxInitializer, inputIds: IntTensor, config: ModelConfig): Tensor {
  const [batch, seq] = checkInputIds(inputIds, config);
  const hidden = config.hiddenSize;
  const data = new Float32Array(batch * seq * hidden);
  for (let i = 0; i < batch * seq; i++) {
    const id = inputIds.data[i];
    data.set(table.data.subarray(id * hidden, (id + 1) * hidden), i * hidden);
  }
  return { data, shape: [batch, seq, hidden] };
}
