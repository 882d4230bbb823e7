import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeOnnxModel } from '../encode-onnx-model';
import { maxAbsDiff } from '../max-abs-diff';
import { createTinyLlama, type TinyLlamaOptions } from './create-tiny-llama';
import { llamaOnnxModelSpec } from './llama-onnx-model-spec';
import { referenceLlamaForward } from './reference-llama-forward';

const ids = [
  [1, 410, 274, 268, 266, 352],
  [0, 0, 1, 377, 473, 1028],
];
const mask = [
  [1, 1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 1],
];
const seq = ids[0].length;
const int64 = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);
const positions = (rows: number[][]) =>
  rows.map((row) => {
    let seen = 0;
    return row.map((m) => {
      seen += m;
      return m === 0 ? 1 : seen - 1;
    });
  });

describe.each([
  ['llama', { family: 'llama' }],
  ['llama3 rope', { family: 'llama', ropeTheta: 500000, ropeScaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 } }],
  ['qwen2', { family: 'qwen2' }],
  ['gemma', { family: 'gemma' }],
] as [string, TinyLlamaOptions][])('llamaOnnxModelSpec (%s) in onnxruntime-node', (_, options) => {
  const { weights, config } = createTinyLlama({ seed: 2, ...options });
  const vocab = config.vocab_size as number;
  const reference = referenceLlamaForward(weights, config, ids, mask).logits;
  const real = (data: ArrayLike<number>) => mask.flatMap((row, b) => row.flatMap((m, t) => (m ? Array.from({ length: vocab }, (_, v) => data[(b * seq + t) * vocab + v]) : [])));

  it('equals the float64 reference at every real position (left padding)', async () => {
    const session = await InferenceSession.create(encodeOnnxModel(llamaOnnxModelSpec(weights, config)), { intraOpNumThreads: 1 });
    const { logits } = await session.run({ input_ids: int64(ids), attention_mask: int64(mask), position_ids: int64(positions(mask)) });
    expect(maxAbsDiff(real(logits.data as Float32Array), real(reference))).toBeLessThan(1e-4);
    await session.release();
  });

  it('with a KV cache: prefix then one token equals the full pass (grouped key/value heads in the cache)', async () => {
    const session = await InferenceSession.create(encodeOnnxModel(llamaOnnxModelSpec(weights, config, { withPast: true, outputAttentions: true })), { intraOpNumThreads: 1 });
    const kv = config.num_key_value_heads as number;
    const headDim = config.head_dim as number;
    const empty: Record<string, Tensor> = {};
    for (let layer = 0; layer < (config.num_hidden_layers as number); layer++) {
      for (const part of ['key', 'value']) empty[`past_key_values.${layer}.${part}`] = new Tensor('float32', new Float32Array(0), [2, kv, 0, headDim]);
    }
    const head = ids.map((row) => row.slice(0, seq - 1));
    const headMask = mask.map((row) => row.slice(0, seq - 1));
    const first = await session.run({ ...empty, input_ids: int64(head), attention_mask: int64(headMask), position_ids: int64(positions(headMask)) });
    expect(first['present.0.key'].dims).toEqual([2, kv, seq - 1, headDim]);
    const past: Record<string, Tensor> = {};
    for (const name of Object.keys(empty)) past[name] = first[name.replace('past_key_values', 'present')];
    const last = await session.run({
      ...past,
      input_ids: int64(ids.map((row) => [row[seq - 1]])),
      attention_mask: int64(mask),
      position_ids: int64(positions(mask).map((row) => [row[seq - 1]])),
    });
    const lastReference = [0, 1].flatMap((b) => Array.from(reference.subarray((b * seq + seq - 1) * vocab, (b * seq + seq) * vocab)));
    expect(maxAbsDiff(last.logits.data as Float32Array, lastReference)).toBeLessThan(1e-4);
    expect(last['attentions.0'].dims).toEqual([2, config.num_attention_heads, 1, seq]);
    await session.release();
  });
});
