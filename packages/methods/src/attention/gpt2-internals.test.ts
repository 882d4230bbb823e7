import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, memoryModelFiles, loadTokenizer } from '@inseq/core';
import { createTinyGpt2, referenceGpt2Forward } from '@inseq/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { valueZeroingDistances } from '../perturbation/value-zeroing-distances';
import { expectSameLayout, stepwise } from './sequence-context.test-support';

const tiny = createTinyGpt2();
const files = memoryModelFiles(tiny.files, 'tiny-gpt2');
const model: AttributionModel = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
afterAll(() => model.backend.dispose());
const { numLayers: layers, numHeads: heads, hiddenSize: hidden } = model.backend.config;
const offers = model.backend.capabilities;

const prompts = ['The capital of France is', 'Hello'];
const texts = ['The capital of France is Paris.', 'Hello world, hello'];

/** Float64 reference of one unpadded sequence. */
function reference(ids: number[], zeroValues?: { layer: number; positions: number[] }) {
  return referenceGpt2Forward(tiny.weights, tiny.config, [ids], [ids.map(() => 1)], {
    outputAttentions: true,
    outputHiddenStates: true,
    zeroValues,
  });
}

describe('attention methods on the tiny GPT-2 (tfjs backend)', () => {
  it('runs on a backend that offers attentions', () => expect(offers.attentions).toBe(true));
  it('attention: each head’s row sums to 1 over the keys and matches a float64 GPT-2', async () => {
    const [sequence] = await stepwise(model, 'attention', [prompts[0]], [texts[0]], {}, 'loop');
    const ids = model.tokenizer.encode(texts[0]);
    const n = ids.length;
    const start = model.tokenizer.encode(prompts[0]).length;
    const nSteps = n - start;
    expect(sequence.shape).toEqual([n, nSteps, layers, heads]);
    const { attentions } = reference(ids);
    let worst = 0;
    for (let s = 0; s < nSteps; s++) {
      const q = start + s - 1;
      for (let l = 0; l < layers; l++) {
        for (let h = 0; h < heads; h++) {
          let total = 0;
          for (let j = 0; j <= q; j++) {
            const value = sequence.data[((j * nSteps + s) * layers + l) * heads + h];
            total += value;
            worst = Math.max(worst, Math.abs(value - attentions![l][(h * n + q) * n + j]));
          }
          expect(total).toBeCloseTo(1, 5);
          expect(sequence.data[(((q + 1) * nSteps + s) * layers + l) * heads + h]).toBeNaN();
        }
      }
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('attention and attention_rollout: one pass per sequence equals step by step, and a batch equals each text alone', async () => {
    for (const method of ['attention', 'attention_rollout']) {
      const whole = await stepwise(model, method, prompts, texts, {}, 'loop');
      const steps = await stepwise(model, method, prompts, texts);
      for (const r of [0, 1]) {
        expect(whole[r].shape).toEqual(steps[r].shape);
        expectSameLayout(whole[r].data, steps[r].data, 5);
        const [alone] = await stepwise(model, method, [prompts[r]], [texts[r]], {}, 'loop');
        expectSameLayout(alone.data, whole[r].data, 5);
      }
    }
  });
});

describe('value_zeroing on the tiny GPT-2 (tfjs backend)', () => {
  it('runs on a backend that offers value zeroing and hidden states', () => {
    expect(offers.valueZeroing).toBe(true);
    expect(offers.hiddenStates).toBe(true);
  });
  it('matches 1 − cos of float64 hidden states with the value vector zeroed, normalised over keys', async () => {
    const ids = model.tokenizer.encode(prompts[0]);
    const [sequence] = await stepwise(model, 'value_zeroing', [prompts[0]], [texts[0]]);
    const n = ids.length;
    const nSteps = sequence.shape[1];
    const clean = reference(ids).hiddenStates!;
    for (let l = 0; l < layers; l++) {
      const raw = ids.map((_, j) => {
        const zeroed = reference(ids, { layer: l, positions: [j] }).hiddenStates!;
        const a = clean[l + 1].subarray((n - 1) * hidden, n * hidden);
        const b = zeroed[l + 1].subarray((n - 1) * hidden, n * hidden);
        let dot = 0;
        let na = 0;
        let nb = 0;
        for (let i = 0; i < hidden; i++) {
          dot += a[i] * b[i];
          na += a[i] * a[i];
          nb += b[i] * b[i];
        }
        return 1 - dot / Math.sqrt(na * nb);
      });
      const total = raw.reduce((x, y) => x + y, 0);
      for (let j = 0; j < n; j++) expect(sequence.data[(j * nSteps + 0) * layers + l]).toBeCloseTo(raw[j] / total, 3);
    }
  });

  it('is causal (zeroing a later key leaves earlier queries unchanged) and one pass per sequence equals step by step', async () => {
    const ids = model.tokenizer.encode(texts[1]);
    const n = ids.length;
    const all = Array.from({ length: n }, (_, i) => i);
    const [distances] = await valueZeroingDistances({
      backend: model.backend,
      inputIds: { data: Int32Array.from(ids), shape: [1, n] },
      attentionMask: { data: new Int32Array(n).fill(1), shape: [1, n] },
      queries: [all],
      keys: [all],
      metric: 'cosine',
      chunkRows: n,
    });
    for (let q = 0; q < n; q++) {
      for (let j = q + 1; j < n; j++) for (let l = 0; l < layers; l++) expect(distances[(q * n + j) * layers + l]).toBeLessThan(1e-9);
    }
    const whole = await stepwise(model, 'value_zeroing', prompts, texts, {}, 'loop');
    const steps = await stepwise(model, 'value_zeroing', prompts, texts);
    for (const r of [0, 1]) expectSameLayout(whole[r].data, steps[r].data, 4);
  });
});

describe('perturbation methods on the tiny GPT-2 (tfjs backend)', () => {
  it('occlusion equals F(x) − F(x with token i at UNK) of a float64 GPT-2, at prefix length + 1 forward rows', async () => {
    const ids = model.tokenizer.encode(prompts[0]);
    const next = model.tokenizer.encode(texts[0])[ids.length];
    const [sequence] = await stepwise(model, 'occlusion', [prompts[0]], [texts[0]], { abs: false });
    const unk = model.tokenizer.specialTokenIds.unk ?? model.tokenizer.specialTokenIds.eos!;
    const logitOf = (row: number[]) => {
      const { logits, shape } = referenceGpt2Forward(tiny.weights, tiny.config, [row], [row.map(() => 1)]);
      return logits[(row.length - 1) * shape[2] + next];
    };
    const nSteps = sequence.shape[1];
    for (const i of [0, 2, ids.length - 1]) {
      const occluded = ids.map((id, s) => (s === i ? unk : id));
      expect(sequence.data[i * nSteps]).toBeCloseTo(logitOf(ids) - logitOf(occluded), 4);
    }
  });

  it('lime and reagent repeat exactly for a seed, and a batch gives each text its numbers alone', async () => {
    for (const [method, args] of [
      ['lime', { n_samples: 12 }],
      ['reagent', { num_probes: 3, max_probe_steps: 4 }],
    ] as const) {
      const batched = await stepwise(model, method, prompts, texts, args);
      expect(await stepwise(model, method, prompts, texts, args)).toEqual(batched);
      for (const r of [0, 1]) {
        const [alone] = await stepwise(model, method, [prompts[r]], [texts[r]], args);
        expectSameLayout(alone.data, batched[r].data, 4);
      }
    }
  });
});
