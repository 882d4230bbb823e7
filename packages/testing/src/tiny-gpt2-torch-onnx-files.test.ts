import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { maxAbsDiff } from './max-abs-diff';
import { referenceGpt2Forward } from './reference-gpt2-forward';
import { tinyGpt2TorchOnnxFiles } from './tiny-gpt2-torch-onnx-files';

const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;
const nLayer = config.n_layer as number;
const nHead = config.n_head as number;
const headDim = (config.n_embd as number) / nHead;
const padId = vocab - 1;
const ids = [
  [464, 262, 286, 318, 13, 1000, 7],
  [padId, padId, padId, 40, 41, 42, 43],
];
const mask = [
  [1, 1, 1, 1, 1, 1, 1],
  [0, 0, 0, 1, 1, 1, 1],
];
const int64 = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);

/** Logits of the real positions only (padded queries are meaningless). */
function realPositions(logits: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  mask.forEach((row, b) => {
    row.forEach((m, s) => {
      if (m === 1) for (let v = 0; v < vocab; v++) out.push(logits[(b * row.length + s) * vocab + v]);
    });
  });
  return Float64Array.from(out);
}

describe('tinyGpt2TorchOnnxFiles', () => {
  const reference = realPositions(referenceGpt2Forward(weights, config, ids, mask).logits);

  it('writes model.onnx in the folder root with torch-style names and no position_ids input', async () => {
    const files = tinyGpt2TorchOnnxFiles();
    expect(Object.keys(files).sort()).toEqual(['config.json', 'generation_config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    const session = await InferenceSession.create(files['model.onnx']);
    try {
      expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
      expect(session.outputNames).toEqual(['logits']);
      const text = new TextDecoder('latin1').decode(files['model.onnx']);
      expect(text).toContain('model.transformer.wte.weight');
      expect(text).toContain('onnx::MatMul_');
      // Every mention of the table is the module-prefixed name: no initializer keeps the HF name.
      expect(text.split('transformer.wte.weight').length).toBe(text.split('model.transformer.wte.weight').length);
      // Positions computed from the mask in the graph: a left-padded batch gives the float64 reference.
      const out = await session.run({ input_ids: int64(ids), attention_mask: int64(mask) });
      expect(maxAbsDiff(realPositions(out.logits.data as Float32Array), reference)).toBeLessThan(1e-4);
    } finally {
      await session.release();
    }
  });

  it('with past: a prompt then one cached token equals the reference', async () => {
    const session = await InferenceSession.create(tinyGpt2TorchOnnxFiles({ withPast: true, outputAttentions: true, embeddingName: 'wte.weight' })['model.onnx']);
    try {
      expect(session.inputNames).toEqual(['input_ids', 'attention_mask', ...Array.from({ length: nLayer }, (_, l) => [`past_key_values.${l}.key`, `past_key_values.${l}.value`]).flat()]);
      const past: Record<string, Tensor> = {};
      for (let l = 0; l < nLayer; l++) for (const part of ['key', 'value']) past[`past_key_values.${l}.${part}`] = new Tensor('float32', new Float32Array(0), [2, nHead, 0, headDim]);
      const prefix = ids.map((row) => row.slice(0, 6));
      const first = await session.run({ input_ids: int64(prefix), attention_mask: int64(mask.map((row) => row.slice(0, 6))), ...past });
      const cached: Record<string, Tensor> = {};
      for (let l = 0; l < nLayer; l++) for (const part of ['key', 'value']) cached[`past_key_values.${l}.${part}`] = first[`present.${l}.${part}`] as Tensor;
      const next = await session.run({ input_ids: int64(ids.map((row) => row.slice(6))), attention_mask: int64(mask), ...cached });
      const all = referenceGpt2Forward(weights, config, ids, mask).logits;
      for (let b = 0; b < 2; b++) {
        const expected = all.subarray((b * 7 + 6) * vocab, (b * 7 + 7) * vocab);
        const actual = (next.logits.data as Float32Array).subarray(b * vocab, (b + 1) * vocab);
        expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-4);
      }
      expect(next[`attentions.0`].dims).toEqual([2, nHead, 1, 7]);
    } finally {
      await session.release();
    }
  });
});
