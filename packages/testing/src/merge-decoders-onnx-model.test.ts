import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createTinyGpt2 } from './create-tiny-gpt2';
import { tinyMarianOnnxFiles } from './encoder-decoder-onnx/tiny-marian-onnx-files';
import { maxAbsDiff } from './max-abs-diff';
import { referenceGpt2Forward } from './reference-gpt2-forward';
import { tinyGpt2MergedOnnxFiles } from './tiny-gpt2-merged-onnx-files';
import { tinyGpt2OnnxFiles } from './tiny-gpt2-onnx-files';

const { weights, config } = createTinyGpt2();
const vocab = config.vocab_size as number;
const nLayer = config.n_layer as number;
const nHead = config.n_head as number;
const headDim = (config.n_embd as number) / nHead;
const ids = [[464, 262, 286, 318, 13, 1000, 7]];
const mask = [[1, 1, 1, 1, 1, 1, 1]];
const int64 = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat(), (v) => BigInt(v)), [rows.length, rows[0].length]);
const positions = (from: number, to: number) => [Array.from({ length: to - from }, (_, i) => from + i)];
const flag = (value: boolean) => new Tensor('bool', new Uint8Array([value ? 1 : 0]), [1]);
const pastNames = Array.from({ length: nLayer }, (_, l) => [`past_key_values.${l}.key`, `past_key_values.${l}.value`]).flat();
const emptyPast = () => Object.fromEntries(pastNames.map((name) => [name, new Tensor('float32', new Float32Array(0), [1, nHead, 0, headDim])]));

/** Whether the ONNX bytes hold a node of op type `op` (the op type is a plain UTF-8 string field). */
const hasOp = (bytes: Uint8Array, op: string) => new TextDecoder('latin1').decode(bytes).includes(op);

