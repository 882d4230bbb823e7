import { loadTfjsBackend } from '@inseq/backend-tfjs';
import { type AttributionMethod, type AttributionModel, attribute, createRegistry, loadTokenizer, logit } from '@inseq/core';
import { tinyGpt2ModelFiles } from '@inseq/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { registerBuiltinMethods } from '../register-builtin-methods';

const files = tinyGpt2ModelFiles();
const model: AttributionModel = { name: 'tiny-gpt2', backend: await loadTfjsBackend(files), tokenizer: await loadTokenizer(files) };
const methods = registerBuiltinMethods(createRegistry<AttributionMethod>('attribution method'));
afterAll(() => model.backend.dispose());

const prompt = 'The capital of France is';
const continuation = 'The capital of France is Paris.';
const promptIds = model.tokenizer.encode(prompt);
const hidden = model.backend.config.hiddenSize;

/** The first step only: explains the token after the prompt. */
async function firstStep(method: string, attributionArgs: Record<string, unknown>) {
  const out = await attribute(model, prompt, {
    method,
    methods,
    attributionArgs,
    generatedTexts: continuation,
    attributedFn: 'logit',
    attrPosEnd: promptIds.length + 1,
  });
  const sequence = out.sequence_attributions[0];
  const rows = Array.from({ length: promptIds.length }, (_, s) => sequence.target_attributions!.data.subarray(s * hidden, (s + 1) * hidden));
  return { rows, sequence, next: sequence.target[promptIds.length].id };
}

/** The logit of `next` at given input embeddings, from a plain forward pass. */
async function logitAt(embeds: Float32Array, next: number): Promise<number> {
  const length = promptIds.length;
  const { logits } = await model.backend.forward({
    inputIds: { data: Int32Array.from(promptIds), shape: [1, length] },
    attentionMask: { data: new Int32Array(length).fill(1), shape: [1, length] },
    inputsEmbeds: { data: embeds, shape: [1, length, hidden] },
  });
  const [value] = await logit.compute({ logits, targetIds: Int32Array.of(next), options: {} });
  return value;
}

describe('path and sampling methods on the tiny GPT-2 (tfjs backend)', () => {
  it('sequential_integrated_gradients is complete per position: Σₕ attrᵢ = F(x) − F(x with token i at UNK)', async () => {
    const { rows, next } = await firstStep('sequential_integrated_gradients', {});
    const input = (await model.backend.embed({ data: Int32Array.from(promptIds), shape: [1, promptIds.length] })).data;
    const unkId = model.tokenizer.specialTokenIds.unk!;
    const unk = (await model.backend.embed({ data: Int32Array.of(unkId), shape: [1, 1] })).data;
    const full = await logitAt(input, next);
    for (let i = 0; i < promptIds.length; i++) {
      const replaced = Float32Array.from(input);
      replaced.set(unk, i * hidden);
      const expected = full - (await logitAt(replaced, next));
      const total = rows[i].reduce((a, b) => a + b, 0);
      expect(Math.abs(total - expected)).toBeLessThan(1e-3 * Math.max(1, Math.abs(expected)));
    }
  });

  it('discretized_integrated_gradients reports delta = Σ attributions − (F(x) − F(UNK …))', async () => {
    const { rows, sequence, next } = await firstStep('discretized_integrated_gradients', { n_steps: 12, return_convergence_delta: true });
    const total = rows.reduce((acc, row) => acc + row.reduce((a, b) => a + b, 0), 0);
    const input = (await model.backend.embed({ data: Int32Array.from(promptIds), shape: [1, promptIds.length] })).data;
    const unkIds = new Int32Array(promptIds.length).fill(model.tokenizer.specialTokenIds.unk!);
    const baseline = (await model.backend.embed({ data: unkIds, shape: [1, promptIds.length] })).data;
    const gain = (await logitAt(input, next)) - (await logitAt(baseline, next));
    // A discrete sum along a bent path is not complete, so only the reported delta is checked.
    expect(sequence.step_scores.deltas.data[0]).toBeCloseTo(total - gain, 4);
  });

  it('gradient_shap repeats exactly for a seed, and a batch gives each row its numbers alone', async () => {
    const args = { n_samples: 3, stdevs: 0.05 };
    const inputs = ['Hello', prompt];
    const generated = ['Hello world', continuation];
    const options = { method: 'gradient_shap', methods, attributionArgs: args, attributedFn: 'logit' };
    const batched = await attribute(model, inputs, { ...options, generatedTexts: generated });
    const again = await attribute(model, inputs, { ...options, generatedTexts: generated });
    expect(again.sequence_attributions[1].target_attributions!.data).toEqual(batched.sequence_attributions[1].target_attributions!.data);
    for (let i = 0; i < inputs.length; i++) {
      const alone = await attribute(model, inputs[i], { ...options, generatedTexts: generated[i] });
      const [mine, theirs] = [batched.sequence_attributions[i].target_attributions!.data, alone.sequence_attributions[0].target_attributions!.data];
      let worst = 0;
      let scale = 0;
      theirs.forEach((v, j) => {
        if (Number.isNaN(v)) return;
        worst = Math.max(worst, Math.abs(mine[j] - v));
        scale = Math.max(scale, Math.abs(v));
      });
      expect(worst).toBeLessThan(1e-4 * scale);
    }
  });
});
