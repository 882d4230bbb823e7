import { type ModelBackend, type Tensor, intTensorFromRows, logit, memoryModelFiles, probability } from '@inseq/core';
import { createRng, createTinyGpt2, maxAbsDiff } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjs } from './init-tfjs';
import { loadTfjsBackend } from './load-tfjs-backend';

const tiny = createTinyGpt2({ seed: 9 });
const hidden = tiny.config.n_embd as number;
const layers = tiny.config.n_layer as number;
const vocab = tiny.config.vocab_size as number;
const ids = [
  [11, 250, 3, 999, 64, 12],
  [0, 0, 40, 41, 42, 43],
];
const mask = [
  [1, 1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 1],
];
const seq = 6;
const inputIds = intTensorFromRows(ids);
const attentionMask = intTensorFromRows(mask);
const targetIds = Int32Array.of(17, 1200);
const target = logit.differentiable!;

/** HF `gelu_new` in float64. */
const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
const geluDerivative = (x: number) => (gelu(x + 1e-6) - gelu(x - 1e-6)) / 2e-6;

describe('tfjs gradients at layers and with the DeepLIFT Rescale rule', () => {
  let backend: ModelBackend;
  let embeds: Tensor;
  let reference: Tensor;

  beforeAll(async () => {
    await initTfjs();
    backend = await loadTfjsBackend(memoryModelFiles(tiny.files, 'tiny-gpt2'));
    embeds = await backend.embed(inputIds);
    // A baseline far from the input: every pre-activation moves, so every multiplier is a secant.
    const rng = createRng(3);
    reference = { data: embeds.data.map(() => (rng.next() - 0.5) * 0.2), shape: embeds.shape };
  });
  afterAll(() => backend?.dispose());

  const gradients = (extra: Record<string, unknown> = {}) =>
    backend.gradients!({ inputIds, attentionMask, inputsEmbeds: embeds, targetIds, target, ...extra });

  it("matches central finite differences of the forward pass w.r.t. the override of 'transformer.h.0'", async () => {
    const name = 'transformer.h.0';
    const { layerActivation } = await backend.forward({ inputIds, attentionMask, layer: { name } });
    const at = await gradients({ layer: { name, override: layerActivation! } });
    expect(at.gradients.shape).toEqual([2, seq, hidden]);
    const rng = createRng(8);
    let compared = 0;
    for (let b = 0; b < 2; b++) {
      const row = at.gradients.data.subarray(b * seq * hidden, (b + 1) * seq * hidden);
      const scale = Math.max(...row.map(Math.abs));
      expect(scale).toBeGreaterThan(1e-2);
      const f = async (flat: Float64Array) => {
        const data = Float32Array.from(layerActivation!.data);
        data.set(flat, b * seq * hidden);
        const { logits } = await backend.forward({ inputIds, attentionMask, layer: { name, override: { data, shape: layerActivation!.shape } } });
        return logits.data[b * vocab + targetIds[b]];
      };
      const x = Float64Array.from(layerActivation!.data.subarray(b * seq * hidden, (b + 1) * seq * hidden));
      const coordinates = [(seq - 1) * hidden + 2, ...Array.from({ length: 5 }, () => Math.floor(rng.next() * seq * hidden))];
      for (const index of coordinates) {
        const [plus, minus] = [Float64Array.from(x), Float64Array.from(x)];
        plus[index] += 1e-2;
        minus[index] -= 1e-2;
        // A central difference over the step the float32 override actually takes.
        const expected = ((await f(plus)) - (await f(minus))) / (Math.fround(plus[index]) - Math.fround(minus[index]));
        expect(Math.abs(row[index] - expected)).toBeLessThanOrEqual(3e-3 * scale + 2e-2 * Math.abs(expected));
        compared++;
      }
      if (b === 1) expect(row.subarray(0, 2 * hidden).every((value) => value === 0)).toBe(true); // padding
    }
    expect(compared).toBe(12);
  });

  it('gives the same layer gradient with and without an override equal to the activation, and returns the activation', async () => {
    for (const name of ['transformer.h.1', 'transformer.h.0.attn', 'transformer.h.1.ln_2', 'transformer.ln_f']) {
      const { layerActivation } = await backend.forward({ inputIds, attentionMask, layer: { name } });
      const free = await gradients({ layer: { name } });
      const pinned = await gradients({ layer: { name, override: layerActivation! } });
      expect(maxAbsDiff(free.gradients.data, pinned.gradients.data)).toBeLessThan(1e-6);
      expect(maxAbsDiff(free.layerActivation!.data, layerActivation!.data)).toBe(0);
      expect(maxAbsDiff(free.targetValues, pinned.targetValues)).toBeLessThan(1e-5);
    }
  });

  it("equals the input-embedding gradient at 'transformer.wte'", async () => {
    const plain = await gradients();
    const atEmbeddings = await gradients({ layer: { name: 'transformer.wte' } });
    expect(maxAbsDiff(atEmbeddings.gradients.data, plain.gradients.data)).toBeLessThan(1e-7);
    expect(maxAbsDiff(atEmbeddings.layerActivation!.data, embeds.data)).toBe(0);
    expect(plain.layerActivation).toBeUndefined();
  });

  it('gives the plain gradients when the reference equals the input (every multiplier falls back to f′)', async () => {
    for (const extra of [{}, { layer: { name: 'transformer.h.0' } }]) {
      const plain = await gradients(extra);
      const rescaled = await gradients({ ...extra, rescale: { referenceEmbeds: embeds } });
      expect(maxAbsDiff(rescaled.gradients.data, plain.gradients.data)).toBeLessThan(1e-7);
      expect(maxAbsDiff(rescaled.targetValues, plain.targetValues)).toBe(0);
    }
    const moved = await gradients({ rescale: { referenceEmbeds: reference } });
    expect(maxAbsDiff(moved.gradients.data, (await gradients()).gradients.data)).toBeGreaterThan(1e-3);
  });

  it("rescales the last MLP's activation against the reference pass: multipliers at 'transformer.h.{L-1}.ln_2' recomputed in float64", async () => {
    const last = `transformer.h.${layers - 1}`;
    const rescaled = await gradients({ layer: { name: `${last}.ln_2` }, rescale: { referenceEmbeds: reference } });
    const plain = await gradients({ layer: { name: `${last}.ln_2` } });
    // Downstream of the block output nothing is rescaled: its gradient is the plain one.
    const downstream = (await gradients({ layer: { name: last } })).gradients.data;
    const capture = async (inputsEmbeds: Tensor) =>
      (await backend.forward({ inputIds, attentionMask, inputsEmbeds, layer: { name: `${last}.ln_2` } })).layerActivation!.data;
    const [a, aReference] = [await capture(embeds), await capture(reference)];
    const weight = (name: string) => tiny.weights[`${last}.mlp.${name}`].data;
    const [fc, fcBias, projection] = [weight('c_fc.weight'), weight('c_fc.bias'), weight('c_proj.weight')];
    const inner = fcBias.length;
    const expected = new Float64Array(a.length);
    let secants = 0;
    for (let row = 0; row < 2 * seq; row++) {
      const pre = (x: ArrayLike<number>, j: number) => {
        let sum = fcBias[j];
        for (let i = 0; i < hidden; i++) sum += x[row * hidden + i] * fc[i * inner + j];
        return sum;
      };
      for (let j = 0; j < inner; j++) {
        const [u, uReference] = [pre(a, j), pre(aReference, j)];
        const close = Math.abs(u - uReference) < 1e-6;
        if (!close) secants++;
        const multiplier = close ? geluDerivative(u) : (gelu(u) - gelu(uReference)) / (u - uReference);
        let back = 0;
        for (let k = 0; k < hidden; k++) back += projection[j * hidden + k] * downstream[row * hidden + k];
        for (let i = 0; i < hidden; i++) expected[row * hidden + i] += fc[i * inner + j] * multiplier * back;
      }
    }
    expect(secants).toBeGreaterThan(inner);
    expect(maxAbsDiff(rescaled.gradients.data, expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff(rescaled.gradients.data, plain.gradients.data)).toBeGreaterThan(5e-2);
  });

  it("refuses logitsAt 'all' and a misshapen reference", async () => {
    await expect(gradients({ logitsAt: 'all' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("'all'") });
    await expect(gradients({ rescale: { referenceEmbeds: { data: new Float32Array(4), shape: [1, 2, 2] } } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('rescale.referenceEmbeds'),
    });
    await expect(gradients({ target: probability.differentiable!, layer: { name: 'ln_f' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