describe('mergeDecodersOnnxModel (Optimum decoder_model_merged.onnx: If on use_cache_branch)', () => {
  it('GPT-2: the no-cache branch and the cache branch give the reference and the plain export', async () => {
    const files = tinyGpt2MergedOnnxFiles({ parts: true });
    expect(Object.keys(files).filter((name) => name.endsWith('.onnx')).sort()).toEqual([
      'onnx/decoder_model.onnx',
      'onnx/decoder_model_merged.onnx',
      'onnx/decoder_with_past_model.onnx',
    ]);
    expect(hasOp(files['onnx/decoder_model_merged.onnx'], 'then_branch')).toBe(true);
    const merged = await InferenceSession.create(files['onnx/decoder_model_merged.onnx'], { intraOpNumThreads: 1 });
    const plain = await InferenceSession.create(tinyGpt2OnnxFiles({ withPast: true })['onnx/model.onnx'], { intraOpNumThreads: 1 });
    try {
      expect([...merged.inputNames].sort()).toEqual(['attention_mask', 'input_ids', 'position_ids', ...pastNames, 'use_cache_branch'].sort());
      expect(merged.outputNames).toEqual(['logits', ...pastNames.map((name) => name.replace('past_key_values', 'present'))]);
      const prompt = { input_ids: int64([ids[0].slice(0, 6)]), attention_mask: int64([mask[0].slice(0, 6)]), position_ids: int64(positions(0, 6)) };
      const first = await merged.run({ ...prompt, ...emptyPast(), use_cache_branch: flag(false) });
      const plainFirst = await plain.run({ ...prompt, ...emptyPast() });
      expect(maxAbsDiff(first.logits.data as Float32Array, Float64Array.from(plainFirst.logits.data as Float32Array))).toBeLessThanOrEqual(1e-5);
      const reference = referenceGpt2Forward(weights, config, ids, mask).logits;
      expect(maxAbsDiff(first.logits.data as Float32Array, reference.subarray(0, 6 * vocab))).toBeLessThan(1e-4);
      const cache = Object.fromEntries(pastNames.map((name) => [name, first[name.replace('past_key_values', 'present')] as Tensor]));
      expect(cache['past_key_values.0.key'].dims).toEqual([1, nHead, 6, headDim]);
      const step = { input_ids: int64([ids[0].slice(6)]), attention_mask: int64(mask), position_ids: int64(positions(6, 7)) };
      const next = await merged.run({ ...step, ...cache, use_cache_branch: flag(true) });
      const plainNext = await plain.run({ ...step, ...cache });
      expect(maxAbsDiff(next.logits.data as Float32Array, Float64Array.from(plainNext.logits.data as Float32Array))).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(next.logits.data as Float32Array, reference.subarray(6 * vocab, 7 * vocab))).toBeLessThan(1e-4);
      expect(next['present.0.key'].dims).toEqual([1, nHead, 7, headDim]);
    } finally {
      await Promise.all([merged.release(), plain.release()]);
    }
  });

  it('Marian: the If-merged decoder equals the Slice/Concat merged decoder on both branches', async () => {
    const ifFiles = tinyMarianOnnxFiles({ merged: 'if' });
    const sliceFiles = tinyMarianOnnxFiles({ merged: true });
    const encoder = await InferenceSession.create(ifFiles['onnx/encoder_model.onnx'], { intraOpNumThreads: 1 });
    const viaIf = await InferenceSession.create(ifFiles['onnx/decoder_model_merged.onnx'], { intraOpNumThreads: 1 });
    const viaSlice = await InferenceSession.create(sliceFiles['onnx/decoder_model_merged.onnx'], { intraOpNumThreads: 1 });
    try {
      expect([...viaIf.inputNames].sort()).toEqual([...viaSlice.inputNames].sort());
      expect([...viaIf.outputNames].sort()).toEqual([...viaSlice.outputNames].sort());
      const source = [[5, 9, 12, 0]];
      const sourceMask = [[1, 1, 1, 1]];
      const states = (await encoder.run({ input_ids: int64(source), attention_mask: int64(sourceMask) })).last_hidden_state;
      const pastInputs = viaIf.inputNames.filter((name) => name.startsWith('past_key_values.'));
      // [batch, heads, 0, headDim] as the graph declares heads and head size.
      const declared = viaIf.inputMetadata.find((m) => m.name === pastInputs[0]) as unknown as { shape: readonly (number | string)[] };
      const empty = Object.fromEntries(pastInputs.map((name) => [name, new Tensor('float32', new Float32Array(0), [1, declared.shape[1] as number, 0, declared.shape[3] as number])]));
      const feeds = (decoderIds: number[][], past: Record<string, Tensor>, cached: boolean) => ({
        input_ids: int64(decoderIds),
        encoder_attention_mask: int64(sourceMask),
        encoder_hidden_states: states,
        ...past,
        use_cache_branch: flag(cached),
      });
      const [a, b] = [await viaIf.run(feeds([[0, 7]], empty, false)), await viaSlice.run(feeds([[0, 7]], empty, false))];
      expect(maxAbsDiff(a.logits.data as Float32Array, Float64Array.from(b.logits.data as Float32Array))).toBeLessThanOrEqual(1e-5);
      const cache = Object.fromEntries(pastInputs.map((name) => [name, a[name.replace('past_key_values', 'present')] as Tensor]));
      const [c, d] = [await viaIf.run(feeds([[11]], cache, true)), await viaSlice.run(feeds([[11]], cache, true))];
      expect(maxAbsDiff(c.logits.data as Float32Array, Float64Array.from(d.logits.data as Float32Array))).toBeLessThanOrEqual(1e-5);
      // The cross-attention cache is passed through unchanged on the cache branch.
      expect(Array.from(c['present.0.encoder.key'].data as Float32Array)).toEqual(Array.from(cache['past_key_values.0.encoder.key'].data as Float32Array));
    } finally {
      await Promise.all([encoder.release(), viaIf.release(), viaSlice.release()]);
    }
  });
});
