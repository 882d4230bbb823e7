import { type ModelBackend, intTensorFromRows, logit, memoryModelFiles } from '@inseq/core';
import { centralDifference, createTinyLlama, type LlamaFamily, maxAbsDiff, referenceLlamaForward, type TinyLlamaOptions } from '@inseq/testing';
import * as tf from '../../../tf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from '../../../init-tfjs';
import { loadTfjsBackend } from '../../../load-tfjs-backend';

const rows = [
  [1, 410, 274, 268, 266, 352, 270],
  [0, 0, 0, 1, 377, 473, 1028],
];
const mask = [
  [1, 1, 1, 1, 1, 1, 1],
  [0, 0, 0, 1, 1, 1, 1],
];
const seq = rows[0].length;

/** Reference logits `[batch, seq, vocab]` at real positions only (padded queries are arbitrary). */
function realPositions(logits: ArrayLike<number>, vocab: number): number[] {
  return mask.flatMap((row, b) => row.flatMap((m, t) => (m === 1 ? Array.from({ length: vocab }, (_, v) => logits[(b * seq + t) * vocab + v]) : [])));
}

const variants: [string, TinyLlamaOptions][] = [
  ['llama (GQA 4/2)', { family: 'llama' }],
  ['llama, rope_scaling linear', { family: 'llama', ropeScaling: { rope_type: 'linear', factor: 4 } }],
  [
    'llama, rope_scaling llama3',
    { family: 'llama', headDim: 16, numHeads: 2, numKeyValueHeads: 1, ropeTheta: 500000, ropeScaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 } },
  ],
  ['mistral (MHA)', { family: 'mistral', numKeyValueHeads: 4 }],
  ['qwen2 (biases)', { family: 'qwen2' }],
  ['gemma (GeGLU, scaled embeddings, 1 + w norms, tied)', { family: 'gemma' as LlamaFamily }],
];

