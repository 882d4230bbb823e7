import { float16BitsToFloat32 } from '@inseq/core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { gpt2OnnxModelSpec } from './gpt2-onnx-model-spec';
import { quantizeDynamicOnnxModel } from './quantize-dynamic-onnx-model';
import { toFloat16OnnxModel } from './to-float16-onnx-model';
import { maxAbsDiff } from './max-abs-diff';
import { referenceGpt2Forward } from './reference-gpt2-forward';
import { tinyGpt2OnnxFiles } from './tiny-gpt2-onnx-files';

const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;
const nLayer = config.n_layer as number;
const nHead = config.n_head as number;
const headDim = (config.n_embd as number) / nHead;
const padId = vocab - 1;
const ids = [
  [464, 262, 286, 318, 13, 1000],
  [padId, padId, padId, 40, 41, 42],
];
const mask = [
  [1, 1, 1, 1, 1, 1],
  [0, 0, 0, 1, 1, 1],
];
const positions = mask.map((row) => {
  let seen = 0;
  return row.map((m) => {
    seen += m;
    return m === 0 ? 1 : seen - 1;
  });
});
const int64 = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);
const reference = referenceGpt2Forward(weights, config, ids, mask).logits;

function floats(tensor: Tensor): Float32Array {
  return tensor.type === 'float16' ? float16BitsToFloat32(tensor.data as Uint16Array) : (tensor.data as Float32Array);
}

/** Largest |a - b| over the real (unpadded) positions, and the largest |reference| there. */
function compare(logits: Float32Array): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let b = 0; b < ids.length; b++) {
    for (let s = 0; s < ids[0].length; s++) {
      if (mask[b][s] === 0) continue;
      const at = (b * ids[0].length + s) * vocab;
      for (let v = 0; v < vocab; v++) {
        diff = Math.max(diff, Math.abs(logits[at + v] - reference[at + v]));
        scale = Math.max(scale, Math.abs(reference[at + v]));
      }
    }
  }
  return { diff, scale };
}

async function runLogits(model: Uint8Array, extra: Record<string, Tensor> = {}, options: InferenceSession.SessionOptions = {}) {
  const session = await InferenceSession.create(model, { intraOpNumThreads: 1, ...options });
  try {
    const out = await session.run({ input_ids: int64(ids), attention_mask: int64(mask), position_ids: int64(positions), ...extra });
    return { logits: floats(out.logits), type: out.logits.type, inputs: session.inputMetadata, out };
  } finally {
    await session.release();
  }
}

describe('tinyGpt2OnnxFiles dtypes', () => {
  const files = tinyGpt2OnnxFiles({ onnxDtypes: ['fp32', 'fp16', 'q8'] });

  it('writes one file per dtype under the transformers.js names', () => {
    expect(Object.keys(files).filter((name) => name.startsWith('onnx/')).sort()).toEqual([
      'onnx/model.onnx',
      'onnx/model_fp16.onnx',
      'onnx/model_quantized.onnx',
    ]);
  });

  it('fp16: float16 logits within 1e-2 relative of the float64 reference', async () => {
    const { logits, type } = await runLogits(files['onnx/model_fp16.onnx']);
    expect(type).toBe('float16');
    const { diff, scale } = compare(logits);
    // Measured 4.8e-3 absolute, 9e-4 of the largest logit.
    expect(diff / scale).toBeLessThan(1e-2);
  });

  it('fp16 with a KV cache: float16 past inputs and present outputs', async () => {
    const cached = tinyGpt2OnnxFiles({ onnxDtypes: ['fp16'], withPast: true });
    const past: Record<string, Tensor> = {};
    for (let layer = 0; layer < nLayer; layer++) {
      for (const part of ['key', 'value']) past[`past_key_values.${layer}.${part}`] = new Tensor('float16', new Uint16Array(0), [2, nHead, 0, headDim]);
    }
    const { logits, out } = await runLogits(cached['onnx/model_fp16.onnx'], past);
    expect(out['present.0.key'].type).toBe('float16');
    expect(out['present.0.key'].dims).toEqual([2, nHead, 6, headDim]);
    const { diff, scale } = compare(logits);
    expect(diff / scale).toBeLessThan(1e-2);
  });

  it('q8: dynamically quantized MatMuls stay near the reference', async () => {
    const { logits, type } = await runLogits(files['onnx/model_quantized.onnx']);
    expect(type).toBe('float32');
    const { diff } = compare(logits);
    // Measured 0.187 (logits within ±5.2): per-tensor 8-bit weights and activations on hidden size 32.
    expect(diff).toBeLessThan(0.25);
  });

  it('transforms the spec as the exporters do', () => {
    const spec = gpt2OnnxModelSpec(weights, config);
    const half = toFloat16OnnxModel(spec);
    const types = new Map(half.initializers.map((tensor) => [tensor.name, tensor.dataType]));
    expect(types.get('transformer.wte.weight')).toBe('float16');
    // float32's minimum has no float16 value; it stays float32 (see toFloat16OnnxModel).
    expect(types.get('const_masked_score')).toBe('float');
    const quantized = quantizeDynamicOnnxModel(spec);
    const ops = quantized.nodes.map((node) => node.opType);
    const matMuls = spec.nodes.filter((node) => node.opType === 'MatMul').length;
    // Per layer: c_attn, c_proj, c_fc, mlp c_proj have constant weights; scores, context and the LM head do not.
    expect(ops.filter((op) => op === 'MatMulInteger')).toHaveLength(4 * nLayer);
    expect(ops.filter((op) => op === 'MatMul')).toHaveLength(matMuls - 4 * nLayer);
    expect(ops).toContain('DynamicQuantizeLinear');
    const names = new Map(quantized.initializers.map((tensor) => [tensor.name, tensor]));
    expect(names.get('transformer.h.0.attn.c_attn.weight')).toBeUndefined();
    expect(names.get('transformer.h.0.attn.c_attn.weight_quantized')?.dataType).toBe('uint8');
    expect(names.get('transformer.wte.weight')?.dataType).toBe('float');
    const signed = quantizeDynamicOnnxModel(spec, { weightType: 'int8' }).initializers.find((tensor) => tensor.name.endsWith('_zero_point'));
    expect(signed).toMatchObject({ dataType: 'int8', data: [0] });
  });

  it('external data: the same logits as the inline model, from bytes with externalData', async () => {
    const external = tinyGpt2OnnxFiles({ externalData: true });
    expect(external['onnx/model.onnx'].length).toBeLessThan(files['onnx/model.onnx'].length / 4);
    const inline = await runLogits(files['onnx/model.onnx']);
    const split = await runLogits(external['onnx/model.onnx'], {}, { externalData: [{ path: 'model.onnx_data', data: external['onnx/model.onnx_data'] }] });
    expect(maxAbsDiff(split.logits, inline.logits)).toBe(0);
  });
});
