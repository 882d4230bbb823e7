import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionModel, loadTokenizer, memoryModelFiles } from '@inseq/core';
import { centralDifference, createTinyGpt2, referenceGpt2Forward } from '@inseq/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute } from './attribute';

const tiny = createTinyGpt2();
let model: AttributionModel;

beforeAll(async () => {
  const files = memoryModelFiles(tiny.files, 'tiny-gpt2');
  model = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
});
afterAll(() => model.backend.dispose());

const prompt = 'The capital of France is';
const continuation = 'The capital of France is Paris.';

describe('attribute on the tiny GPT-2 (tfjs backend)', () => {
  it('saliency equals finite differences of an independent float64 GPT-2', async () => {
    const out = await attribute(model, prompt, {
      method: 'saliency',
      attributionArgs: { abs: false },
      generatedTexts: continuation,
      attrPosEnd: model.tokenizer.encode(prompt).length + 1,
    });
    const sequence = out.sequence_attributions[0];
    const ids = sequence.target.map((t) => t.id);
    const length = sequence.attr_pos_start;
    const hidden = 32;
    const next = ids[length];
    const wte = tiny.weights['transformer.wte.weight'].data;
    const embeds = Float64Array.from({ length: length * hidden }, (_, i) => wte[ids[Math.floor(i / hidden)] * hidden + (i % hidden)]);
    const probability = (x: Float64Array) => {
      const inputsEmbeds = [Array.from({ length }, (_, s) => Array.from(x.subarray(s * hidden, (s + 1) * hidden)))];
      const { logits } = referenceGpt2Forward(tiny.weights, tiny.config, [ids.slice(0, length)], [ids.slice(0, length).map(() => 1)], {
        inputsEmbeds,
      });
      const vocab = logits.length / length;
      const row = logits.subarray((length - 1) * vocab, length * vocab);
      const max = Math.max(...row);
      return Math.exp(row[next] - max) / row.reduce((acc, v) => acc + Math.exp(v - max), 0);
    };
    for (const [position, h] of [
      [0, 0],
      [1, 5],
      [length - 1, 31],
      [length - 2, 17],
    ]) {
      const expected = centralDifference(probability, embeds, position * hidden + h, 1e-4);
      const actual = sequence.target_attributions!.data[position * hidden + h];
      expect(actual).toBeCloseTo(expected, 4);
    }
  });

  it('integrated gradients are complete: |delta| = |Σ attributions − (F(x) − F(b))| shrinks to ~0 with n_steps', async () => {
    const deltaAt = async (nSteps: number) => {
      const out = await attribute(model, prompt, {
        method: 'integrated_gradients',
        attributionArgs: { n_steps: nSteps, return_convergence_delta: true },
        generatedTexts: continuation,
        attributedFn: 'logit',
      });
      return Array.from(out.sequence_attributions[0].step_scores.deltas.data, Math.abs);
    };
    const coarse = await deltaAt(2);
    const fine = await deltaAt(64);
    const meanCoarse = coarse.reduce((a, b) => a + b, 0) / coarse.length;
    const meanFine = fine.reduce((a, b) => a + b, 0) / fine.length;
    expect(meanFine).toBeLessThan(meanCoarse / 10);
    expect(Math.max(...fine)).toBeLessThan(1e-4);
  });

  it('gives the same numbers in a batch as one by one', async () => {
    const inputs = ['Hello', 'The capital of France is'];
    const generated = ['Hello world, how are you', 'The capital of France is Paris'];
    for (const method of ['saliency', 'integrated_gradients']) {
      const options = { method, generatedTexts: generated, stepScores: ['probability'], attributionArgs: method === 'saliency' ? {} : { n_steps: 5 } };
      const batched = await attribute(model, inputs, options);
      for (let i = 0; i < inputs.length; i++) {
        const single = await attribute(model, inputs[i], { ...options, generatedTexts: generated[i] });
        const a = batched.sequence_attributions[i];
        const b = single.sequence_attributions[0];
        expect(a.target_attributions!.shape).toEqual(b.target_attributions!.shape);
        const data = b.target_attributions!.data;
        a.target_attributions!.data.forEach((value, k) => {
          if (Number.isNaN(data[k])) expect(value).toBeNaN();
          else expect(Math.abs(value - data[k])).toBeLessThan(1e-4 * (1 + Math.abs(data[k])));
        });
        expect(Array.from(a.step_scores.probability.data)).toEqual(
          Array.from(b.step_scores.probability.data, (p) => expect.closeTo(p, 6)),
        );
      }
    }
  });

  it('input_x_gradient equals the input times the signed gradient', async () => {
    const base = { generatedTexts: continuation } as const;
    const grad = await attribute(model, prompt, { ...base, method: 'saliency', attributionArgs: { abs: false } });
    const ixg = await attribute(model, prompt, { ...base, method: 'input_x_gradient' });
    const g = grad.sequence_attributions[0];
    const x = await model.backend.embed({ data: Int32Array.from(g.target.map((t) => t.id)), shape: [1, g.target.length] });
    const [length, steps, hidden] = g.target_attributions!.shape;
    for (let p = 0; p < length; p++)
      for (let s = 0; s < steps; s++)
        for (let h = 0; h < hidden; h += 7) {
          const k = (p * steps + s) * hidden + h;
          const expected = g.target_attributions!.data[k] * x.data[p * hidden + h];
          const actual = ixg.sequence_attributions[0].target_attributions!.data[k];
          if (Number.isNaN(expected)) expect(actual).toBeNaN();
          else expect(actual).toBeCloseTo(expected, 6);
        }
  });
});
