import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type IntTensor, builtinStepFunctions, memoryModelFiles } from '@inseq/core';
import { createTinyGpt2, tinyGpt2OnnxFiles } from '@inseq/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildDecoderOnlyGradientModel, findEmbeddingGather } from './build-gradient-model';
import { decodeOnnxModel } from './decode-onnx-model';
import { encodeOnnxModel } from './encode-onnx-model';
import { recordOnnxTarget } from './onnx-target-ops';

const int64 = (data: ArrayLike<number>, dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(Array.from(data), BigInt), dims);

/** Left-padded rows: ids, mask, and positions counted over real tokens (as the backends do). */
function batchOf(rows: number[][]): { ids: IntTensor; mask: IntTensor; positions: number[] } {
  const length = Math.max(...rows.map((row) => row.length));
  const ids: number[] = [];
  const mask: number[] = [];
  const positions: number[] = [];
  for (const row of rows) {
    const pad = length - row.length;
    for (let i = 0; i < length; i++) {
      ids.push(i < pad ? 0 : row[i - pad]);
      mask.push(i < pad ? 0 : 1);
      positions.push(Math.max(0, i - pad));
    }
  }
  return { ids: { data: Int32Array.from(ids), shape: [rows.length, length] }, mask: { data: Int32Array.from(mask), shape: [rows.length, length] }, positions };
}

describe('the gradient model of a GPT-2 export (embedding cut, target, reverse mode) on ONNX Runtime', () => {
  const onnx = tinyGpt2OnnxFiles()['onnx/model.onnx'];
  const source = decodeOnnxModel(onnx);

  it('finds the token-embedding Gather of input_ids, not the position one', () => {
    const gather = findEmbeddingGather(source.graph)!;
    expect(gather.opType).toBe('Gather');
    expect(gather.inputs[1]).toBe('input_ids');
  });

  it.each(['probability', 'logit', 'entropy'] as const)('d %s / d embeddings equals the tfjs backend on the same weights', async (name) => {
    const fn = builtinStepFunctions.find((f) => f.name === name)!;
    const tfjs = await loadTfjsBackend(memoryModelFiles(createTinyGpt2().files, 'gpt2'));
    const { ids, mask, positions } = batchOf([[5, 9, 3, 17], [8, 2]]);
    const targetIds = Int32Array.of(4, 11);
    const embeds = await tfjs.embed(ids);
    const expected = await tfjs.gradients!({ inputIds: ids, attentionMask: mask, inputsEmbeds: embeds, targetIds, target: fn.differentiable! });

    const vocab = tfjs.config.vocabSize;
    const target = recordOnnxTarget(fn.differentiable!, 'target/logits', vocab, targetIds, { options: { logprob: false } }, { opsetVersion: 17 });
    const built = buildDecoderOnlyGradientModel(source, target);
    const session = await ort.InferenceSession.create(encodeOnnxModel(built.model), { graphOptimizationLevel: 'all' });
    const [batch, length] = ids.shape;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64(ids.data, [batch, length]),
      attention_mask: int64(mask.data, [batch, length]),
      position_ids: int64(positions, [batch, length]),
      [built.embedsInput]: new ort.Tensor('float32', embeds.data, [...embeds.shape]),
      [built.seedInput]: new ort.Tensor('float32', new Float32Array(batch).fill(1), [batch]),
    };
    for (const f of target.feeds) feeds[f.name] = new ort.Tensor('float32', f.data, [...f.dims]);
    const out = await session.run(feeds);
    const values = out[built.valueOutput].data as Float32Array;
    const gradients = out[built.gradientOutput].data as Float32Array;
    for (let b = 0; b < batch; b++) expect(Math.abs(values[b] - expected.targetValues[b])).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected.targetValues[b])));
    const scale = Math.max(...Array.from(expected.gradients.data, Math.abs));
    let worst = 0;
    for (let i = 0; i < gradients.length; i++) worst = Math.max(worst, Math.abs(gradients[i] - expected.gradients.data[i]));
    expect(scale).toBeGreaterThan(0);
    expect(worst / scale).toBeLessThan(1e-4);
    await session.release();
    await tfjs.dispose();
  });

  it('takes the last position before the final norm and the LM head, so the head multiplies one position per row', () => {
    const fn = builtinStepFunctions.find((f) => f.name === 'probability')!;
    const target = recordOnnxTarget(fn.differentiable!, 'target/logits', 64, Int32Array.of(1), undefined, { opsetVersion: 17 });
    const { model } = buildDecoderOnlyGradientModel(source, target);
    const moved = model.graph.nodes.filter((node) => node.name.startsWith('target/last/'));
    expect(moved.map((node) => node.opType)).toEqual(['Gather', 'LayerNormalization', 'MatMul']);
    // The all-positions head is gone (pruned): one MatMul reads the vocabulary-sized weight.
    const headWeight = moved[2]!.inputs[1];
    expect(model.graph.nodes.filter((node) => node.opType === 'MatMul' && node.inputs.includes(headWeight!)).map((node) => node.name)).toEqual([moved[2]!.name]);
  });
});