describe('Llama-family models in tfjs against the float64 reference', () => {
  beforeAll(async () => {
    await initTfjs();
  });

  describe.each(variants)('%s', (_, options) => {
    const tiny = createTinyLlama({ seed: 5, ...options });
    const vocab = tiny.config.vocab_size as number;
    let backend: ModelBackend;
    beforeAll(async () => {
      backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-llama'));
    });
    afterAll(() => backend?.dispose());

    it('logits at every real position and the last, left padding included', async () => {
      const reference = referenceLlamaForward(tiny.weights, tiny.config, rows, mask).logits;
      const input = { inputIds: intTensorFromRows(rows), attentionMask: intTensorFromRows(mask) };
      const all = await backend.forward({ ...input, logitsAt: 'all' });
      expect(all.logits.shape).toEqual([2, seq, vocab]);
      expect(maxAbsDiff(realPositions(all.logits.data, vocab), realPositions(reference, vocab))).toBeLessThan(1e-4);
      const last = await backend.forward(input);
      const lastReference = [0, 1].flatMap((b) => Array.from(reference.subarray((b * seq + seq - 1) * vocab, (b * seq + seq) * vocab)));
      expect(maxAbsDiff(last.logits.data, lastReference)).toBeLessThan(1e-4);
      expect(Math.max(...lastReference) - Math.min(...lastReference)).toBeGreaterThan(1);
    });

    it('attention weights equal the reference', async () => {
      const { attentions } = await backend.forward({ inputIds: intTensorFromRows(rows), attentionMask: intTensorFromRows(mask), outputAttentions: true });
      const reference = referenceLlamaForward(tiny.weights, tiny.config, rows, mask, { outputAttentions: true }).attentions!;
      expect(attentions).toHaveLength(reference.length);
      const heads = tiny.config.num_attention_heads as number;
      // Compare real query rows only.
      const realRows = (data: ArrayLike<number>) =>
        [0, 1].flatMap((b) => Array.from({ length: heads }, (_, h) => h).flatMap((h) => mask[b].flatMap((m, t) => (m ? Array.from({ length: seq }, (_, s) => data[((b * heads + h) * seq + t) * seq + s]) : []))));
      for (const [i, layer] of attentions!.entries()) expect(maxAbsDiff(realRows(layer.data), realRows(reference[i]))).toBeLessThan(1e-5);
    });
  });

  describe('gradients, layers, value zeroing and memory (llama)', () => {
    const tiny = createTinyLlama({ seed: 7 });
    const hidden = tiny.config.hidden_size as number;
    const vocab = tiny.config.vocab_size as number;
    let backend: ModelBackend;
    beforeAll(async () => {
      backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-llama'));
    });
    afterAll(() => backend?.dispose());

    it('gradients w.r.t. input embeddings equal central differences of the float64 reference', async () => {
      const ids = [[1, 410, 274, 268, 266]];
      const length = ids[0].length;
      const inputIds = intTensorFromRows(ids);
      const attentionMask = intTensorFromRows([ids[0].map(() => 1)]);
      const inputsEmbeds = await backend.embed(inputIds);
      const targetId = 17;
      const { gradients, targetValues } = await backend.gradients!({ inputIds, attentionMask, inputsEmbeds, targetIds: Int32Array.of(targetId), target: logit.differentiable! });
      const f = (flat: Float64Array) => {
        const nested = [Array.from({ length }, (_, s) => Array.from(flat.subarray(s * hidden, (s + 1) * hidden)))];
        return referenceLlamaForward(tiny.weights, tiny.config, ids, [ids[0].map(() => 1)], { inputsEmbeds: nested }).logits[(length - 1) * vocab + targetId];
      };
      const flat = Float64Array.from(inputsEmbeds.data);
      expect(targetValues[0]).toBeCloseTo(f(flat), 4);
      const scale = Math.max(...gradients.data.map(Math.abs));
      expect(scale).toBeGreaterThan(1e-2);
      for (const index of [(length - 1) * hidden + 3, 5, 2 * hidden + 1, 3 * hidden + 7]) {
        const expected = centralDifference(f, flat, index, 1e-4);
        expect(Math.abs(gradients.data[index] - expected)).toBeLessThanOrEqual(1e-4 * scale + 1e-2 * Math.abs(expected));
      }
    });

    it('names HF layers; capturing model.embed_tokens returns the embeddings; hidden states count layers + 1', async () => {
      expect(backend.layerNames!()).toEqual([
        'model.embed_tokens',
        'model.layers.0',
        'model.layers.0.self_attn',
        'model.layers.0.mlp',
        'model.layers.0.input_layernorm',
        'model.layers.0.post_attention_layernorm',
        'model.layers.1',
        'model.layers.1.self_attn',
        'model.layers.1.mlp',
        'model.layers.1.input_layernorm',
        'model.layers.1.post_attention_layernorm',
        'model.norm',
      ]);
      const input = { inputIds: intTensorFromRows(rows), attentionMask: intTensorFromRows(mask) };
      const captured = await backend.forward({ ...input, layer: { name: 'model.embed_tokens' }, outputHiddenStates: true });
      expect(maxAbsDiff(captured.layerActivation!.data, (await backend.embed(input.inputIds)).data)).toBe(0);
      expect(captured.hiddenStates).toHaveLength(3);
    });

    it('zeroing a value vector changes the later positions of that layer only', async () => {
      const input = { inputIds: intTensorFromRows([rows[0]]), attentionMask: intTensorFromRows([mask[0]]), outputHiddenStates: true };
      const clean = await backend.forward(input);
      const zeroed = await backend.forward({ ...input, zeroValues: { layer: 1, positions: Int32Array.of(3) } });
      // Layer 1's input (hidden state 1) is unchanged; its output differs from position 3 on.
      expect(maxAbsDiff(clean.hiddenStates![1].data, zeroed.hiddenStates![1].data)).toBe(0);
      const out = (data: Float32Array, from: number, to: number) => data.subarray(from * hidden, to * hidden);
      expect(maxAbsDiff(out(clean.hiddenStates![2].data, 0, 3), out(zeroed.hiddenStates![2].data, 0, 3))).toBe(0);
      expect(maxAbsDiff(out(clean.hiddenStates![2].data, 3, seq), out(zeroed.hiddenStates![2].data, 3, seq))).toBeGreaterThan(1e-4);
    });

    it('holds tf.memory() flat over repeated forwards and gradients', async () => {
      const input = { inputIds: intTensorFromRows(rows), attentionMask: intTensorFromRows(mask) };
      await backend.forward(input);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) {
        await backend.forward({ ...input, outputAttentions: true, outputHiddenStates: true });
        const inputsEmbeds = await backend.embed(input.inputIds);
        await backend.gradients!({ ...input, inputsEmbeds, targetIds: Int32Array.of(3, 4), target: logit.differentiable! });
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('rejects an unknown rope_scaling type and weights that do not match the config', async () => {
    const tiny = createTinyLlama();
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const yarn = { ...tiny.files, 'config.json': json({ ...tiny.config, rope_scaling: { rope_type: 'yarn', factor: 2 } }) };
    await expect(loadTfjsBackend(memoryModelFiles(yarn, 'yarn'))).rejects.toThrow(/rope_scaling type "yarn" is not supported; supported: default, linear, llama3/);
    const wide = { ...tiny.files, 'config.json': json({ ...tiny.config, intermediate_size: 65 }) };
    await expect(loadTfjsBackend(memoryModelFiles(wide, 'wide'))).rejects.toThrow(/mlp.gate_proj.weight' has shape \[64, 32\] but config.json implies \[65, 32\]/);
  });
});
